/**
 * `npm run audit [-- <env>...] [--synthesized <dir>] [--no-scan]`, or `-- --deployer <env>`
 * for the deploy policy (audit/deployer/): proves each function's least
 * privilege on the synthesized Terraform, with a real IAM policy engine, and prints a
 * table per function; runs the secret-leak guard's pass on the same JSON and assets; then
 * the posture scan (`npm run scan`) on the same stacks. Exits 0 when every request comes out
 * as expected, no leak is found and the scan passes, 1 when any does not (or a stack cannot
 * be audited), 2 on bad usage.
 */
import { auditStacks } from "./audit";
import { findLeaks, formatLeaks } from "./leaks";
import { formatAudit } from "./report";
import { runScanOn } from "./scan/cli";
import { type CliIo, parseStackArgs } from "./cli-args";
import { runDeployerCli } from "./deployer/cli";
import { stacksToJudge } from "./synthesize";
import { AuditError } from "./terraform-json";

const USAGE = `Usage: npm run audit -- [<env>...] [--synthesized <dir>] [--no-scan]
       npm run audit -- --deployer <env> [--policy-out <file>] [--synthesized <dir>]

Synthesizes every environment (into a temporary directory) and evaluates, for each
function, concrete requests against every policy that reaches its role (inline, attached,
managed), its key policy, its trust policy and its resource policy with an IAM policy
engine: what it must be allowed, and what it must be denied. Runs the secret-leak
guard's pass on the same JSON and assets. Then runs the posture scan on the same stacks
(npm run scan: Checkov, Trivy and the project's own rules; it needs npm run tools).

  <env>...              audit only these environments (default: all)
  --synthesized <dir>   audit an app already synthesized into <dir> (e.g. cdktf.out)
                        instead of synthesizing it
  --no-scan             the permission proof and the leak pass, without the posture
                        scan (so without the scanners npm run tools installs)
  --deployer <env>      the least-privilege IAM policy of the principal that plans,
                        applies and destroys <env>, what it lets that principal read,
                        and its proof (own resources allowed, a neighbour's denied)
  --policy-out <file>   with --deployer: write the policy document to <file>

Exits 0 when every request comes out as expected, no leak is found and the scan
passes, 1 otherwise, 2 on bad usage.
`;

/** Runs the audit CLI and returns its exit code. */
export async function runAuditCli(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseStackArgs(argv, USAGE, io, ["deployer", "policy-out"], ["no-scan"]);
  if (typeof args === "number") return args;
  const deployer = args.extra.deployer;
  if (deployer !== undefined && args.envs.length === 0) {
    return runDeployerCli(
      { environment: deployer, synthesized: args.synthesized, policyOut: args.extra["policy-out"] },
      io,
    );
  }
  if (deployer !== undefined || args.extra["policy-out"] !== undefined) {
    io.stderr.write(`error: --deployer takes one environment and no others; --policy-out needs --deployer\n\n${USAGE}`);
    return 2;
  }
  const only = args.envs.length > 0 ? args.envs : undefined;
  try {
    const stacks = stacksToJudge(args.synthesized);
    const unknown = (only ?? []).filter((name) => !stacks.some((stack) => stack.name === name));
    if (unknown.length > 0) {
      io.stderr.write(
        `error: unknown environment ${unknown.map((n) => JSON.stringify(n)).join(", ")}; known: ${stacks.map((s) => s.name).join(", ")}\n`,
      );
      return 2;
    }
    const report = await auditStacks(stacks, only);
    io.stdout.write(formatAudit(report));
    // The leak guard's pass needs no scanner: it runs with --no-scan too.
    const leaks = findLeaks(stacks, only);
    io.stdout.write(`\n${formatLeaks(leaks)}`);
    const ok = report.ok && leaks.every((stack) => stack.findings.length === 0);
    if (args.flags.has("no-scan")) return ok ? 0 : 1;
    io.stdout.write("\n");
    const scanned = runScanOn(stacks, only ?? [], undefined, io);
    return ok && scanned === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof AuditError)) throw error;
    io.stderr.write(`error: ${error.message}\n`);
    return 1;
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
