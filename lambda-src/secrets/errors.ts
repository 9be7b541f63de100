/**
 * The errors the secrets loader throws. Each names what is wrong (the variable, the
 * parameter, the AWS error code) and never carries a secret value: not in the message,
 * not in a property, not in a wrapped SDK error (whose response body could echo input).
 */

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

/** The parameter a `<SECRET>_PARAM_NAME` variable points at does not exist. */
export class SecretNotFoundError extends SecretsError {
  /** The secret, e.g. `github_token`. */
  readonly secretName: string;
  /** The SSM parameter that does not exist. */
  readonly parameterName: string;

  constructor(secretName: string, parameterName: string) {
    super(
      "SecretNotFoundError",
      `parameter ${parameterName} of secret ${secretName} does not exist: ` +
        `check that the stack that creates it was applied in this account and region`,
    );
    this.secretName = secretName;
    this.parameterName = parameterName;
  }
}

/** The parameter still holds the placeholder Terraform created it with: nobody set the real value. */
export class SecretNotSetError extends SecretsError {
  /** The secret, e.g. `github_token`. */
  readonly secretName: string;
  /** The SSM parameter that still holds the placeholder. */
  readonly parameterName: string;

  constructor(secretName: string, parameterName: string, functionName: string) {
    super(
      "SecretNotSetError",
      `secret ${secretName} was never set: parameter ${parameterName} still holds the placeholder it was created with. ` +
        `Set it with: npm run secrets -- set <env> ${functionName} ${secretName}`,
    );
    this.secretName = secretName;
    this.parameterName = parameterName;
  }
}

/** Who refused: IAM (the role may not read the parameter) or KMS (the key may not be used to decrypt it). */
export type DeniedBy = "iam" | "kms";

/** Reading or decrypting the parameters was refused. */
export class SecretAccessDeniedError extends SecretsError {
  /** The parameters of the refused request (GetParameters is refused as a whole). */
  readonly parameterNames: readonly string[];
  /** Whether IAM or KMS refused. */
  readonly deniedBy: DeniedBy;
  /** The AWS error code, e.g. `AccessDeniedException` or `KMSAccessDeniedException`. */
  readonly awsErrorName: string;

  constructor(parameterNames: readonly string[], deniedBy: DeniedBy, awsErrorName: string) {
    const names = parameterNames.join(", ");
    super(
      "SecretAccessDeniedError",
      deniedBy === "kms"
        ? `KMS refused to decrypt parameters ${names} (${awsErrorName}): the key policy or the role must allow kms:Decrypt through SSM`
        : `access denied reading parameters ${names} (${awsErrorName}): the execution role must allow ssm:GetParameters on them`,
    );
    this.parameterNames = parameterNames;
    this.deniedBy = deniedBy;
    this.awsErrorName = awsErrorName;
  }
}

/** SSM kept throttling the request after the SDK's bounded retries. */
export class SecretsThrottledError extends SecretsError {
  /** The parameters of the throttled request. */
  readonly parameterNames: readonly string[];
  /** How many attempts were made, when the SDK says. */
  readonly attempts: number | undefined;

  constructor(parameterNames: readonly string[], attempts: number | undefined) {
    super(
      "SecretsThrottledError",
      `SSM throttled the request for parameters ${parameterNames.join(", ")}` +
        `${attempts === undefined ? "" : ` ${attempts} times`} (ThrottlingException): retry later or raise AWS_MAX_ATTEMPTS`,
    );
    this.parameterNames = parameterNames;
    this.attempts = attempts;
  }
}

/** Any other failure to fetch the parameters, named by its AWS error code. */
export class SecretsFetchError extends SecretsError {
  /** The parameters of the failed request. */
  readonly parameterNames: readonly string[];
  /** The AWS (or network) error code, e.g. `InternalServerError`, `ECONNREFUSED`. */
  readonly awsErrorName: string;

  constructor(parameterNames: readonly string[], awsErrorName: string) {
    super("SecretsFetchError", `could not fetch parameters ${parameterNames.join(", ")}: ${awsErrorName}`);
    this.parameterNames = parameterNames;
    this.awsErrorName = awsErrorName;
  }
}
