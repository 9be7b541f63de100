/**
 * The audit: `secure-lambda audit` in any app (cli/audit.ts, on the app's synthesized output),
 * and `npm run audit` in this repository (audit/cli.ts: this repository's app, synthesized first,
 * and the scanners `npm run tools` installs): one program. For each function of the synthesized
 * Terraform it proves least privilege with a real IAM policy engine (a table per function),
 * analyses who every policy of the app lets reach the function's protected resources
 * (audit/access/), runs the secret-leak guard's pass on the same
 * JSON and assets, then the posture scan (`npm run scan`) on the same stacks. `--deployer <stack>`
 * writes the deploy policy instead (audit/deployer/).
 */
import { type AuditReport, auditStacks } from "./audit";
import { type CliIo, parseStackArgs } from "./cli-args";
import { runDeployerCli } from "./deployer/cli";
import { redact } from "../common/show";
import { findLeaks, formatLeaks, type StackLeaks } from "./leaks";
import { formatAudit } from "./report";
import { AuditError, type SynthesizedStack } from "./terraform-json";

/** The audit's exit codes, as `--help` and docs/audit.md list them. */
export const AUDIT_EXIT = { ok: 0, failed: 1, usage: 2, noEngine: 3 } as const;

/** Where the program reads the app, and how it treats the scanners: the bin's and the repository's differ. */
export interface AuditCliOptions {
  /** The command as its user types it, for the usage text. */
  readonly command: string;
  /** What the stacks are when no `--synthesized <dir>` is given, said in the usage text. */
  readonly defaultSource: string;
  /** Reads the stacks: from `--synthesized <dir>`, or the default source when undefined. */
  readonly read: (synthesized: string | undefined) => SynthesizedStack[];
  /**
   * Runs the posture scan on the stacks named in `only` (all when empty) and returns its exit
   * code; a string instead says why there is no scan here (it is then reported, and passes).
   */
  readonly scan: ((stacks: readonly SynthesizedStack[], only: readonly string[], io: CliIo) => number) | string;
}

function usage(options: AuditCliOptions): string {
  return `Usage: ${options.command} [<stack>...] [--synthesized <dir>] [--json] [--no-scan]
       ${options.command} --deployer <stack> [--policy-out <file>] [--synthesized <dir>]

Reads the app's synthesized Terraform (without --synthesized it ${options.defaultSource}) and:
  - proves each function's least privilege: concrete requests, what it must be allowed and
    what it must be denied, evaluated with an IAM policy engine against every policy that
    reaches its role, its key policy, its trust policy and its resource policy;
  - analyses access: every principal, account, service and federated provider that any policy
    of any stack names is asked about every protected resource of every function (parameters
    or secret, key, role, function, log group, dead-letter queue, invoking roles); whoever gets
    in beyond the intended readers is a finding, named with the policy's Terraform address; a
    resource that could grant access and that the analysis does not read fails the audit;
  - runs the secret-leak guard's pass on the same JSON and assets;
  - runs the posture scan (Checkov, Trivy and the project's own rules) on the same stacks
    (${typeof options.scan === "string" ? `not here: ${options.scan}` : "it needs npm run tools"}).

  <stack>...            audit only these stacks' functions (every stack's policies are read)
  --synthesized <dir>   the synthesized app to read (a cdktf.out directory)
  --json                print one JSON object instead of the tables (the scan's tables go to stderr)
  --no-scan             without the posture scan
  --deployer <stack>    the least-privilege IAM policy of the principal that plans, applies and
                        destroys <stack>, what it lets that principal read, and its proof
  --policy-out <file>   with --deployer: write the policy document to <file>

Exit codes: 0 every request as expected, no finding, nothing unread, no leak, scan passed;
1 any of those failed, or a stack cannot be audited; 2 bad usage; 3 the IAM policy engine
is not installed.
`;
}

