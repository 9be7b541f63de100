/**
 * Secrets a function reads but does not own: another account's or another app's Secrets
 * Manager secret or SSM SecureString parameter, given by ARN with the ARN of its key. The role
 * is granted exactly those (the owner's resource and key policies are the owner's to write);
 * the environment carries the ARN (`<SECRET>_SECRET_ARN`), which the runtime loader reads.
 */
import { CURRENT_STAGE } from "../common/naming";
import { keyRegionOf, parseExternalArn, secretArnEnvVar, type ExternalArn } from "../common/external-secret";
import { show } from "../common/show";
import { isPlainObject, type Fail } from "../common/values";
import type { PolicyStatement } from "./policy";
import { Token } from "./tf";

/** A secret the function reads that another account or app owns. */
export interface ExternalSecret {
  /**
   * The name the function reads it by: `createSecretsLoader(["<name>"])`; the environment
   * variable `<NAME>_SECRET_ARN` carries the ARN.
   */
  readonly name: string;
  /**
   * ARN of the Secrets Manager secret (the full ARN, with the 6 characters Secrets Manager
   * appends to the name) or of the SSM SecureString parameter.
   *
   * To read a replica of a secret, give the replica's ARN (the primary's with the region replaced).
   */
  readonly arn: string;
  /** ARN of the KMS key that encrypts it (a key ARN, in the secret's region; not an alias). */
  readonly keyArn: string;
}

/** An external secret, checked, with the parts of its ARN. */
export interface CheckedExternalSecret {
  readonly name: string;
  readonly keyArn: string;
  readonly target: ExternalArn;
}

const SECRET_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Throws unless `externalSecrets` is a list of `{ name, arn, keyArn }`: a name not among
 * `secrets` nor given twice, a full Secrets Manager secret ARN or an SSM parameter ARN, and a
 * key ARN in the same region. The ARNs must be known at synth: the grants and the `kms:ViaService`
 * condition are derived from their region.
 */
export function checkExternalSecrets(
  fail: Fail,
  external: unknown,
  secrets: readonly string[],
): readonly CheckedExternalSecret[] {
  if (external === undefined) return [];
  if (!Array.isArray(external))
    fail("externalSecrets", `${show(external)}: allowed is a list of { name, arn, keyArn }`);
  const seen = new Set<string>();
  return external.map((entry: unknown, i): CheckedExternalSecret => {
    const at = `externalSecrets[${i}]`;
    if (!isPlainObject(entry)) fail(at, `${show(entry)}: allowed is { name, arn, keyArn }`);
    const { name, arn, keyArn } = entry as Partial<Record<keyof ExternalSecret, unknown>>;
    if (typeof name !== "string" || Token.isUnresolved(name) || !SECRET_NAME.test(name))
      fail(`${at}.name`, `${show(name)}: allowed are letters, digits, "_", "-" and "."`);
    if (secrets.includes(name)) fail(`${at}.name`, `${show(name)} is also in secrets: a name reads one secret`);
    if (seen.has(secretArnEnvVar(name)))
      fail(`${at}.name`, `${show(name)}: given twice (or folds to the same ${secretArnEnvVar(name)})`);
    seen.add(secretArnEnvVar(name));
    const target = typeof arn === "string" && !Token.isUnresolved(arn) ? parseExternalArn(arn) : undefined;
    if (!target)
      fail(
        `${at}.arn`,
        `${show(arn)}: allowed is a Secrets Manager secret ARN, arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters> (the full ARN), or an SSM parameter ARN, arn:<partition>:ssm:<region>:<account>:parameter/<name>, known at synth`,
      );
    const keyRegion = typeof keyArn === "string" && !Token.isUnresolved(keyArn) ? keyRegionOf(keyArn) : undefined;
    if (keyRegion === undefined)
      fail(
        `${at}.keyArn`,
        `${show(keyArn)}: allowed is a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (not an alias), known at synth`,
      );
    if (keyRegion !== target.region)
      fail(
        `${at}.keyArn`,
        `${show(keyArn)}: a key of region ${keyRegion}, but the ${target.store === "ssm" ? "parameter" : "secret"} is in ${target.region}: KMS keys are regional, so its key is in ${target.region} (for a replica, give the replica's ARN and the replica's key)`,
      );
    return { name, keyArn: keyArn as string, target };
  });
}

