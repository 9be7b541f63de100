/** Checks of VPC, subnet and security group ids, and a stable key for each id in a list. */
import { createHash } from "node:crypto";
import type { Construct } from "constructs";
import { DefaultTokenResolver, StringConcat, TerraformStack, Token, Tokenization } from "./tf";
import type { Fail } from "../common/values";
import { show } from "../common/show";

/** The kinds of EC2 id checked here, by their prefix. */
export type NetworkIdPrefix = "vpc" | "subnet" | "sg";

/** One id of a list, and a key for it that stays the same from synth to synth. */
export interface KeyedId {
  readonly id: string;
  /** The literal id, or `ref-<12 hex>` hashed from the Terraform reference of a token. */
  readonly key: string;
}

const RESOLVER = new DefaultTokenResolver(new StringConcat());

// EC2 ids are the prefix and 8 (older resources) or 17 lower-case hex digits.
const pattern = (prefix: NetworkIdPrefix): RegExp => new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`);
const allowed = (prefix: NetworkIdPrefix): string =>
  `"${prefix}-" and 8 or 17 lower-case hex digits, or a Terraform reference`;

/** Throws unless `value` is one `<prefix>-` id or a token. */
export function checkNetworkId(fail: Fail, prop: string, prefix: NetworkIdPrefix, value: unknown): void {
  if (typeof value === "string" && (Token.isUnresolved(value) || pattern(prefix).test(value))) return;
  fail(prop, `${show(value)}: allowed is ${allowed(prefix)}`);
}

/**
 * Throws unless `value` is a non-empty array of distinct `<prefix>-` ids or tokens, and
 * returns each with its key. A token is keyed by the reference it resolves to
 * (`${aws_security_group.app.id}`), so two references to one group count as a duplicate.
 */
export function checkNetworkIdList(
  scope: Construct,
  fail: Fail,
  prop: string,
  prefix: NetworkIdPrefix,
  value: unknown,
): KeyedId[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(prop, `${show(value)}: allowed is a non-empty array of ids, each ${allowed(prefix)}`);
  }
  if (isListToken(value)) {
    fail(
      prop,
      `a list token: allowed is an array that names each id (${allowed(prefix)}), since one resource is made per id`,
    );
  }
  const seen = new Set<string>();
  return (value as unknown[]).map((id) => {
    checkNetworkId(fail, prop, prefix, id);
    const text = Token.isUnresolved(id)
      ? String(Tokenization.resolve(id, { scope: TerraformStack.of(scope), resolver: RESOLVER }))
      : (id as string);
    if (seen.has(text)) fail(prop, `${show(text)} is listed twice`);
    seen.add(text);
    const key = Token.isUnresolved(id) ? `ref-${createHash("sha256").update(text).digest("hex").slice(0, 12)}` : text;
    return { id: id as string, key };
  });
}

/** A whole list encoded as one token (`data.aws_subnets.x.ids`), whose length is unknown at synth. */
export function isListToken(value: unknown): boolean {
  return Array.isArray(value) && Token.isUnresolved(value);
}
