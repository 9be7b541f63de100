/**
 * What `status` shows beyond the function's own secrets: each secret another account or app
 * owns (read by ARN, in the ARN's region, as the function reads it) and each replica of the
 * function's Secrets Manager secret (its replication state, as Secrets Manager reports it).
 * Never a value.
 */
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { CliFunctionRecord } from "../common/cli-record";
import { parseExternalArn } from "../common/external-secret";
import { CURRENT_STAGE, defaultSecretName, isPlaceholder } from "../common/naming";
import { awsErrorCode } from "../lambda-src/secrets/classify-error";
import { describeAwsError } from "./aws-errors";
import { type NetworkSettings, secretsManagerClientFor, ssmClientFor } from "./clients";
import { printable } from "./printable";
import type { Session } from "./session";
import type { SynthesizedStack } from "./synthesis";

/** An external secret's state: as the function's role would find it, read with the CLI's credentials. */
export type ExternalState = "set" | "placeholder" | "missing" | "denied";

/** One external secret of one function. */
export interface ExternalStatus {
  readonly stack: string;
  readonly functionName: string;
  readonly secret: string;
  readonly arn: string;
  readonly state: ExternalState;
}

/** One replica of a function's secret: `InSync`, `InProgress`, `Failed`, or `Missing` when none is listed. */
export interface ReplicaStatus {
  readonly stack: string;
  readonly functionName: string;
  readonly secretId: string;
  readonly region: string;
  readonly state: string;
  readonly message?: string;
}

/** The external secrets and replicas of the stack's functions, read in parallel. */
export async function reachStatuses(
  session: Session,
  stack: SynthesizedStack,
): Promise<{ external: ExternalStatus[]; replicas: ReplicaStatus[] }> {
  const settings = session.settings(stack);
  const network = session.io.network;
  const external = stack.functions.flatMap((fn) =>
    (fn.externalSecrets ?? []).map((secret) => externalStatus(stack.name, fn, secret, { settings, network })),
  );
  const replicas = stack.functions
    .filter((fn) => fn.store === "secretsmanager" && (fn.replicaRegions ?? []).length > 0 && fn.secrets.length > 0)
    .map((fn) => replicaStatuses(stack.name, fn, secretsManagerClientFor(settings, network)));
  return { external: await Promise.all(external), replicas: (await Promise.all(replicas)).flat() };
}

type Clients = { settings: ReturnType<Session["settings"]>; network: NetworkSettings | undefined };

async function externalStatus(
  stack: string,
  fn: CliFunctionRecord,
  secret: { readonly name: string; readonly arn: string },
  { settings, network }: Clients,
): Promise<ExternalStatus> {
  const base = { stack, functionName: fn.functionName, secret: secret.name, arn: secret.arn };
  const target = parseExternalArn(secret.arn);
  if (!target) return { ...base, state: "missing" };
  // Read where the function reads it: the ARN's region.
  const regional = { ...settings, region: target.region };
  let value: string | undefined;
  try {
    if (target.store === "secretsmanager") {
      const answer = await secretsManagerClientFor(regional, network).send(
        new GetSecretValueCommand({ SecretId: secret.arn, VersionStage: CURRENT_STAGE }),
      );
      value = answer.SecretString;
    } else {
      const answer = await ssmClientFor(regional, network).send(
        new GetParameterCommand({ Name: secret.arn, WithDecryption: true }),
      );
      value = answer.Parameter?.Value;
    }
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === "ResourceNotFoundException" || code === "ParameterNotFound") return { ...base, state: "missing" };
    if (/AccessDenied|KMS\.|KMSAccessDenied|UnrecognizedClient/i.test(code ?? "")) return { ...base, state: "denied" };
    throw describeAwsError(error, secret.arn, { store: target.store });
  }
  return { ...base, state: value === undefined ? "missing" : isPlaceholder(value) ? "placeholder" : "set" };
}

async function replicaStatuses(
  stack: string,
  fn: CliFunctionRecord,
  client: ReturnType<typeof secretsManagerClientFor>,
): Promise<ReplicaStatus[]> {
  const secretId = defaultSecretName(fn.functionName);
  let listed: { Region?: string; Status?: string; StatusMessage?: string }[];
  try {
    listed = (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).ReplicationStatus ?? [];
  } catch (error) {
    throw describeAwsError(error, secretId, { store: "secretsmanager" });
  }
  return (fn.replicaRegions ?? []).map((region) => {
    const replica = listed.find((r) => r.Region === region);
    return {
      stack,
      functionName: fn.functionName,
      secretId,
      region,
      state: replica?.Status ?? "Missing",
      ...(replica?.StatusMessage ? { message: replica.StatusMessage } : {}),
    };
  });
}

/** Whether every external secret is set and every replica in sync. */
export function reachReady(external: readonly ExternalStatus[], replicas: readonly ReplicaStatus[]): boolean {
  return external.every((e) => e.state === "set") && replicas.every((r) => r.state === "InSync");
}

const EXTERNAL_LABEL: Record<ExternalState, string> = {
  set: "set",
  placeholder: "placeholder (never set by its owner)",
  missing: "missing (not found by ARN)",
  denied: "not readable with these credentials",
};

/** One line per external secret and per replica, for the text report. */
export function formatReach(external: readonly ExternalStatus[], replicas: readonly ReplicaStatus[]): string[] {
  return [
    ...external.map(
      (e) =>
        `${printable(e.stack)}  ${printable(e.functionName)}  ${printable(e.secret)}  external: ${EXTERNAL_LABEL[e.state]}  ${printable(e.arn)}`,
    ),
    ...replicas.map(
      (r) =>
        `${printable(r.stack)}  ${printable(r.functionName)}  ${printable(r.secretId)} replica in ${printable(r.region)}: ${printable(r.state)}${r.message ? ` (${printable(r.message)})` : ""}`,
    ),
  ];
}
