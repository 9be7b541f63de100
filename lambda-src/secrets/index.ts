/**
 * The runtime side of SecureLambda: reads a function's secrets from the store it was
 * deployed with, the SSM parameters its `<SECRET>_PARAM_NAME` variables name or the
 * Secrets Manager secret SECRETS_MANAGER_SECRET_ID names. Every handler built with
 * SecureLambda uses it.
 */
export { createSecretsLoader, DEFAULT_TTL_SECONDS, MAX_NAMES_PER_CALL, TTL_ENV_VAR, type Fetch, type SecretsLoader, type SecretsLoaderOptions } from "./loader";
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
  SecretsThrottledError,
  type DeniedBy,
  type SecretFormatProblem,
  type SecretStore,
} from "./errors";
