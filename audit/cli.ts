/**
 * `npm run audit [-- <env>...] [--synthesized <dir>] [--json] [--no-scan]`, or `-- --deployer <env>`:
 * the audit program (audit/program.ts, also the package's `secure-lambda audit`) on this
 * repository's app, synthesized into a temporary directory unless `--synthesized` names one,
 * with the posture scan of the scanners `npm run tools` installs.
 */
import type { CliIo } from "./cli-args";
import { type AuditCliOptions, runAuditCli as runProgram } from "./program";
import { runScanOn } from "./scan/cli";
import { stacksToJudge } from "./synthesize";

/** This repository's sources of stacks and scanners. */
export const REPOSITORY: AuditCliOptions = {
  command: "npm run audit --",
  defaultSource: "synthesizes every environment of this repository's app into a temporary directory",
  read: stacksToJudge,
  scan: (stacks, only, io) => runScanOn(stacks, only, undefined, io),
};

/** Runs `npm run audit` and returns its exit code. */
export function runAuditCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runProgram(argv, io, REPOSITORY);
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
