import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SSMClient } from "@aws-sdk/client-ssm";
// The one module the runtime takes from constructs/: the naming rule, so the runtime
// reads exactly the variables the construct set.
import { SECRET_ID_ENV_VAR } from "../../constructs/naming";
import { SecretsConfigError } from "./errors";
import { secretsManagerSource } from "./secretsmanager-source";
import type { Env, Lookup, SecretsSource } from "./source";
import { ssmSource } from "./ssm-source";

export { MAX_NAMES_PER_CALL } from "./ssm-source";

/** Environment variable that sets the cache time-to-live, in seconds. */
export const TTL_ENV_VAR = "SECRETS_CACHE_TTL_SECONDS";
/** Cache time-to-live when neither the option nor the variable sets one: 5 minutes. */
export const DEFAULT_TTL_SECONDS = 300;

/** Options of {@link createSecretsLoader}. */
export interface SecretsLoaderOptions {
  /** How long fetched values are reused, in seconds; 0 fetches on every call. @default SECRETS_CACHE_TTL_SECONDS, else 300 */
  readonly ttlSeconds?: number;
  /** The SSM client to fetch with, when the function's secrets are SSM parameters (SECRETS_MANAGER_SECRET_ID not set). @default one client per execution environment (region, credentials, AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL and AWS_MAX_ATTEMPTS from the environment) */
  readonly client?: SSMClient;
  /** The Secrets Manager client to fetch with, when SECRETS_MANAGER_SECRET_ID names the function's secret. @default one client per execution environment (region, credentials, AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL and AWS_MAX_ATTEMPTS from the environment) */
  readonly secretsManagerClient?: SecretsManagerClient;
  /** Where SECRETS_MANAGER_SECRET_ID, `<SECRET>_PARAM_NAME`, the TTL variable and AWS_LAMBDA_FUNCTION_NAME are read. @default process.env */
  readonly env?: Env;
}

/** Reads a fixed set of secrets; values are cached in memory for the TTL. */
export interface SecretsLoader<S extends string> {
  /** The value of one secret. A cold cache fetches all of the loader's secrets in one round. */
  get(secret: S): Promise<string>;
  /** Every secret's value, by secret name. */
  getAll(): Promise<Readonly<Record<S, string>>>;
  /** Forgets the cached values: the next call fetches again. */
  clearCache(): void;
}

/**
 * Creates a loader for the given secrets, e.g.
 * `const secrets = createSecretsLoader(["github_token", "slack_webhook_url"])` at module
 * scope, then `await secrets.get("github_token")` in the handler.
 *
 * The store is the one the function was deployed with. When SECRETS_MANAGER_SECRET_ID is
 * set, the secrets are the keys of that one Secrets Manager secret's JSON, fetched with one
 * GetSecretValue through Powertools' SecretsProvider. Otherwise each secret is the SSM
 * parameter its `<SECRET>_PARAM_NAME` variable names, fetched decrypted with
 * GetParameters, at most 10 names per call and the calls in parallel, through Powertools'
 * SSMProvider. Either provider caches the values for the TTL: warm invocations inside the
 * TTL make no call; concurrent calls on a cold cache share one fetch. Throttling is
 * retried by the SDK with capped exponential backoff (AWS_MAX_ATTEMPTS, default 3
 * attempts) before a {@link SecretsThrottledError}.
 */
export function createSecretsLoader<const S extends string>(secrets: readonly S[], options: SecretsLoaderOptions = {}): SecretsLoader<S> {
  const env = options.env ?? process.env;
  const ttlSeconds = resolveTtlSeconds(options.ttlSeconds, env);
  const source = createSource(secrets, options, ttlSeconds, env);
  let inFlight: Promise<Lookup<S>> | undefined;

  function fetchShared(): Promise<Lookup<S>> {
    inFlight ??= source.fetch().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    async get(secret) {
      return (await fetchShared())(secret);
    },
    async getAll() {
      const valueOf = await fetchShared();
      return Object.freeze(Object.fromEntries(secrets.map((secret) => [secret, valueOf(secret)]))) as Record<S, string>;
    },
    clearCache() {
      source.clearCache();
    },
  };
}

// Both stores are imported statically. Requiring a store's module only when it is used
// looks cheaper but is not: esbuild wraps a require()d ES module (and its dependency
// graph, shared with the other store's SDK client) in lazy closures it cannot tree-shake.
// Measured on the notifier bundle: static imports cost an SSM-only function +16 KB and
// ~1 ms of cold require; lazy requires of both stores cost +124 KB and ~18 ms.
function createSource<S extends string>(secrets: readonly S[], options: SecretsLoaderOptions, ttlSeconds: number, env: Env): SecretsSource<S> {
  const secretId = env[SECRET_ID_ENV_VAR];
  if (secretId) return secretsManagerSource(secrets, secretId, options.secretsManagerClient, ttlSeconds, env);
  return ssmSource(secrets, options.client, ttlSeconds, env);
}

function resolveTtlSeconds(option: number | undefined, env: Env): number {
  const raw = env[TTL_ENV_VAR];
  const ttl = option ?? (raw === undefined || raw === "" ? DEFAULT_TTL_SECONDS : Number(raw));
  if (!Number.isFinite(ttl) || ttl < 0) {
    const given = option === undefined ? `${TTL_ENV_VAR}=${JSON.stringify(raw)}` : `ttlSeconds=${option}`;
    throw new SecretsConfigError(option === undefined ? TTL_ENV_VAR : "ttlSeconds", `${given} is not a number of seconds >= 0`);
  }
  return ttl;
}
