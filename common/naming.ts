/**
 * The naming rule shared by the construct, the runtime loader and the secrets CLI.
 *
 * secret name (`github_token`) -> parameter name (`<prefix>/github_token`)
 *                              -> environment variable (`GITHUB_TOKEN_PARAM_NAME`)
 *
 * This module must stay free of cdktf and AWS SDK imports: it is bundled into
 * every Lambda function, so the runtime can never drift from the construct.
 */

/**
 * The value every SecureString parameter is created with. Terraform writes it once
 * and then ignores the value; the real secret is set out of band. The runtime
 * refuses to hand it out, so a secret that was never set fails loudly.
 */
export const PLACEHOLDER_VALUE = "SECURE_LAMBDA_PLACEHOLDER_SET_THE_REAL_VALUE_OUT_OF_BAND";

/**
 * Whether a value is the placeholder in any disguise of white space or invisible characters:
 * a trailing newline (`echo` of a copied line), a leading space, a tab, a no-break or a
 * zero-width space, a byte-order mark, anywhere in it. The CLI refuses to write such a value
 * and counts it as unset; the loader never serves it. A real secret that differs from the
 * placeholder only in white space is no secret anyone chose.
 */
export function isPlaceholder(value: string): boolean {
  return value.replace(/[\s\p{Cf}\p{Cc}]/gu, "") === PLACEHOLDER_VALUE;
}

/**
 * The `value_wo_version` (SSM) and `secret_string_wo_version` (Secrets Manager) the
 * placeholder is written with. It never changes: the provider writes the write-only value
 * again whenever this version changes, which would put the placeholder back over the real value.
 */
export const PLACEHOLDER_WRITE_VERSION = 1;

/**
 * The staging label of the Secrets Manager version Terraform creates with the placeholder.
 * A version that keeps a label is never deprecated, so Secrets Manager never deletes it and
 * Terraform never has to create it again (a new version created by Terraform would take
 * AWSCURRENT from the real values).
 */
export const PLACEHOLDER_STAGE = "SECURE-LAMBDA-PLACEHOLDER";

/** The staging label of the version functions read: the only one their role may read. */
export const CURRENT_STAGE = "AWSCURRENT";

/** Suffix of the environment variable that carries a secret's parameter name. */
export const PARAM_NAME_SUFFIX = "_PARAM_NAME";

/** `github_token` -> `GITHUB_TOKEN_PARAM_NAME`; `-` and `.` fold to `_`. */
export function paramNameEnvVar(secretName: string): string {
  return `${secretName.replace(/[-.]/g, "_").toUpperCase()}${PARAM_NAME_SUFFIX}`;
}

/**
 * The SSM parameter name of a secret under a prefix: `<prefix>/<secret>`. (A SecureLambda's
 * own `parameterName(secret)` applies its prefix.)
 */
export function parameterNameFor(prefix: string, secretName: string): string {
  return `${prefix}/${secretName}`;
}

/** @deprecated use {@link parameterNameFor}: the name is SecureLambda's method, which takes the secret alone */
export const parameterName = parameterNameFor;

/** The parameter prefix used when none is given: `/<functionName>`. */
export function defaultParameterPrefix(functionName: string): string {
  return `/${functionName}`;
}

/** The KMS alias of a key created for a function: `alias/<functionName>`. */
export function keyAliasName(name: string): string {
  return `alias/${name}`;
}

/** The log group Lambda writes to: `/aws/lambda/<functionName>`. */
export function logGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** Where a function's secrets live: SSM SecureString parameters, or one Secrets Manager secret. */
export const SECRET_STORES = ["ssm", "secretsmanager"] as const;
export type SecretStore = (typeof SECRET_STORES)[number];

/**
 * The variable that carries a function's Secrets Manager secret id (store
 * `"secretsmanager"`): one secret per function, a JSON object with one key per secret
 * name. Its presence is how the runtime loader knows which store the function uses.
 */
export const SECRET_ID_ENV_VAR = "SECRETS_MANAGER_SECRET_ID";

/** The Secrets Manager secret of a function when none is named: `<functionName>/secrets`. */
export function defaultSecretName(functionName: string): string {
  return `${functionName}/secrets`;
}

/** The initial JSON of a Secrets Manager secret: the placeholder under every secret name. */
export function placeholderSecretJson(secrets: readonly string[]): string {
  return JSON.stringify(Object.fromEntries(secrets.map((secret) => [secret, PLACEHOLDER_VALUE])));
}

/** A region as a part of a statement id (letters and digits only): `eu-central-1` as `EuCentral1`. */
export function regionStatementIdPart(region: string): string {
  return region
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}
