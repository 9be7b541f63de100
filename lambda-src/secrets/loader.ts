// The modules the runtime takes from constructs/: the naming rule, so the runtime reads
// exactly the variables the construct set.
import { SECRET_ID_ENV_VAR } from "../../common/naming";
import { budgetOf, type InvocationContext, resolveTimeoutMs } from "./budget";
import type { CachePolicy } from "./cache";
import { SecretsConfigError } from "./errors";
import { type Send, sendHttp } from "./http-send";
import { quotaAwareRetry, type RetryPolicy } from "./retry-policy";
import { externalSecretNames, externalSource } from "./external-source";
import { secretsManagerSource } from "./secretsmanager-source";
import type { Env, Lookup, SecretsSource, SourceOptions } from "./source";
import { ssmSource } from "./ssm-source";

export { MAX_NAMES_PER_CALL } from "./ssm-source";
export type { HttpRequest, HttpResponse, Send } from "./http-send";
export type { InvocationContext } from "./budget";

/** Environment variable that sets the cache time-to-live, in seconds. */
export const TTL_ENV_VAR = "SECRETS_CACHE_TTL_SECONDS";
/** Cache time-to-live when neither the option nor the variable sets one: 5 minutes. */
export const DEFAULT_TTL_SECONDS = 300;
/**
 * How long after the TTL a refresh that failed for throttling, a 5xx or the network serves the last good values, by
 * default: 5 minutes.
 */
export const DEFAULT_STALE_IF_ERROR_SECONDS = 300;
/** The least time between two forced reads of {@link SecretsLoader.refresh}, by default. */
export const DEFAULT_MIN_REFRESH_INTERVAL_SECONDS = 30;

// What this execution environment learned of the shared quota (how many throttles in a row):
// every loader of the function, and every call of a read, retry with it.
const processRetry = quotaAwareRetry();

/** Options of {@link createSecretsLoader}. */
export interface SecretsLoaderOptions {
  /**
   * How long fetched values are reused, in seconds; 0 fetches on every call. @default SECRETS_CACHE_TTL_SECONDS, else
   * 300
   */
  readonly ttlSeconds?: number;
  /**
   * The time one read may take, in milliseconds, retries included: every attempt has a
   * timeout, throttling and transient failures are retried until this runs out, and then
   * the read fails with a typed error. A context passed to `get`, `getAll` or `refresh`
   * shortens it to the invocation's remaining time, less the same margin.
   * @default SECRETS_LOADER_TIMEOUT_MS (the construct sets it from the function's timeout, less a margin), else 9000
   */
  readonly timeoutMs?: number;
  /**
   * How long after the TTL the last good values are served when their refresh fails because
   * AWS throttled it, failed (5xx) or could not be reached, in seconds; each time with one
   * warning line that names the parameters or secret. A refusal (IAM, KMS), a deleted
   * parameter or a value that became the placeholder is never masked. 0 serves nothing stale.
   * @default 300
   */
  readonly staleIfErrorSeconds?: number;
  /**
   * The least time between two forced reads of `refresh()`, in seconds: within it, `refresh()`
   * answers from the cache, so a downstream that keeps rejecting cannot turn into a stream of
   * calls to SSM or Secrets Manager.
   * @default 30
   */
  readonly minRefreshIntervalSeconds?: number;
  /**
   * Sends the signed requests, e.g. a test's in-process stand-in for SSM or Secrets Manager.
   * A loader given one keeps its own cache. Region, credentials, endpoint, AWS_MAX_ATTEMPTS
   * and AWS_USE_FIPS_ENDPOINT come from process.env either way.
   * @default node:https with a keep-alive agent, and one cache per execution environment
   */
  readonly send?: Send;
  /**
   * Where SECRETS_MANAGER_SECRET_ID, `<SECRET>_PARAM_NAME`, the TTL and timeout variables and AWS_LAMBDA_FUNCTION_NAME
   * are read. @default process.env
   */
  readonly env?: Env;
}

/**
 * Reads a fixed set of secrets; values are cached in memory for the TTL. Each method takes
 * the handler's Lambda context, optionally: the read then never outlasts the invocation.
 */
