// The one module the runtime takes from constructs/: the naming rule, so the runtime
// reads exactly the variables the construct set.
import { SECRET_ID_ENV_VAR } from "../../constructs/naming";
import type { AwsCallContext, Fetch } from "./aws-json";
import { SecretsConfigError } from "./errors";
import { secretsManagerSource } from "./secretsmanager-source";
import type { Env, Lookup, SecretsSource } from "./source";
import { ssmSource } from "./ssm-source";

export { MAX_NAMES_PER_CALL } from "./ssm-source";
export type { Fetch } from "./aws-json";

/** Environment variable that sets the cache time-to-live, in seconds. */
export const TTL_ENV_VAR = "SECRETS_CACHE_TTL_SECONDS";
/** Cache time-to-live when neither the option nor the variable sets one: 5 minutes. */
export const DEFAULT_TTL_SECONDS = 300;

/** Options of {@link createSecretsLoader}. */
export interface SecretsLoaderOptions {
  /** How long fetched values are reused, in seconds; 0 fetches on every call. @default SECRETS_CACHE_TTL_SECONDS, else 300 */
  readonly ttlSeconds?: number;
  /**
   * The fetch the signed requests are sent with, e.g. a test's in-process stand-in for SSM
   * or Secrets Manager. A loader given one keeps its own cache. Region, credentials,
   * endpoint, AWS_MAX_ATTEMPTS and AWS_USE_FIPS_ENDPOINT come from process.env either way.
   * @default globalThis.fetch, and one cache per execution environment
   */
  readonly fetch?: Fetch;
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
 * Creates a loader for the given secrets: the names given to the construct's `secrets`.
 * Create it at module scope, so warm invocations share its cache.
 *
 * The store is the one the function was deployed with. When SECRETS_MANAGER_SECRET_ID is
 * set, the secrets are the keys of that one Secrets Manager secret's JSON, fetched with one
 * GetSecretValue. Otherwise each secret is the SSM parameter its `<SECRET>_PARAM_NAME`
 * variable names, fetched decrypted with GetParameters, at most 10 names per call and the
 * calls in parallel. Requests are signed with SigV4 (aws4fetch) and sent with fetch: no AWS
 * SDK in the function. Values are cached for the TTL: warm invocations inside the TTL
 * make no call; concurrent calls on a cold cache share one fetch. Throttling, 5xx answers
 * and network failures are retried with exponential backoff and full jitter, as the SDKs'
 * standard mode does (AWS_MAX_ATTEMPTS, default 3 attempts), before a
 * {@link SecretsThrottledError} or {@link SecretsFetchError}.
 *
 * @example
 * import { createSecretsLoader } from "secure-lambda/runtime";
 *
 * const secrets = createSecretsLoader(["github_token", "slack_webhook_url"]);
 *
 * export async function handler(): Promise<void> {
 *   // SecretNotSetError while the parameter still holds the placeholder.
 *   const token = await secrets.get("github_token");
 *   // ... call the GitHub API with the token; never log it.
 * }
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
      const valueFor = await fetchShared();
      return Object.freeze(Object.fromEntries(secrets.map((secret) => [secret, valueFor(secret)]))) as Record<S, string>;
    },
    clearCache() {
      source.clearCache();
    },
  };
}

// Both stores are imported statically: together they are a few KB of the bundle.
function createSource<S extends string>(secrets: readonly S[], options: SecretsLoaderOptions, ttlSeconds: number, env: Env): SecretsSource<S> {
  // globalThis.fetch is looked up per call, not captured here: what a test or an
  // instrumentation layer installs later is used.
  const context: AwsCallContext = { fetch: options.fetch ?? ((url, init) => globalThis.fetch(url, init)), awsEnv: process.env };
  const ownCache = options.fetch !== undefined;
  const secretId = env[SECRET_ID_ENV_VAR];
  if (secretId) return secretsManagerSource(secrets, secretId, context, ownCache, ttlSeconds, env);
  return ssmSource(secrets, context, ownCache, ttlSeconds, env);
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
