import { GetParametersCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { PLACEHOLDER_VALUE } from "../constructs/naming";
import { MAX_NAMES_PER_CALL } from "../lambda-src/secrets/loader";
import { describeAwsError } from "./aws-errors";
import type { SecretTarget } from "./targets";

/** Whether a secret can be used: set to a real value, still the placeholder, or absent. */
export type SecretState = "set" | "placeholder" | "missing";

/** The state of one secret; never its value. */
export interface SecretStatus {
  readonly target: SecretTarget;
  readonly state: SecretState;
  readonly version?: number;
  readonly lastModified?: Date;
}


/**
 * Reads every secret (decrypted, since only the value tells a placeholder from a real
 * secret) and keeps only whether it is the placeholder. Batches run in parallel.
 */
export async function secretStatuses(ssm: SSMClient, targets: readonly SecretTarget[]): Promise<SecretStatus[]> {
  const batches: SecretTarget[][] = [];
  for (let i = 0; i < targets.length; i += MAX_NAMES_PER_CALL) batches.push(targets.slice(i, i + MAX_NAMES_PER_CALL));
  const results = await Promise.all(batches.map((batch) => statusOfBatch(ssm, batch)));
  return results.flat();
}

async function statusOfBatch(ssm: SSMClient, batch: readonly SecretTarget[]): Promise<SecretStatus[]> {
  let found;
  try {
    found = await ssm.send(new GetParametersCommand({ Names: batch.map((t) => t.parameterName), WithDecryption: true }));
  } catch (error) {
    throw describeAwsError(error, batch.map((t) => t.parameterName).join(", "));
  }
  const byName = new Map((found.Parameters ?? []).map((p) => [p.Name, p]));
  return batch.map((target) => {
    const parameter = byName.get(target.parameterName);
    if (!parameter) return { target, state: "missing" };
    return {
      target,
      state: parameter.Value === PLACEHOLDER_VALUE ? "placeholder" : "set",
      version: parameter.Version,
      lastModified: parameter.LastModifiedDate,
    };
  });
}

/** One aligned line per secret, and a closing summary. */
export function formatStatuses(envName: string, statuses: readonly SecretStatus[]): string {
  const label: Record<SecretState, string> = { set: "set", placeholder: "placeholder (never set)", missing: "missing (not deployed?)" };
  const rows = statuses.map((s) => [
    s.target.functionName,
    s.target.secret,
    label[s.state],
    s.version === undefined ? "-" : `v${s.version}`,
    s.lastModified ? s.lastModified.toISOString() : "-",
    s.target.parameterName,
  ]);
  const widths = rows.reduce((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), [] as number[]);
  const lines = rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
  const notReady = statuses.filter((s) => s.state !== "set").length;
  lines.push(notReady === 0 ? `${envName}: all ${statuses.length} secrets are set` : `${envName}: ${notReady} of ${statuses.length} secrets are not set`);
  return `${lines.join("\n")}\n`;
}
