/**
 * `npm run scan [-- <env>...] [--synthesized <dir>] [--skips <file>]`: runs Checkov and
 * Trivy (offline, as `npm run tools` installed them) and the project's own posture rules on
 * every synthesized stack, and prints a table per stack. Exits 0 when every failed check
 * is in the skip list and no skip is stale, 1 otherwise, 2 on bad usage.
 */
import * as path from "node:path";
import { loadTools } from "../../cli/real-tools";
import { type CliIo, parseStackArgs } from "../cli-args";
import { stacksToJudge } from "../synthesize";
import { AuditError, type SynthesizedStack } from "../terraform-json";
import { formatScan } from "./report";
import { ScanError } from "./result";
import { scannersFromTools, scanStacks } from "./scan";
import { readSkips, SKIPS_FILE } from "./skips";

const ROOT = path.join(__dirname, "..", "..");

const USAGE = `Usage: npm run scan -- [<env>...] [--synthesized <dir>] [--skips <file>]

Synthesizes every environment (into a temporary directory) and runs Checkov and Trivy
(offline, the versions npm run tools installed) and the project's own posture rules on
each stack's Terraform JSON. Prints one table per stack: check, resource, scanner, result.

  <env>...              scan only these environments (default: all)
  --synthesized <dir>   scan an app already synthesized into <dir> (e.g. cdktf.out)
  --skips <file>        the skip list (default: audit/scan/skip-list.json)

Exits 0 when every failed check is in the skip list and, on a scan of the whole app
(no <env> named), every skip is still used; 1 otherwise; 2 on bad usage.
`;

/** Runs the scan CLI and returns its exit code. */
export function runScanCli(argv: readonly string[], io: CliIo): number {
  const args = parseStackArgs(argv, USAGE, io, ["skips"]);
  if (typeof args === "number") return args;
  try {
    return runScanOn(stacksToJudge(args.synthesized), args.envs, args.extra.skips, io);
  } catch (error) {
    if (!(error instanceof AuditError)) throw error;
    io.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
}

/**
 * Scans the stacks named in `only` (all when empty) of an app already read, prints the
 * tables and returns the exit code: also the posture part of `npm run audit`.
 */
export function runScanOn(
  all: readonly SynthesizedStack[],
  only: readonly string[],
  skipsFile: string | undefined,
  io: CliIo,
): number {
  try {
    const tools = installedTools();
    const scanners = scannersFromTools(tools, ROOT);
    const skips = readSkips(skipsFile ?? SKIPS_FILE);
    const unknown = only.filter((name) => !all.some((stack) => stack.name === name));
    if (unknown.length > 0) {
      io.stderr.write(
        `error: unknown environment ${unknown.map((n) => JSON.stringify(n)).join(", ")}; known: ${all.map((s) => s.name).join(", ")}\n`,
      );
      return 2;
    }
    const stacks = only.length === 0 ? all : all.filter((stack) => only.includes(stack.name));
    const report = scanStacks(stacks, scanners, skips, only.length > 0);
    io.stdout.write(formatScan(report, { checkov: tools.checkovVersion, trivy: tools.trivyVersion }));
    return report.ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    io.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
}

/** What `npm run tools` installed; its absence is the user's to fix, so a ScanError. */
function installedTools(): ReturnType<typeof loadTools> {
  try {
    return loadTools();
  } catch (error) {
    throw new ScanError((error as Error).message);
  }
}

if (require.main === module) {
  try {
    process.exitCode = runScanCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
  }
}
