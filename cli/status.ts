import type { Stores } from "./store";
import { targetLabel, type SecretsManagerTarget, type SecretTarget, type SsmTarget } from "./targets";

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

/** The state of every target, whatever its store, in the order given; the stores are read in parallel. */
export async function secretStatuses(stores: Stores, targets: readonly SecretTarget[]): Promise<SecretStatus[]> {
  const ssm = targets.filter((t): t is SsmTarget => t.store === "ssm");
  const secretsManager = targets.filter((t): t is SecretsManagerTarget => t.store === "secretsmanager");
  const [fromSsm, fromSecretsManager] = await Promise.all([
    ssm.length > 0 ? stores.ssm.statuses(ssm) : [],
    secretsManager.length > 0 ? stores.secretsmanager.statuses(secretsManager) : [],
  ]);
  const byTarget = new Map([...fromSsm, ...fromSecretsManager].map((status) => [status.target, status]));
  return targets.map((target) => byTarget.get(target) ?? { target, state: "missing" });
}

/** One aligned line per secret, and a closing summary. */
export function formatStatuses(envName: string, statuses: readonly SecretStatus[]): string {
  const rows = statuses.map((s) => [
    s.target.functionName,
    s.target.secret,
    LABEL[s.state],
    s.version ?? "-",
    s.lastModified ? s.lastModified.toISOString() : "-",
    targetLabel(s.target),
  ]);
  const widths = rows.reduce((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [] as number[]);
  const lines = rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
  const notReady = statuses.filter((s) => s.state !== "set").length;
  lines.push(notReady === 0 ? `${envName}: all ${statuses.length} secrets are set` : `${envName}: ${notReady} of ${statuses.length} secrets are not set`);
  return `${lines.join("\n")}\n`;
}
