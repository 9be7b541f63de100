import { EXIT } from "./errors";
import { printable } from "./printable";
import type { Session } from "./session";
import type { StoreClients } from "./store-client";
import { findStack, stacksWithSecrets } from "./synthesis";
import { formatReach, reachReady, reachStatuses, type ExternalStatus, type ReplicaStatus } from "./reach";
import { secretTargets, targetLabel, type SecretsManagerTarget, type SecretTarget, type SsmTarget } from "./targets";

/**
 * Whether a secret can be used: set to a real value, still the placeholder, absent from
 * its Secrets Manager secret's JSON (`missing-key`), not a string there (`invalid`), or
 * absent altogether (`missing`: the parameter or secret was not deployed).
 */
export type SecretState = "set" | "placeholder" | "missing-key" | "invalid" | "missing";

/** The state of one secret; never its value. */
export interface SecretStatus {
  readonly target: SecretTarget;
  readonly state: SecretState;
  /** The version as its store names it (`v2`, or a Secrets Manager VersionId). */
  readonly version?: string;
  /** When that version was written. */
  readonly lastModified?: Date;
}

const LABEL: Record<SecretState, string> = {
  set: "set",
  placeholder: "placeholder (never set)",
  "missing-key": "missing key",
  invalid: "invalid (not a JSON string)",
  missing: "missing (not deployed?)",
};

/** `status [<stack>...] [--json]`: every secret of the stacks named, or of every stack; exits 1 unless all are set. */
export async function runStatus(session: Session, args: readonly string[], json: boolean): Promise<number> {
  const { synthesis } = session;
  const stacks =
    args.length === 0 ? stacksWithSecrets(synthesis) : [...new Set(args)].map((name) => findStack(synthesis, name));
  // Each stack has its own region, endpoints and credentials; they are read in parallel.
  const perStack = await Promise.all(
    stacks.map((stack) => secretStatuses(session.storeClients(stack), secretTargets(stack))),
  );
  const statuses = perStack.flat();
  // Secrets read by ARN from their owners, and the replicas of the functions' secrets.
  const reach = await Promise.all(stacks.map((stack) => reachStatuses(session, stack)));
  const external = reach.flatMap((r) => r.external);
  const replicas = reach.flatMap((r) => r.replicas);
  const ready = statuses.every((s) => s.state === "set") && reachReady(external, replicas);
  session.io.stdout.write(
    json
      ? withReach(formatStatusesJson(statuses), { ready, external, replicas })
      : formatStatuses(
          stacks.map((s) => s.name),
          statuses,
        ) +
          formatReach(external, replicas)
            .map((line) => `${line}\n`)
            .join(""),
  );
  return ready ? EXIT.ok : EXIT.notReady;
}

/** The state of every target, whatever its store, in the order given; the stores are read in parallel. */
export async function secretStatuses(clients: StoreClients, targets: readonly SecretTarget[]): Promise<SecretStatus[]> {
  const ssm = targets.filter((t): t is SsmTarget => t.store === "ssm");
  const secretsManager = targets.filter((t): t is SecretsManagerTarget => t.store === "secretsmanager");
  const [fromSsm, fromSecretsManager] = await Promise.all([
    ssm.length > 0 ? clients.ssm.statuses(ssm) : [],
    secretsManager.length > 0 ? clients.secretsmanager.statuses(secretsManager) : [],
  ]);
  const byTarget = new Map([...fromSsm, ...fromSecretsManager].map((status) => [status.target, status]));
  return targets.map((target) => byTarget.get(target) ?? { target, state: "missing" });
}

/** One aligned line per secret, and a closing summary per stack. */
export function formatStatuses(stacks: readonly string[], statuses: readonly SecretStatus[]): string {
  const rows = statuses.map((s) => [
    printable(s.target.stack),
    printable(s.target.functionName),
    printable(s.target.secret),
    LABEL[s.state],
    s.version === undefined ? "-" : printable(s.version),
    s.lastModified ? s.lastModified.toISOString() : "-",
    targetLabel(s.target),
  ]);
  const widths = rows.reduce((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [] as number[]);
  const lines = rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "),
  );
  for (const stack of stacks) {
    const ofStack = statuses.filter((s) => s.target.stack === stack);
    const notReady = ofStack.filter((s) => s.state !== "set").length;
    lines.push(
      notReady === 0
        ? `${printable(stack)}: all ${ofStack.length} secrets are set`
        : `${printable(stack)}: ${notReady} of ${ofStack.length} secrets are not set`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The same as JSON, for a pipeline's gate: `ready`, and each secret's names, state and version; never a value. */
export function formatStatusesJson(statuses: readonly SecretStatus[]): string {
  const secrets = statuses.map((s) => ({
    stack: s.target.stack,
    function: s.target.functionName,
    secret: s.target.secret,
    store: s.target.store,
    ...(s.target.store === "ssm"
      ? { parameterName: s.target.parameterName }
      : { secretId: s.target.secretId, key: s.target.key }),
    state: s.state,
    version: s.version ?? null,
    lastModified: s.lastModified?.toISOString() ?? null,
  }));
  return `${JSON.stringify({ ready: statuses.every((s) => s.state === "set"), secrets }, null, 2)}\n`;
}

/** The JSON report with the external secrets and replicas, when there are any, and `ready` counting them. */
function withReach(
  text: string,
  reach: { ready: boolean; external: readonly ExternalStatus[]; replicas: readonly ReplicaStatus[] },
): string {
  if (reach.external.length === 0 && reach.replicas.length === 0) return text;
  const report = JSON.parse(text) as Record<string, unknown>;
  return `${JSON.stringify(
    {
      ...report,
      ready: reach.ready,
      ...(reach.external.length > 0 ? { external: reach.external } : {}),
      ...(reach.replicas.length > 0 ? { replicas: reach.replicas } : {}),
    },
    null,
    2,
  )}\n`;
}
