/**
 * The runtime side of SecureLambda: reads a function's secrets from the store it was
 * deployed with, the SSM parameters its `<SECRET>_PARAM_NAME` variables name or the
 * Secrets Manager secret SECRETS_MANAGER_SECRET_ID names. Every handler built with
 * SecureLambda uses it.
 */
export {
  createSecretsLoader,
  DEFAULT_MIN_REFRESH_INTERVAL_SECONDS,
  DEFAULT_STALE_IF_ERROR_SECONDS,
  DEFAULT_TTL_SECONDS,
  MAX_NAMES_PER_CALL,
  TTL_ENV_VAR,
  type HttpRequest,
  type HttpResponse,
  type InvocationContext,
  type Send,
  type SecretsLoader,
  type SecretsLoaderOptions,
} from "./loader";
export { DEFAULT_TIMEOUT_MS } from "./budget";
export { LOADER_TIMEOUT_ENV_VAR } from "../../common/loader-budget";
export {
  MissingParamNameVariableError,
  SecretAccessDeniedError,
  SecretFormatError,
  SecretKeyMissingError,
  SecretNotFoundError,
  SecretNotSetError,
  SecretsConfigError,
  SecretsError,
  SecretsFetchError,
  SecretsInvalidResponseError,
  SecretsThrottledError,
  SecretsUnreachableError,
  type DeniedBy,
  type InvalidResponseProblem,
  type SecretFormatProblem,
  type SecretStore,
  type Unreachable,
} from "./errors";
