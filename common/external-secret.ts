/**
 * Secrets a function reads but does not own (another account's, another app's): how the
 * construct names them in the environment and how the construct, the runtime loader, the CLI
 * and the audit read their ARNs. Like naming.ts, free of cdktf and AWS SDK imports: the
 * loader bundles it.
 *
 * secret name (`partner_token`) -> environment variable (`PARTNER_TOKEN_SECRET_ARN`) -> the ARN
 */

/** Suffix of the environment variable that carries an external secret's ARN. */
export const SECRET_ARN_SUFFIX = "_SECRET_ARN";

/** `partner_token` -> `PARTNER_TOKEN_SECRET_ARN`; `-` and `.` fold to `_`, as for `<SECRET>_PARAM_NAME`. */
export function secretArnEnvVar(secretName: string): string {
  return `${secretName.replace(/[-.]/g, "_").toUpperCase()}${SECRET_ARN_SUFFIX}`;
}

/** The store an external secret lives in, as its ARN says. */
export type ExternalStore = "secretsmanager" | "ssm";

/** The parts of an external secret's ARN. */
export interface ExternalArn {
  readonly arn: string;
  readonly store: ExternalStore;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The secret's name (Secrets Manager: with its 6-character suffix) or the parameter's name (with its `/`). */
  readonly name: string;
}

// A full secret ARN: Secrets Manager appends `-` and 6 random characters to the name. A
// partial ARN (without them) is no resource a policy or the encryption context names.
const SECRET_ARN =
  /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:([A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6})$/;
// A parameter ARN names `parameter/<name without its leading slash>`.
const PARAMETER_ARN = /^arn:(aws[a-z-]*):ssm:([a-z0-9-]+):(\d{12}):parameter\/([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*)$/;
/** A KMS key ARN (not an alias: policies and the encryption context name the key itself). */
export const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/(mrk-)?[0-9a-f-]{32,36}$/;
/** An AWS region name: `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`. */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The parts of a Secrets Manager secret ARN or an SSM parameter ARN, or undefined for anything else. */
export function parseExternalArn(arn: string): ExternalArn | undefined {
  const secret = SECRET_ARN.exec(arn);
  if (secret) {
    const [, partition, region, accountId, name] = secret as unknown as [string, string, string, string, string];
    return { arn, store: "secretsmanager", partition, region, accountId, name };
  }
  const parameter = PARAMETER_ARN.exec(arn);
  if (parameter) {
    const [, partition, region, accountId, name] = parameter as unknown as [string, string, string, string, string];
    return { arn, store: "ssm", partition, region, accountId, name: `/${name}` };
  }
  return undefined;
}

/** The region of a key ARN, or undefined when it is not one. */
export function keyRegionOf(keyArn: string): string | undefined {
  return KEY_ARN.exec(keyArn)?.[2];
}

/** The same secret's ARN in another region: a replica keeps the name and suffix, only the region changes. */
export function replicaArnOf(arn: string, region: string): string {
  const parts = arn.split(":");
  parts[3] = region;
  return parts.join(":");
}
