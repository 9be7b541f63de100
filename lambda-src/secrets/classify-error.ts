import { SecretAccessDeniedError, SecretsError, SecretsFetchError, SecretsThrottledError, type DeniedBy, type SecretStore } from "./errors";

/** The fields of an SDK (or network) error this module reads; its message is only inspected, never copied. */
interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly $metadata?: { readonly attempts?: unknown };
}

/**
 * Turns whatever a GetParameters (or, with store `secretsmanager`, GetSecretValue) call
 * threw into one of our typed errors; `parameterNames` are then `[secretId]`.
 *
 * Only the error's code is kept. The SDK error itself is dropped rather than attached as
 * a `cause`: it holds the raw response, and a logger that serializes errors deeply would
 * print it. Nothing in a GetParameters error echoes a value today; this keeps it so.
 */
export function classifyFetchError(error: unknown, parameterNames: readonly string[], store: SecretStore = "ssm"): SecretsError {
  if (error instanceof SecretsError) return error;
  const sdkError = unwrapPowertools(error);
  const name = errorCode(sdkError);
  if (name === "ThrottlingException") {
    const attempts = sdkError.$metadata?.attempts;
    return new SecretsThrottledError(parameterNames, typeof attempts === "number" ? attempts : undefined, store);
  }
  const deniedBy = accessDeniedBy(sdkError);
  if (deniedBy) return new SecretAccessDeniedError(parameterNames, deniedBy, name, store);
  return new SecretsFetchError(parameterNames, name, store);
}

/** The AWS (or network) error code of what an SDK call or a Powertools provider threw, e.g. `ResourceNotFoundException`. */
export function awsErrorCode(error: unknown): string {
  return errorCode(unwrapPowertools(error));
}

/**
 * Whether an SSM or Secrets Manager error is a refusal, and by whom: KMS (the key policy
 * or the key's state) or IAM (the caller's policy). Shared with the secrets CLI, so both
 * point the operator at the same policy. Undefined for any other error.
 */
export function accessDeniedBy(error: unknown): DeniedBy | undefined {
  const sdkError = unwrapPowertools(error);
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
  return name === "AccessDeniedException" && typeof error.message === "string" && /\bkms:|AWSKMS|\bKMS\b/.test(error.message);
}

// Powertools wraps some failures in GetParameterError with the SDK error as `cause`.
function unwrapPowertools(error: unknown): ErrorLike {
  const outer = (typeof error === "object" && error !== null ? error : {}) as ErrorLike;
  if (outer.name === "GetParameterError" && typeof outer.cause === "object" && outer.cause !== null) return outer.cause as ErrorLike;
  return outer;
}

function errorCode(error: ErrorLike): string {
  if (typeof error.name === "string" && error.name !== "Error" && error.name !== "TypeError") return error.name;
  if (typeof error.code === "string") return error.code;
  return typeof error.name === "string" ? error.name : "UnknownError";
}
