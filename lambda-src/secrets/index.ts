/**
 * The runtime side of SecureLambda: reads a function's secrets from the SSM parameters
 * its `<SECRET>_PARAM_NAME` variables name. Every handler built with SecureLambda uses it.
 */
export { createSecretsLoader, DEFAULT_TTL_SECONDS, MAX_NAMES_PER_CALL, TTL_ENV_VAR, type SecretsLoader, type SecretsLoaderOptions } from "./loader";
export {
  MissingParamNameVariableError,
  SecretAccessDeniedError,
  SecretNotFoundError,
  SecretNotSetError,
  SecretsConfigError,
  SecretsError,
  SecretsFetchError,
  SecretsThrottledError,
  type DeniedBy,
} from "./errors";
