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
import type { SecretStore } from "../../common/naming";

export type { SecretStore };

/** The command that sets a secret, as the hints quote it. */
function setCommand(functionName: string, secret: string): string {
  return `npx --no secure-lambda set <stack> ${functionName} ${secret}`;
}

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

/**
 * The parameter a `<SECRET>_PARAM_NAME` variable points at, or the function's Secrets Manager secret, does not exist.
 */
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

/**
 * The parameter, or the secret's key in the Secrets Manager secret, still holds the placeholder Terraform created it
 * with: nobody set the real value.
 */
export class SecretNotSetError extends SecretsError {
  /** The secret, e.g. `github_token`. */
  readonly secretName: string;
  /** The SSM parameter that still holds the placeholder; for Secrets Manager, the secret id. */
  readonly parameterName: string;
  /** The Secrets Manager secret whose key `secretName` still holds the placeholder; undefined for SSM. */
  declare readonly secretId?: string;

  /** `store` says which store `parameterName` belongs to. @default "ssm" */
  constructor(secretName: string, parameterName: string, functionName: string, store: SecretStore = "ssm") {
    const where =
      store === "ssm" ? `parameter ${parameterName}` : `key ${secretName} of Secrets Manager secret ${parameterName}`;
    super(
      "SecretNotSetError",
      `secret ${secretName} was never set: ${where} still holds the placeholder it was created with. ` +
        `Set it with: ${setCommand(functionName, secretName)}`,
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
        `Set it with: ${setCommand(functionName, secretName)}`,
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
  /**
   * The key whose value is not a string (problem `not-a-string`); undefined when the whole SecretString is at fault.
   */
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
        `Rewrite it with: ${setCommand(functionName, "<secret>")}`,
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
    const ssm = store === "ssm";
    const what = `${ssm ? "parameters" : "Secrets Manager secret"} ${names} (${awsErrorName})`;
    // Named by ARN: possibly another account's, where the other side of the grant lives too.
    const byArn = parameterNames.some((name) => name.startsWith("arn:"));
    const elsewhere = !byArn
      ? ""
      : deniedBy === "kms"
        ? "; for a key of another account, both its key policy there and the role must allow it"
        : ssm
          ? "; for a parameter another account shares, its RAM share must include this account too"
          : "; for a secret of another account, its resource policy there must allow the role too";
    super(
      "SecretAccessDeniedError",
      (deniedBy === "kms"
        ? `KMS refused to decrypt ${what}: the key policy or the role must allow kms:Decrypt through ${ssm ? "SSM" : "Secrets Manager"}`
        : `access denied reading ${what}: the execution role must allow ${ssm ? "ssm:GetParameters on them" : "secretsmanager:GetSecretValue on it"}`) +
        elsewhere,
    );
    this.parameterNames = parameterNames;
    this.deniedBy = deniedBy;
    this.awsErrorName = awsErrorName;
    if (store === "secretsmanager") this.secretId = names;
  }
}

/** SSM or Secrets Manager kept throttling the request until the loader's time budget (or AWS_MAX_ATTEMPTS) ran out. */
export class SecretsThrottledError extends SecretsError {
  /** The parameters of the throttled request; for Secrets Manager, `[secretId]`. */
  readonly parameterNames: readonly string[];
  /** How many attempts were made, when known. */
  readonly attempts: number | undefined;
  /** The Secrets Manager secret of the throttled request; undefined for SSM. */
  declare readonly secretId?: string;

  /** `store` says which store `parameterNames` belong to; `budgetMs` is the time the retries had. @default "ssm" */
  constructor(
    parameterNames: readonly string[],
    attempts: number | undefined,
    store: SecretStore = "ssm",
    budgetMs?: number,
  ) {
    const what =
      store === "ssm" ? `SSM throttled the request for parameters` : `Secrets Manager throttled the request for secret`;
    const tried = `${attempts === undefined ? "" : ` ${attempts} times`}${budgetMs === undefined ? "" : ` within ${budgetMs} ms`}`;
    super(
      "SecretsThrottledError",
      `${what} ${parameterNames.join(", ")}${tried} (ThrottlingException): raise timeoutMs` +
        (store === "ssm"
          ? `; SSM serves 40 calls per second per account and region by default: turn on its higher throughput, or use store "secretsmanager"`
          : ""),
    );
    this.parameterNames = parameterNames;
    this.attempts = attempts;
    if (store === "secretsmanager") this.secretId = parameterNames.join(", ");
  }
}

/** What {@link SecretsUnreachableError} says about the attempts. */
export interface Unreachable {
  /** Where the requests went: the endpoint's origin, e.g. `https://ssm.eu-west-1.amazonaws.com`. */
  readonly endpoint: string;
  /**
   * The network code of the last attempt: `ETIMEDOUT` (no answer in time), `ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`,
   * ...
   */
  readonly lastError: string;
  readonly attempts: number;
  /** The time the attempts had, in ms. */
  readonly budgetMs: number;
}

/**
 * No answer came from SSM or Secrets Manager within the loader's time budget: the network, not a policy, is at fault.
 */
export class SecretsUnreachableError extends SecretsError {
  /** The parameters of the request; for Secrets Manager, `[secretId]`. */
  readonly parameterNames: readonly string[];
  /** The endpoint's origin. */
  readonly endpoint: string;
  /** The network code of the last attempt, e.g. `ETIMEDOUT`, `ECONNREFUSED`. */
  readonly lastError: string;
  readonly attempts: number;
  readonly budgetMs: number;
  /** The Secrets Manager secret of the request; undefined for SSM. */
  declare readonly secretId?: string;

