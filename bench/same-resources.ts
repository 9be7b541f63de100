/**
 * Whether two synthesized stacks write the same blocks, their addresses aside: the check that the
 * benchmark's hand-written baseline (`bare`) is the construct's output written another way.
 *
 * Each block is compared without cdktf's `"//"` metadata, with every reference's block name
 * replaced by `*` (`${aws_kms_key.fn7_Key_B988E775.arn}` and `${aws_kms_key.fn7-key.arn}` are both
 * `${aws_kms_key.*.arn}`), as a multiset per block type. The stack's top-level `"//"` (cdktf's
 * metadata and the construct's record for the secrets CLI) is the construct's own and not compared.
 */
import * as fs from "node:fs";
import { isPlainObject } from "../common/values";

const REFERENCE = /\$\{(data\.)?([a-z][a-z0-9_]*)\.[^.}\s]+((?:\.[A-Za-z0-9_]+)*)\}/g;
const DEPENDENCY = /^(data\.)?([a-z][a-z0-9_]*)\.[^.]+$/;

function anonymous(value: unknown, key?: string): unknown {
  if (typeof value === "string")
    return key === "depends_on"
      ? value.replace(DEPENDENCY, "$1$2.*")
      : value.replace(REFERENCE, (_, data = "", type, rest) => `\${${data}${type}.*${rest}}`);
  if (Array.isArray(value)) return value.map((item) => anonymous(item, key));
  if (isPlainObject(value))
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "//")
        .map(([k, v]) => [k, anonymous(v, k)]),
    );
  return value;
}

/** Each section's blocks, by type, as sorted JSON texts of their anonymous bodies. */
function shape(json: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [section, content] of Object.entries(json)) {
    if (section === "//") continue;
    if ((section === "resource" || section === "data") && isPlainObject(content)) {
      for (const [type, blocks] of Object.entries(content))
        out[`${section}.${type}`] = Object.values(blocks as object)
          .map((body) => JSON.stringify(anonymous(body)))
          .sort();
    } else out[section] = [JSON.stringify(anonymous(content))];
  }
  return out;
}

/** The differences between two `cdk.tf.json` files (none when they write the same blocks), at most `limit`. */
export function blockDifferences(aFile: string, bFile: string, limit = 5): string[] {
  const a = shape(JSON.parse(fs.readFileSync(aFile, "utf8")));
  const b = shape(JSON.parse(fs.readFileSync(bFile, "utf8")));
  const differences: string[] = [];
  for (const section of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const left = a[section] ?? [];
    const right = b[section] ?? [];
    if (left.length !== right.length) differences.push(`${section}: ${left.length} blocks against ${right.length}`);
    else {
      const at = left.findIndex((text, i) => text !== right[i]);
      if (at >= 0) differences.push(`${section}: ${left[at]}\n  against ${right[at]}`);
    }
  }
  return differences.slice(0, limit);
}
