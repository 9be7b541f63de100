/**
 * The errors the secrets loader throws. Each names what is wrong (the variable, the
 * parameter or Secrets Manager secret, the AWS error code) and never carries a secret
 * value: not in the message, not in a property, not in a wrapped AWS error (whose
 * response body could echo input).
 *
 * Errors raised for a Secrets Manager secret keep the properties of their SSM form (the
 * secret id stands where a parameter name would) and add `secretId`. They add it only
 * then: an SSM error's own properties are unchanged, and callers may enumerate them.
 */

// The store union is the naming module's, the one the construct and the CLI use too.
import type { SecretStore } from "../../constructs/naming";

export type { SecretStore };

/** Base class of every error the secrets loader throws. */
export class SecretsError extends Error {
  // Names are literals, not `new.target.name`: a minified bundle renames classes, and
  // Lambda reports `errorType` from `name`.
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The loader was configured with a value it cannot use (e.g. a bad TTL). */
export class SecretsConfigError extends SecretsError {
  /** The setting at fault, e.g. `SECRETS_CACHE_TTL_SECONDS`. */
  readonly setting: string;

  constructor(setting: string, problem: string) {
    super("SecretsConfigError", `invalid ${setting}: ${problem}`);
    this.setting = setting;
  }
}

/** The `<SECRET>_PARAM_NAME` variable of a secret is not in the function's environment. */
export class MissingParamNameVariableError extends SecretsError {
  /** The secret, e.g. `github_token`. */
  readonly secretName: string;
  /** The missing variable, e.g. `GITHUB_TOKEN_PARAM_NAME`. */
  readonly variable: string;

  constructor(secretName: string, variable: string) {
    super(
      "MissingParamNameVariableError",
      `environment variable ${variable} is not set, so the parameter of secret ${secretName} is unknown: ` +
        `declare ${secretName} in the function's secrets (SecureLambda props) and deploy again`,
    );
    this.secretName = secretName;
    this.variable = variable;
  }
}

/** The parameter a `<SECRET>_PARAM_NAME` variable points at, or the function's Secrets Manager secret, does not exist. */
export class SecretNotFoundError extends SecretsError {
  /** The secret, e.g. `github_token`. */
  readonly secretName: string;
  /** The SSM parameter that does not exist; for Secrets Manager, the secret id. */
  readonly parameterName: string;
  /** The Secrets Manager secret that does not exist (ResourceNotFoundException); undefined for SSM. */
  declare readonly secretId?: string;

  /** `store` says which store `parameterName` belongs to. @default "ssm" */
  constructor(secretName: string, parameterName: string, store: SecretStore = "ssm") {
    const where = store === "ssm" ? `parameter ${parameterName}` : `Secrets Manager secret ${parameterName}`;
    super(
      "SecretNotFoundError",
      `${where} of secret ${secretName} does not exist: check that the stack that creates it was applied in this account and region`,
    );
    this.secretName = secretName;
    this.parameterName = parameterName;
    if (store === "secretsmanager") this.secretId = parameterName;
  }
}

/** The parameter, or the secret's key in the Secrets Manager secret, still holds the placeholder Terraform created it with: nobody set the real value. */
export class SecretNotSetError extends SecretsError {
  /** The secret, e.g. `github_token`. */
  readonly secretName: string;
  /** The SSM parameter that still holds the placeholder; for Secrets Manager, the secret id. */
  readonly parameterName: string;
  /** The Secrets Manager secret whose key `secretName` still holds the placeholder; undefined for SSM. */
  declare readonly secretId?: string;

  /** `store` says which store `parameterName` belongs to. @default "ssm" */
  constructor(secretName: string, parameterName: string, functionName: string, store: SecretStore = "ssm") {
    const where = store === "ssm" ? `parameter ${parameterName}` : `key ${secretName} of Secrets Manager secret ${parameterName}`;
    super(
      "SecretNotSetError",
      `secret ${secretName} was never set: ${where} still holds the placeholder it was created with. ` +
        `Set it with: npm run secrets -- set <env> ${functionName} ${secretName}`,
    );
    this.secretName = secretName;
    this.parameterName = parameterName;
    if (store === "secretsmanager") this.secretId = parameterName;
  }
}

/** The function's Secrets Manager secret has no key for one of the secrets the function declares. */
export class SecretKeyMissingError extends SecretsError {
  /** The secret, e.g. `github_token`: the key that is missing. */
  readonly secretName: string;
  /** The Secrets Manager secret without that key. */
  readonly secretId: string;

  constructor(secretName: string, secretId: string, functionName: string) {
    super(
      "SecretKeyMissingError",
      `Secrets Manager secret ${secretId} has no key ${secretName}, so secret ${secretName} is unknown. ` +
        `Set it with: npm run secrets -- set <env> ${functionName} ${secretName}`,
    );
    this.secretName = secretName;
    this.secretId = secretId;
  }
}

/** What is wrong with a Secrets Manager secret's content: it is never quoted, only described. */
export type SecretFormatProblem = "invalid-json" | "not-an-object" | "not-a-string";

/** The function's Secrets Manager secret does not hold a JSON object of strings. */
export class SecretFormatError extends SecretsError {
  /** The Secrets Manager secret at fault. */
  readonly secretId: string;
  /** Which rule the content breaks. */
  readonly problem: SecretFormatProblem;
  /** The key whose value is not a string (problem `not-a-string`); undefined when the whole SecretString is at fault. */
  readonly secretName: string | undefined;

