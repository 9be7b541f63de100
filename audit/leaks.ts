/**
 * The secret-leak guard's pass on synthesized stacks: the same rules the constructs run inside
 * `toTerraform()`, on the `cdk.tf.json` and the assets of any synthesized directory, so a stack
 * built without the guard (another tool, a hand edit, a copy of cdktf that never loaded it) is
 * judged too, with the files its JSON names by path. It honours exactly the exceptions the guard
 * recorded at synth, and lists them.
 */
import { createHash } from "node:crypto";
import type { LeakFinding } from "../constructs/errors";
import { type ExceptedFinding, exceptionsFrom, judgeStack, recordedExceptions } from "../constructs/leak-guard/judge";
import { redact } from "../common/show";
import type { SynthesizedStack } from "./terraform-json";

/** What the pass found in one stack. */
export interface StackLeaks {
  readonly stack: string;
  readonly findings: readonly LeakFinding[];
  readonly excepted: readonly ExceptedFinding[];
}

/** Runs the leak pass on every stack named in `only` (all when absent). */
export function findLeaks(stacks: readonly SynthesizedStack[], only?: readonly string[]): StackLeaks[] {
  return stacks
    .filter((stack) => only === undefined || only.includes(stack.name))
    .map((stack) => {
      const json = stack.json as Record<string, unknown>;
      const files = (stack.assets ?? []).map((asset) => ({
        path: asset.path,
        cacheKey: createHash("sha256").update(asset.data).digest("hex"),
        read: () => asset.data,
      }));
      const assetPaths = new Set(files.map((file) => file.path));
      const { findings, excepted } = judgeStack(json, {
        files,
        // The files the JSON names by path (a layer's `filename`, an S3 object's `source`), read where Terraform
        // reads them; an asset's path is judged once, as the asset.
        ...(stack.directory !== undefined
          ? {
              deployedPaths: {
                directory: stack.directory,
                isAsset: (named: string) =>
                  assetPaths.has(named) || [...assetPaths].some((asset) => asset.startsWith(`${named}/`)),
              },
            }
          : {}),
        exception: exceptionsFrom(recordedExceptions(json)),
      });
      return { stack: stack.name, findings, excepted };
    });
}

/** The pass as the audit prints it: a line per stack, one per finding and one per exception honoured. */
export function formatLeaks(results: readonly StackLeaks[]): string {
  const lines = ["secret-leak guard (every string of cdk.tf.json and every asset, as at synth)"];
  for (const { stack, findings, excepted } of results) {
    lines.push(`  ${stack}: ${findings.length === 0 ? "no secret-looking literal" : `${findings.length} refused`}`);
    for (const f of findings)
      lines.push(
        `    REFUSED ${redact(f.address)}, variable ${redact(f.variable)}: ${f.problems.join("; ")} [${f.rules.join(", ")}]`,
      );
    for (const e of excepted)
      lines.push(`    allowed ${redact(e.address)}, variable ${redact(e.variable)}: ${e.reason}`);
  }
  const refused = results.reduce((sum, r) => sum + r.findings.length, 0);
  lines.push(
    `leaks: ${refused} refused, ${results.reduce((sum, r) => sum + r.excepted.length, 0)} allowed by a recorded exception`,
  );
  return `${lines.join("\n")}\n`;
}