export interface SecretsLoader<S extends string> {
  /** The value of one secret. A cold cache fetches all of the loader's secrets in one round. */
  get(secret: S, context?: InvocationContext): Promise<string>;
  /** Every secret's value, by secret name. */
  getAll(context?: InvocationContext): Promise<Readonly<Record<S, string>>>;
  /**
   * Every secret's value, read from AWS now whatever the cache holds: for a handler whose
   * downstream rejected a secret (a 401 after a rotation). Concurrent calls share one read;
   * within `minRefreshIntervalSeconds` of the last forced read it answers as `getAll` does.
   * A failure is thrown, never answered with the old values.
   */
  refresh(context?: InvocationContext): Promise<Readonly<Record<S, string>>>;
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
 * calls in parallel. Requests are signed with SigV4 (on node:crypto) and sent over
 * node:https: no AWS SDK in the function. Values are cached for the TTL: warm invocations
 * inside the TTL make no call; concurrent calls on a cold cache share one read.
 *
 * A read has a time budget (`timeoutMs`): every attempt has a timeout, and throttling, 5xx
 * answers and network failures are retried until the budget runs out (after a throttle,
 * waits that leave the shared quota time to refill and grow with each throttle in a row:
 * retry-policy.ts), then fail with {@link SecretsThrottledError},
 * {@link SecretsUnreachableError} (no answer: in a VPC, no way to the service) or
 * {@link SecretsFetchError}. Past the TTL, such a failure serves the last good values for
 * `staleIfErrorSeconds`.
 *
 * @example
 * import { createSecretsLoader } from "secure-lambda/runtime";
 *
 * const secrets = createSecretsLoader(["github_token", "slack_webhook_url"]);
 *
 * export async function handler(event: unknown, context: { getRemainingTimeInMillis(): number }): Promise<void> {
 *   // SecretNotSetError while the parameter still holds the placeholder.
 *   const token = await secrets.get("github_token", context);
 *   // ... call the GitHub API with the token; never log it. On a 401:
 *   const fresh = await secrets.refresh(context);
 * }
 */
export function createSecretsLoader<const S extends string>(
  secrets: readonly S[],
  options: SecretsLoaderOptions = {},
): SecretsLoader<S> {
  // A loader given its own send is its own execution environment (a test's, a bench's cold start).
  return loaderWithRetry(secrets, options, options.send ? quotaAwareRetry() : processRetry);
}

/**
 * {@link createSecretsLoader} with the given retry policy: for the bench, which compares the
 * policy with the one it replaced. Not exported by the package.
 */
export function loaderWithRetry<const S extends string>(
  secrets: readonly S[],
  options: SecretsLoaderOptions,
  retry: RetryPolicy,
): SecretsLoader<S> {
  const env = options.env ?? process.env;
  const policy: CachePolicy = {
    ttlSeconds: seconds(options.ttlSeconds, "ttlSeconds", {
      variable: TTL_ENV_VAR,
      env,
      fallback: DEFAULT_TTL_SECONDS,
    }),
    staleIfErrorSeconds: seconds(options.staleIfErrorSeconds, "staleIfErrorSeconds", {
      fallback: DEFAULT_STALE_IF_ERROR_SECONDS,
    }),
  };
  const minRefreshIntervalMs =
    seconds(options.minRefreshIntervalSeconds, "minRefreshIntervalSeconds", {
      fallback: DEFAULT_MIN_REFRESH_INTERVAL_SECONDS,
    }) * 1000;
  const timeoutMs = resolveTimeoutMs(options.timeoutMs, env);
  const source = createSource({
    secrets,
    call: { send: options.send ?? sendHttp, awsEnv: process.env, retry },
    ownCache: options.send !== undefined,
    policy,
    env,
  });
  let inFlight: Promise<Lookup<S>> | undefined;
  let forced: Promise<Lookup<S>> | undefined;
  let lastForcedAt = Number.NEGATIVE_INFINITY;

  // Concurrent calls share one read, whose budget the first caller's context sets.
  function read(context: InvocationContext | undefined): Promise<Lookup<S>> {
    inFlight ??= source.fetch({ ...budgetOf(timeoutMs, context, Date.now()), force: false }).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function all(valueFor: Lookup<S>): Readonly<Record<S, string>> {
    return Object.freeze(Object.fromEntries(secrets.map((secret) => [secret, valueFor(secret)]))) as Record<S, string>;
  }

  return {
    async get(secret, context) {
      return (await read(context))(secret);
    },
    async getAll(context) {
      return all(await read(context));
    },
    async refresh(context) {
      if (!forced) {
        if (Date.now() - lastForcedAt < minRefreshIntervalMs) return all(await read(context));
        lastForcedAt = Date.now();
        forced = source.fetch({ ...budgetOf(timeoutMs, context, Date.now()), force: true }).finally(() => {
          forced = undefined;
        });
      }
      return all(await forced);
    },
    clearCache() {
      source.clearCache();
    },
  };
}

// Both stores are imported statically: together they are a few KB of the bundle.
function createSource<S extends string>(options: SourceOptions<S>): SecretsSource<S> {
  // A secret whose ARN the environment holds (`<NAME>_SECRET_ARN`, externalSecrets) is another
  // account's or app's: read by that ARN. The others are the function's own.
  const external = externalSecretNames(options.secrets, options.env);
  const own = external.length === 0 ? options.secrets : options.secrets.filter((s) => !external.includes(s));
  const secretId = options.env[SECRET_ID_ENV_VAR];
  const ownSource = secretId
    ? secretsManagerSource(secretId, { ...options, secrets: own })
    : ssmSource({ ...options, secrets: own });
  if (external.length === 0) return ownSource;
  return bothSources(
    ownSource,
    externalSource({ ...options, secrets: external }),
    new Set<S>(external),
    own.length > 0,
  );
}

/** The own and the external secrets, read in parallel; each secret answered by its source. */
function bothSources<S extends string>(
  own: SecretsSource<S>,
  external: SecretsSource<S>,
  externalNames: ReadonlySet<S>,
  hasOwn: boolean,
): SecretsSource<S> {
  return {
    async fetch(read) {
      const [ownLookup, externalLookup] = await Promise.all([
        hasOwn ? own.fetch(read) : undefined,
        external.fetch(read),
      ]);
      return (secret) => (externalNames.has(secret) ? externalLookup(secret) : ownLookup!(secret));
    },
    clearCache() {
      own.clearCache();
      external.clearCache();
    },
  };
}

/**
 * A number of seconds >= 0 from the option, else the variable, else the default; refuses anything else, naming where it
 * came from.
 */
function seconds(
  option: number | undefined,
  name: string,
  from: { variable?: string; env?: Env; fallback: number },
): number {
  const raw = from.variable ? from.env?.[from.variable] : undefined;
  const value = option ?? (raw === undefined || raw === "" ? from.fallback : Number(raw));
  if (!Number.isFinite(value) || value < 0) {
    const given = option === undefined ? `${from.variable}=${JSON.stringify(raw)}` : `${name}=${option}`;
    throw new SecretsConfigError(
      option === undefined ? from.variable! : name,
      `${given} is not a number of seconds >= 0`,
    );
  }
  return value;
}