  constructor(secretId: string, problem: SecretFormatProblem, functionName: string, secretName?: string) {
    const what =
      problem === "not-a-string"
        ? `the value of key ${secretName} of Secrets Manager secret ${secretId} is not a string`
        : `Secrets Manager secret ${secretId} ${problem === "invalid-json" ? "does not hold valid JSON" : "holds JSON that is not an object"}`;
    // The content is described, never quoted: a malformed secret is still a secret.
    super(
      "SecretFormatError",
      `${what}: its SecretString must be a JSON object with one string per secret name, e.g. {"github_token":"..."}. ` +
        `Rewrite it with: npm run secrets -- set <env> ${functionName} <secret>`,
    );
    this.secretId = secretId;
    this.problem = problem;
    this.secretName = secretName;
  }
}

/** Who refused: IAM (the role may not read the parameter or secret) or KMS (the key may not be used to decrypt it). */
export type DeniedBy = "iam" | "kms";

/** Reading or decrypting the parameters, or the Secrets Manager secret, was refused. */
export class SecretAccessDeniedError extends SecretsError {
  /** The parameters of the refused request (GetParameters is refused as a whole); for Secrets Manager, `[secretId]`. */
  readonly parameterNames: readonly string[];
  /** Whether IAM or KMS refused. */
  readonly deniedBy: DeniedBy;
  /** The AWS error code, e.g. `AccessDeniedException`, `KMSAccessDeniedException` or `DecryptionFailure`. */
  readonly awsErrorName: string;
  /** The Secrets Manager secret that could not be read; undefined for SSM. */
  declare readonly secretId?: string;

  /** `store` says which store `parameterNames` belong to. @default "ssm" */
  constructor(parameterNames: readonly string[], deniedBy: DeniedBy, awsErrorName: string, store: SecretStore = "ssm") {
    const names = parameterNames.join(", ");
    super(
      "SecretAccessDeniedError",
      store === "ssm"
        ? deniedBy === "kms"
          ? `KMS refused to decrypt parameters ${names} (${awsErrorName}): the key policy or the role must allow kms:Decrypt through SSM`
          : `access denied reading parameters ${names} (${awsErrorName}): the execution role must allow ssm:GetParameters on them`
        : deniedBy === "kms"
          ? `KMS refused to decrypt Secrets Manager secret ${names} (${awsErrorName}): the key policy or the role must allow kms:Decrypt through Secrets Manager`
          : `access denied reading Secrets Manager secret ${names} (${awsErrorName}): the execution role must allow secretsmanager:GetSecretValue on it`,
    );
    this.parameterNames = parameterNames;
    this.deniedBy = deniedBy;
    this.awsErrorName = awsErrorName;
    if (store === "secretsmanager") this.secretId = names;
  }
}

/** SSM or Secrets Manager kept throttling the request after the loader's bounded retries (AWS_MAX_ATTEMPTS). */
export class SecretsThrottledError extends SecretsError {
  /** The parameters of the throttled request; for Secrets Manager, `[secretId]`. */
  readonly parameterNames: readonly string[];
  /** How many attempts were made, when known. */
  readonly attempts: number | undefined;
  /** The Secrets Manager secret of the throttled request; undefined for SSM. */
  declare readonly secretId?: string;

  /** `store` says which store `parameterNames` belong to. @default "ssm" */
  constructor(parameterNames: readonly string[], attempts: number | undefined, store: SecretStore = "ssm") {
    const what = store === "ssm" ? `SSM throttled the request for parameters` : `Secrets Manager throttled the request for secret`;
    super(
      "SecretsThrottledError",
      `${what} ${parameterNames.join(", ")}` +
        `${attempts === undefined ? "" : ` ${attempts} times`} (ThrottlingException): retry later or raise AWS_MAX_ATTEMPTS`,
    );
    this.parameterNames = parameterNames;
    this.attempts = attempts;
    if (store === "secretsmanager") this.secretId = parameterNames.join(", ");
  }
}

/** Any other failure to fetch the parameters or the Secrets Manager secret, named by its AWS error code. */
export class SecretsFetchError extends SecretsError {
  /** The parameters of the failed request; for Secrets Manager, `[secretId]`. */
  readonly parameterNames: readonly string[];
  /** The AWS (or network) error code, e.g. `InternalServerError`, `ECONNREFUSED`. */
  readonly awsErrorName: string;
  /** The Secrets Manager secret of the failed request; undefined for SSM. */
  declare readonly secretId?: string;

  /** `store` says which store `parameterNames` belong to. @default "ssm" */
  constructor(parameterNames: readonly string[], awsErrorName: string, store: SecretStore = "ssm") {
    const what = store === "ssm" ? "parameters" : "Secrets Manager secret";
    super("SecretsFetchError", `could not fetch ${what} ${parameterNames.join(", ")}: ${awsErrorName}`);
    this.parameterNames = parameterNames;
    this.awsErrorName = awsErrorName;
    if (store === "secretsmanager") this.secretId = parameterNames.join(", ");
  }
}