/** The variables that name the external secrets: `<NAME>_SECRET_ARN` each. */
export function externalSecretVariables(external: readonly CheckedExternalSecret[]): Record<string, string> {
  return Object.fromEntries(external.map((secret) => [secretArnEnvVar(secret.name), secret.target.arn]));
}

/**
 * The role's statements for the external secrets: per store, the read of exactly these ARNs
 * (Secrets Manager: AWSCURRENT only) and `kms:Decrypt` of exactly their keys, only through
 * the store of each secret's region and only for these secrets (the encryption context).
 */
export function externalSecretStatements(
  external: readonly CheckedExternalSecret[],
  dnsSuffix: string,
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const managed = external.filter((secret) => secret.target.store === "secretsmanager");
  const parameters = external.filter((secret) => secret.target.store === "ssm");
  if (managed.length > 0) {
    statements.push({
      Sid: "ReadExternalSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: managed.map((secret) => secret.target.arn),
      // As for the own secret: only the current values, never a version replaced because it leaked.
      Condition: { StringEquals: { "secretsmanager:VersionStage": CURRENT_STAGE } },
    });
  }
  if (parameters.length > 0) {
    statements.push({
      Sid: "ReadExternalParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters"],
      Resource: parameters.map((secret) => secret.target.arn),
    });
  }
  // One statement per key and store: kms:ViaService names the store's endpoint in the
  // secret's own region (a cross-region read decrypts there), and the encryption context
  // holds exactly the secrets that key encrypts for this function.
  const byKey = new Map<string, CheckedExternalSecret[]>();
  for (const secret of external) {
    const id = `${secret.target.store} ${secret.keyArn}`;
    byKey.set(id, [...(byKey.get(id) ?? []), secret]);
  }
  let n = 0;
  for (const group of byKey.values()) {
    const { store, region } = group[0]!.target;
    const contextKey = store === "ssm" ? "kms:EncryptionContext:PARAMETER_ARN" : "kms:EncryptionContext:SecretARN";
    statements.push({
      Sid: `DecryptExternal${store === "ssm" ? "Parameters" : "Secrets"}${++n}`,
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [group[0]!.keyArn],
      Condition: {
        StringEquals: {
          "kms:ViaService": `${store}.${region}.${dnsSuffix}`,
          [contextKey]: group.map((secret) => secret.target.arn),
        },
      },
    });
  }
  return statements;
}

/**
 * Throws when a variable of `environment` is one the construct sets for an external secret, or
 * one the loader would take for an external secret's ARN (`<SECRET>_SECRET_ARN` of a name in
 * `secrets`), or when an external secret's variable is no valid Lambda variable name.
 */
export function checkExternalVariables(
  fail: Fail,
  environment: Readonly<Record<string, string>>,
  external: readonly CheckedExternalSecret[],
  secrets: readonly string[],
): void {
  for (const [i, secret] of external.entries()) {
    const variable = secretArnEnvVar(secret.name);
    if (!/^[a-zA-Z][a-zA-Z0-9_]+$/.test(variable) || /^(AWS_|LAMBDA_|_)/.test(variable))
      fail(
        `externalSecrets[${i}].name`,
        `${show(secret.name)} maps to ${variable}, which is not a valid Lambda variable name; start the name with a letter and avoid AWS_/LAMBDA_ prefixes`,
      );
  }
  const taken = new Map<string, string>([
    ...external.map((secret): [string, string] => [
      secretArnEnvVar(secret.name),
      `external secret ${show(secret.name)}`,
    ]),
    ...secrets.map((secret): [string, string] => [secretArnEnvVar(secret), `secret ${show(secret)}`]),
  ]);
  for (const name of Object.keys(environment)) {
    const owner = taken.get(name);
    if (owner !== undefined)
      fail(
        "environment",
        `variable ${show(name)}: the runtime loader reads it as the ARN of ${owner}; the construct sets the ARNs of externalSecrets`,
      );
  }
}
