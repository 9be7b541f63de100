import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import type { SSMClient } from "@aws-sdk/client-ssm";
// The one module the runtime takes from constructs/: the naming rule, so the runtime
// finds exactly the variables and parameters the construct created.
import { paramNameEnvVar, PLACEHOLDER_VALUE } from "../../constructs/naming";
import { classifyFetchError } from "./classify-error";
import { MissingParamNameVariableError, SecretNotFoundError, SecretNotSetError, SecretsConfigError } from "./errors";

/** Environment variable that sets the cache time-to-live, in seconds. */
export const TTL_ENV_VAR = "SECRETS_CACHE_TTL_SECONDS";
/** Cache time-to-live when neither the option nor the variable sets one: 5 minutes. */
export const DEFAULT_TTL_SECONDS = 300;
/** GetParameters accepts at most this many names per call. */
export const MAX_NAMES_PER_CALL = 10;

/** Options of {@link createSecretsLoader}. */
export interface SecretsLoaderOptions {
  /** How long fetched values are reused, in seconds; 0 fetches on every call. @default SECRETS_CACHE_TTL_SECONDS, else 300 */
  readonly ttlSeconds?: number;
  /** The SSM client to fetch with. @default one client per execution environment (region, credentials, AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL and AWS_MAX_ATTEMPTS from the environment) */
  readonly client?: SSMClient;
  /** Where `<SECRET>_PARAM_NAME`, the TTL variable and AWS_LAMBDA_FUNCTION_NAME are read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
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

/** Parameter name -> value (undefined: the parameter does not exist). */
type Fetched = ReadonlyMap<string, string | undefined>;

// One provider (and so one SSM client and one cache) per execution environment, created
// on first use: warm invocations reuse its cache and its open connections.
let sharedProvider: SSMProvider | undefined;

/**
 * Creates a loader for the given secrets, e.g.
 * `const secrets = createSecretsLoader(["github_token", "slack_webhook_url"])` at module
 * scope, then `await secrets.get("github_token")` in the handler.
 *
 * Values are fetched decrypted with GetParameters, at most 10 names per call and the
 * calls in parallel, through Powertools' SSMProvider, which caches them for the TTL.
 * Warm invocations inside the TTL make no SSM call; concurrent calls on a cold cache
 * share one fetch. Throttling is retried by the SDK with capped exponential backoff
 * (AWS_MAX_ATTEMPTS, default 3 attempts) before a {@link SecretsThrottledError}.
 */
export function createSecretsLoader<const S extends string>(secrets: readonly S[], options: SecretsLoaderOptions = {}): SecretsLoader<S> {
  const env = options.env ?? process.env;
  const ttlSeconds = resolveTtlSeconds(options.ttlSeconds, env);
  const provider = options.client ? new SSMProvider({ awsSdkV3Client: options.client }) : (sharedProvider ??= new SSMProvider());
  let inFlight: Promise<Fetched> | undefined;

  function fetchShared(): Promise<Fetched> {
    inFlight ??= fetchValues(provider, parameterNames(secrets, env), ttlSeconds).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function valueOf(secret: S, fetched: Fetched): string {
    const parameter = parameterNameOf(secret, env);
    const value = fetched.get(parameter);
    if (value === undefined) throw new SecretNotFoundError(secret, parameter);
    if (value === PLACEHOLDER_VALUE) {
      // Forget it, so the function recovers on the next invocation once someone sets it.
      provider.clearCache();
      throw new SecretNotSetError(secret, parameter, env.AWS_LAMBDA_FUNCTION_NAME ?? "<function>");
    }
    return value;
  }

  return {
    async get(secret) {
      return valueOf(secret, await fetchShared());
    },
    async getAll() {
      const fetched = await fetchShared();
      return Object.freeze(Object.fromEntries(secrets.map((secret) => [secret, valueOf(secret, fetched)]))) as Record<S, string>;
    },
    clearCache() {
      provider.clearCache();
    },
  };
}

function resolveTtlSeconds(option: number | undefined, env: Readonly<Record<string, string | undefined>>): number {
  const raw = env[TTL_ENV_VAR];
  const ttl = option ?? (raw === undefined || raw === "" ? DEFAULT_TTL_SECONDS : Number(raw));
  if (!Number.isFinite(ttl) || ttl < 0) {
    const given = option === undefined ? `${TTL_ENV_VAR}=${JSON.stringify(raw)}` : `ttlSeconds=${option}`;
    throw new SecretsConfigError(option === undefined ? TTL_ENV_VAR : "ttlSeconds", `${given} is not a number of seconds >= 0`);
  }
  return ttl;
}

function parameterNameOf(secret: string, env: Readonly<Record<string, string | undefined>>): string {
  const variable = paramNameEnvVar(secret);
  const parameter = env[variable];
  if (!parameter) throw new MissingParamNameVariableError(secret, variable);
  return parameter;
}

function parameterNames(secrets: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  return [...new Set(secrets.map((secret) => parameterNameOf(secret, env)))];
}

async function fetchValues(provider: SSMProvider, names: readonly string[], ttlSeconds: number): Promise<Fetched> {
  // Powertools treats maxAge 0 as "use its 5 s default", so no caching means an empty cache.
  if (ttlSeconds === 0) provider.clearCache();
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += MAX_NAMES_PER_CALL) batches.push(names.slice(i, i + MAX_NAMES_PER_CALL));
  // Powertools splits a large request into chunks of 10 itself, but awaits them one after
  // another; one call per chunk, in parallel, keeps a cold start to one round trip.
  const results = await Promise.all(batches.map((batch) => fetchBatch(provider, batch, ttlSeconds)));
  return new Map(results.flatMap((result) => [...result]));
}

async function fetchBatch(provider: SSMProvider, names: readonly string[], ttlSeconds: number): Promise<Fetched> {
  let response: Record<string, unknown>;
  try {
    // Fresh option objects: Powertools writes its defaults into them.
    const request = Object.fromEntries(names.map((name) => [name, {}]));
    // throwOnError false: missing names come back in `_errors`, so each one is reported by name.
    response = await provider.getParametersByName<string>(request, { decrypt: true, maxAge: ttlSeconds, throwOnError: false });
  } catch (error) {
    throw classifyFetchError(error, names);
  }
  return new Map(names.map((name) => [name, typeof response[name] === "string" ? response[name] : undefined]));
}
