/**
 * `npm run audit [-- <env>...] [--synthesized <dir>]`: proves each function's least
 * privilege on the synthesized Terraform, with a real IAM policy engine, and prints a
 * table per function. Exits 0 when every request comes out as expected, 1 when any does
 * not (or a stack cannot be audited), 2 on bad usage.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { auditStacks } from "./audit";
import { formatAudit } from "./report";
import { AuditError, readSynthesizedStacks, type SynthesizedStack } from "./terraform-json";

const USAGE = `Usage: npm run audit -- [<env>...] [--synthesized <dir>]

Synthesizes every environment (into a temporary directory) and evaluates, for each
function, concrete requests against its role policy, key policy and trust policy with
an IAM policy engine: what it must be allowed, and what it must be denied.

  <env>...              audit only these environments (default: all)
  --synthesized <dir>   audit an app already synthesized into <dir> (e.g. cdktf.out)
                        instead of synthesizing it

Exits 0 when every request comes out as expected, 1 otherwise, 2 on bad usage.
`;

/** Where the CLI writes; the process by default. */
export interface AuditIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Runs the audit CLI and returns its exit code. */
export async function runAuditCli(argv: readonly string[], io: AuditIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { synthesized: { type: "string" }, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const only = parsed.positionals.length > 0 ? parsed.positionals : undefined;
  try {
    const stacks = parsed.values.synthesized ? readSynthesizedStacks(parsed.values.synthesized) : synthesizeApp();
    const unknown = (only ?? []).filter((name) => !stacks.some((stack) => stack.name === name));
    if (unknown.length > 0) {
      io.stderr.write(`error: unknown environment ${unknown.map((n) => JSON.stringify(n)).join(", ")}; known: ${stacks.map((s) => s.name).join(", ")}\n`);
      return 2;
    }
    const report = await auditStacks(stacks, only);
    io.stdout.write(formatAudit(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof AuditError)) throw error;
    io.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
}

/** Synthesizes the whole app into a temporary directory and reads it back. */
function synthesizeApp(): SynthesizedStack[] {
  // Loaded here, not at the top: `--synthesized` must not pay for cdktf and the providers.
  const { buildApp } = require("../main") as typeof import("../main");
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-"));
  try {
    buildApp({ outdir }).synth();
    return readSynthesizedStacks(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runAuditCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