  /** `store` says which store `parameterNames` belong to. @default "ssm" */
  constructor(parameterNames: readonly string[], unreachable: Unreachable, store: SecretStore = "ssm") {
    const service = store === "ssm" ? "SSM" : "Secrets Manager";
    const what = store === "ssm" ? "parameters" : "secret";
    super(
      "SecretsUnreachableError",
      `could not reach ${service} at ${unreachable.endpoint} for ${what} ${parameterNames.join(", ")} within ${unreachable.budgetMs} ms ` +
        `(${unreachable.attempts} attempts, last ${unreachable.lastError}): in a VPC, its subnets need a way to ${service} ` +
        "(SecretsEndpoints or a NAT gateway) and its security group HTTPS out",
    );
    this.parameterNames = parameterNames;
    this.endpoint = unreachable.endpoint;
    this.lastError = unreachable.lastError;
    this.attempts = unreachable.attempts;
    this.budgetMs = unreachable.budgetMs;
    if (store === "secretsmanager") this.secretId = parameterNames.join(", ");
  }
}

/** Any other failure to fetch the parameters or the Secrets Manager secret, named by its AWS error code. */
export class SecretsFetchError extends SecretsError {
  /** The parameters of the failed request; for Secrets Manager, `[secretId]`. */
  readonly parameterNames: readonly string[];
  /** The AWS (or network) error code, e.g. `InternalServerError`, `InvalidResponse`. */
  readonly awsErrorName: string;
  /** Whether AWS itself failed (a 5xx answer until the budget ran out), rather than refusing the request. */
  readonly transient: boolean;
  /** The Secrets Manager secret of the failed request; undefined for SSM. */
  declare readonly secretId?: string;

  /** `store` says which store `parameterNames` belong to. @default "ssm", not transient */
  constructor(parameterNames: readonly string[], awsErrorName: string, store: SecretStore = "ssm", transient = false) {
    const what = store === "ssm" ? "parameters" : "Secrets Manager secret";
    super("SecretsFetchError", `could not fetch ${what} ${parameterNames.join(", ")}: ${awsErrorName}`);
    this.parameterNames = parameterNames;
    this.awsErrorName = awsErrorName;
    this.transient = transient;
    if (store === "secretsmanager") this.secretId = parameterNames.join(", ");
  }
}

/**
 * What is wrong with an answer the loader refused: larger than the store can ever send
 * (`too-large`, refused as soon as its size shows, before it is read whole), not UTF-8 text
 * (`not-utf8`), not JSON (`not-json`), a field missing or of the wrong type (`bad-shape`), or
 * about another parameter, secret or version than the one asked for (`not-asked`).
 */
export type InvalidResponseProblem = "too-large" | "not-utf8" | "not-json" | "bad-shape" | "not-asked";

const PROBLEMS: Record<InvalidResponseProblem, string> = {
  "too-large": "an answer larger than the store ever sends",
  "not-utf8": "an answer that is not UTF-8 text",
  "not-json": "an answer that is not JSON",
  "bad-shape": "an answer whose fields are missing or of the wrong type",
  "not-asked": "an answer about another parameter, secret or version than the one asked for",
};

/**
 * SSM or Secrets Manager (or what answers at its endpoint: a proxy, a stand-in) answered
 * with something that is not what the service sends. Nothing of the answer is used, quoted
 * or kept; the read fails at once (no retry: the same endpoint would answer the same).
 */
export class SecretsInvalidResponseError extends SecretsError {
  /** The parameters of the request; for Secrets Manager, `[secretId]`. */
  readonly parameterNames: readonly string[];
  /** What is wrong with the answer. */
  readonly problem: InvalidResponseProblem;
  /** The Secrets Manager secret of the request; undefined for SSM. */
  declare readonly secretId?: string;

  /** `store` says which store `parameterNames` belong to. @default "ssm" */
  constructor(parameterNames: readonly string[], problem: InvalidResponseProblem, store: SecretStore = "ssm") {
    const what =
      store === "ssm" ? "SSM answered the request for parameters" : "Secrets Manager answered the request for secret";
    super(
      "SecretsInvalidResponseError",
      `${what} ${parameterNames.join(", ")} with ${PROBLEMS[problem]}: refused, nothing of it used. ` +
        "Check what answers at the endpoint (AWS_ENDPOINT_URL*, a proxy)",
    );
    this.parameterNames = parameterNames;
    this.problem = problem;
    if (store === "secretsmanager") this.secretId = parameterNames.join(", ");
  }
}
