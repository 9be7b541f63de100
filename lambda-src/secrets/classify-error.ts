import { AwsCallError } from "./aws-json";
import {
  SecretAccessDeniedError,
  SecretsError,
  SecretsFetchError,
  SecretsInvalidResponseError,
  SecretsThrottledError,
  SecretsUnreachableError,
  type DeniedBy,
  type SecretStore,
} from "./errors";

/**
 * The fields of an AWS error this module reads: an SDK service error (the CLI's) or the
 * loader's AwsCallError, which has the same shape. Its message is only inspected, never copied.
 */
interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly attempts?: unknown };
}

/**
 * Turns whatever a GetParameters (or, with store `secretsmanager`, GetSecretValue) call
 * threw into one of our typed errors; `parameterNames` are then `[secretId]`.
 *
 * Only the error's code is kept. The original error is dropped rather than attached as a
 * `cause`: it holds the service's message (an SDK error, the raw response too), and a
 * logger that serializes errors deeply would print it. Nothing in a GetParameters error
 * echoes a value today; this keeps it so.
 */
export function classifyFetchError(
  error: unknown,
  parameterNames: readonly string[],
  store: SecretStore = "ssm",
): SecretsError {
  if (error instanceof SecretsError) return error;
  const sdkError = asErrorLike(error);
  const name = errorCode(sdkError);
  // The loader's own call error says how it failed, where it went and the budget it had.
  const call = error instanceof AwsCallError ? error : undefined;
  const attempts = sdkError.$metadata?.attempts;
  if (call?.invalid) return new SecretsInvalidResponseError(parameterNames, call.invalid, store);
  if (name === "ThrottlingException" || call?.kind === "throttled") {
    return new SecretsThrottledError(
      parameterNames,
      typeof attempts === "number" ? attempts : undefined,
      store,
      call?.budgetMs,
    );
  }
  if (call?.kind === "network") {
    return new SecretsUnreachableError(
      parameterNames,
      { endpoint: call.endpoint, lastError: name, attempts: call.$metadata.attempts, budgetMs: call.budgetMs },
      store,
    );
  }
  const deniedBy = accessDeniedBy(sdkError);
  if (deniedBy) return new SecretAccessDeniedError(parameterNames, deniedBy, name, store);
  return new SecretsFetchError(parameterNames, name, store, call?.kind === "transient");
}

/**
 * Whether a failed refresh may fall back on the last good values: when AWS throttled, failed
 * (5xx) or could not be reached. Never for a refusal (IAM, KMS), a missing secret or a bad
 * request: those are answers, and serving an old value would hide them.
 */
export function mayServeStale(error: unknown): boolean {
  return (
    error instanceof SecretsThrottledError ||
    error instanceof SecretsUnreachableError ||
    (error instanceof SecretsFetchError && error.transient)
  );
}

/** The AWS (or network) error code of what an AWS call threw, e.g. `ResourceNotFoundException`. */
export function awsErrorCode(error: unknown): string {
  return errorCode(asErrorLike(error));
}

/**
 * Whether an SSM or Secrets Manager error is a refusal, and by whom: KMS (the key policy
 * or the key's state) or IAM (the caller's policy). Shared with the secrets CLI, so both
 * point the operator at the same policy. Undefined for any other error.
 */
export function accessDeniedBy(error: unknown): DeniedBy | undefined {
  const sdkError = asErrorLike(error);
  const name = errorCode(sdkError);
  if (isKmsError(name, sdkError)) return "kms";
  return name === "AccessDeniedException" ? "iam" : undefined;
}

// KMS failures reach SSM callers either as their own codes (KMSAccessDeniedException,
// KMSDisabledException, InvalidKeyId, ...) or as an AccessDeniedException whose message
// names kms:Decrypt / AWSKMS. Secrets Manager callers get DecryptionFailure or an
// AccessDeniedException saying "Access to KMS is not allowed" (SSM never sends
// DecryptionFailure, so SSM errors are classified as before). Telling them apart points
// the operator at the key policy instead of the role policy.
function isKmsError(name: string, error: ErrorLike): boolean {
  if (name.startsWith("KMS") || name === "InvalidKeyId" || name === "DecryptionFailure") return true;
  return (
    name === "AccessDeniedException" && typeof error.message === "string" && /\bkms:|AWSKMS|\bKMS\b/.test(error.message)
  );
}

function asErrorLike(error: unknown): ErrorLike {
  return (typeof error === "object" && error !== null ? error : {}) as ErrorLike;
}

function errorCode(error: ErrorLike): string {
  if (typeof error.name === "string" && error.name !== "Error" && error.name !== "TypeError") return error.name;
  if (typeof error.code === "string") return error.code;
  return typeof error.name === "string" ? error.name : "UnknownError";
}