/** Runs the audit and returns its exit code. */
export async function runAuditCli(argv: readonly string[], io: CliIo, options: AuditCliOptions): Promise<number> {
  const text = usage(options);
  const args = parseStackArgs(argv, text, io, ["deployer", "policy-out"], ["no-scan", "json"]);
  if (typeof args === "number") return args;
  const deployer = args.extra.deployer;
  if (deployer !== undefined && args.envs.length === 0 && !args.flags.has("json")) {
    return runDeployerCli(
      { environment: deployer, synthesized: args.synthesized, policyOut: args.extra["policy-out"], read: options.read },
      io,
    );
  }
  if (deployer !== undefined || args.extra["policy-out"] !== undefined) {
    io.stderr.write(
      `error: --deployer takes one stack and no others (and no --json); --policy-out needs --deployer\n\n${text}`,
    );
    return AUDIT_EXIT.usage;
  }
  const only = args.envs.length > 0 ? args.envs : undefined;
  const json = args.flags.has("json");
  try {
    const stacks = options.read(args.synthesized);
    const unknown = (only ?? []).filter((name) => !stacks.some((stack) => stack.name === name));
    if (unknown.length > 0) {
      io.stderr.write(
        `error: unknown environment ${unknown.map((n) => JSON.stringify(n)).join(", ")}; known: ${stacks.map((s) => s.name).join(", ")}\n`,
      );
      return AUDIT_EXIT.usage;
    }
    const report = await auditStacks(stacks, only);
    // The leak guard's pass needs no scanner: it runs with --no-scan too.
    const leaks = findLeaks(stacks, only);
    if (!json) io.stdout.write(`${formatAudit(report)}\n${formatLeaks(leaks)}`);
    const ok = report.ok && leaks.every((stack) => stack.findings.length === 0);
    let scan: "passed" | "failed" | "not run" = "not run";
    let scanNote: string | undefined;
    if (!args.flags.has("no-scan")) {
      const scanIo = json ? { stdout: io.stderr, stderr: io.stderr } : io;
      if (typeof options.scan === "string") {
        scanNote = `posture scan: not run: ${options.scan}`;
        scanIo.stdout.write(`\n${scanNote}\n`);
      } else {
        scanIo.stdout.write("\n");
        scan = options.scan(stacks, only ?? [], scanIo) === 0 ? "passed" : "failed";
      }
    }
    const passed = ok && scan !== "failed";
    if (json) io.stdout.write(`${JSON.stringify(jsonReport(report, leaks, scan, scanNote, passed), null, 2)}\n`);
    return passed ? AUDIT_EXIT.ok : AUDIT_EXIT.failed;
  } catch (error) {
    if (!(error instanceof AuditError)) throw error;
    io.stderr.write(`error: ${error.message}\n`);
    return AUDIT_EXIT.failed;
  }
}

/** The report as `--json` prints it: every row, finding, unread resource, error and leak. */
function jsonReport(
  report: AuditReport,
  leaks: readonly StackLeaks[],
  scan: string,
  scanNote: string | undefined,
  ok: boolean,
) {
  return {
    ok,
    functions: report.functions.map((f) => ({
      stack: f.subject.target.stack,
      function: f.subject.functionName,
      ok: f.ok,
      requests: f.sets.flatMap((set) =>
        set.results.map((r) => ({
          set: set.name,
          request: r.check.describe,
          expected: r.check.expected,
          result: r.result,
          ok: r.ok,
          ...(r.error ? { error: r.error } : {}),
        })),
      ),
    })),
    access: { requests: report.access.requests, findings: report.access.findings },
    unread: report.unread,
    errors: report.errors,
    leaks: leaks.map((l) => ({
      stack: l.stack,
      refused: l.findings.map((f) => ({
        address: redact(f.address),
        variable: redact(f.variable),
        problems: f.problems,
      })),
      allowed: l.excepted.map((e) => ({ address: redact(e.address), variable: redact(e.variable), reason: e.reason })),
    })),
    scan: scanNote ? { result: scan, note: scanNote } : { result: scan },
  };
}
