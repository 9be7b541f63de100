/**
 * `npm run audit -- --deployer <env> [--policy-out <file>] [--synthesized <dir>]`: writes the
 * least-privilege IAM policy of the principal that plans, applies and destroys one
 * environment, says what it lets that principal read, and proves it with the policy engine.
 * Exits 0 when the proof holds, 1 when it does not or the stack cannot be scoped (no
 * SecureLambda, a resource type never observed), 2 on an unknown environment.
 */
import * as fs from "node:fs";
import type { CliIo } from "../cli-args";
import { AuditError, type SynthesizedStack } from "../terraform-json";
import { deployerPolicy, type DeployerPolicy } from "./policy";
import { proveDeployerPolicy, type DeployerProof } from "./proof";

/** What `--deployer` was given. */
export interface DeployerArgs {
  readonly environment: string;
  readonly synthesized: string | undefined;
  /** Where to write the policy document; printed after the proof when absent. */
  readonly policyOut: string | undefined;
  /** Reads the app's stacks: from `--synthesized <dir>`, or the program's default source when undefined. */
  readonly read: (synthesized: string | undefined) => SynthesizedStack[];
}

/** Runs `--deployer` and returns its exit code. */
export async function runDeployerCli(args: DeployerArgs, io: CliIo): Promise<number> {
  try {
    const stacks = args.read(args.synthesized);
    const stack = stacks.find((s) => s.name === args.environment);
    if (!stack) {
      io.stderr.write(
        `error: unknown environment ${JSON.stringify(args.environment)} for --deployer; known: ${stacks.map((s) => s.name).join(", ")}\n`,
      );
      return 2;
    }
    const policy = deployerPolicy(stack);
    const proof = await proveDeployerPolicy(policy, stacks);
    const document = `${JSON.stringify(policy.document, null, 2)}\n`;
    io.stdout.write(formatDeployer(policy, proof));
    if (args.policyOut) {
      fs.writeFileSync(args.policyOut, document);
      io.stdout.write(`\npolicy written to ${args.policyOut}\n`);
    } else {
      io.stdout.write(`\n${document}`);
    }
    return proof.ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof AuditError)) throw error;
    io.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
}

/** The report a person reads: what the policy is for, what it reads, its unscoped actions, the proof. */
export function formatDeployer(policy: DeployerPolicy, proof: DeployerProof): string {
  const t = policy.target;
  const account = t.accountIsStandIn ? `${t.accountId} (stand-in: the environment names no accountId)` : t.accountId;
  const lines = [
    `deployer of ${policy.stack}: account ${account}, region ${t.region}`,
    `  description: ${policy.description}`,
    "  what it lets the deployer read",
    ...policy.reads.map((read) => `    - ${read}`),
    `  actions on "*" (the service offers no resource-level permission)`,
    ...policy.unscoped.map((u) => `    ${u.action}: ${u.reason}`),
  ];
  const rows = proof.results.map(
    (r) =>
      [
        r.check.describe,
        r.check.expected,
        r.result,
        r.ok ? "ok" : r.error ? `ERROR: ${r.error}` : "UNEXPECTED",
      ] as const,
  );
  const width = (i: 0 | 1 | 2) =>
    Math.max(["request", "expected", "result"][i]!.length, ...rows.map((row) => row[i].length));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, i) => (i < 3 ? cell.padEnd(width(i as 0 | 1 | 2)) : cell)).join("  ")}`.trimEnd();
  lines.push(
    line(["request", "expected", "result", ""]),
    ...rows.map((row) => line([`  ${row[0]}`.slice(2), row[1], row[2], row[3]])),
  );
  const unexpected = proof.results.filter((r) => !r.ok).length;
  lines.push(
    `deploy policy of ${policy.stack}: ${policy.document.Statement.length} statements, ${proof.results.length} requests, ${unexpected} unexpected`,
  );
  return `${lines.join("\n")}\n`;
}
