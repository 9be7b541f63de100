/**
 * Compares two synthesized apps stack by stack (`node -r ./scripts/register.cjs
 * scripts/compare-synth.ts <cdktf.out> <cdktn.out>`): they must be identical but for what a
 * move from cdktf to CDK Terrain is known to change, which it lists. Exits 1 on any other
 * difference, naming its JSON path.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** What may differ, and why it does not matter. */
const EXPECTED: Record<string, string> = {
  '["//"].metadata.version': "the generator's own version (cdktf 0.21.0, cdktn 0.24.0)",
  ".terraform.required_providers.aws.source":
    'cdktf writes "aws", cdktn "hashicorp/aws": Terraform and OpenTofu resolve both to hashicorp/aws in their own registry',
};

function differences(a: unknown, b: unknown, at: string, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const objects =
    typeof a === "object" && a !== null && typeof b === "object" && b !== null && Array.isArray(a) === Array.isArray(b);
  if (!objects) {
    out.push(at);
    return;
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const key of keys) {
    const next = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`;
    differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], next, out);
  }
}

function stacks(outdir: string): string[] {
  return fs.readdirSync(path.join(outdir, "stacks")).sort();
}

function main(left: string, right: string): number {
  const names = stacks(left);
  if (JSON.stringify(names) !== JSON.stringify(stacks(right))) {
    process.stderr.write(`different stacks: ${names.join(", ")} vs ${stacks(right).join(", ")}\n`);
    return 1;
  }
  let unexpected = 0;
  for (const name of names) {
    const read = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), "utf8"));
    const found: string[] = [];
    differences(read(left), read(right), "", found);
    for (const at of found) {
      const why = EXPECTED[at];
      if (why === undefined) unexpected += 1;
      process.stdout.write(`${name}: ${at}: ${why === undefined ? "UNEXPECTED difference" : `expected (${why})`}\n`);
    }
    if (found.length === 0) process.stdout.write(`${name}: identical\n`);
  }
  process.stdout.write(
    unexpected === 0
      ? "syntheses match but for the expected differences\n"
      : `${unexpected} unexpected difference(s)\n`,
  );
  return unexpected === 0 ? 0 : 1;
}

const [left, right] = process.argv.slice(2);
if (!left || !right) {
  process.stderr.write("usage: compare-synth.ts <cdktf outdir> <cdktn outdir>\n");
  process.exitCode = 2;
} else {
  process.exitCode = main(left, right);
}
