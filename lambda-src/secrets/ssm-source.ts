import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import type { SSMClient } from "@aws-sdk/client-ssm";
// The one module the runtime takes from constructs/: the naming rule, so the runtime
// finds exactly the variables and parameters the construct created.
import { paramNameEnvVar, PLACEHOLDER_VALUE } from "../../constructs/naming";
import { classifyFetchError } from "./classify-error";
import { MissingParamNameVariableError, SecretNotFoundError, SecretNotSetError } from "./errors";
import { functionNameOf, type Env, type SecretsSource } from "./source";

/** GetParameters accepts at most this many names per call. */
export const MAX_NAMES_PER_CALL = 10;

/** Parameter name -> value (undefined: the parameter does not exist). */
type Fetched = ReadonlyMap<string, string | undefined>;

// One provider (and so one SSM client and one cache) per execution environment, created
// on first use: warm invocations reuse its cache and its open connections.
let sharedProvider: SSMProvider | undefined;

/**
 * Secrets kept as SSM SecureString parameters, one per secret, each found through its
 * `<SECRET>_PARAM_NAME` variable. Values are fetched decrypted with GetParameters, at most
 * 10 names per call and the calls in parallel, through Powertools' SSMProvider, which
 * caches them for the TTL.
 */
export function ssmSource<S extends string>(secrets: readonly S[], client: SSMClient | undefined, ttlSeconds: number, env: Env): SecretsSource<S> {
  const provider = client ? new SSMProvider({ awsSdkV3Client: client }) : (sharedProvider ??= new SSMProvider());

  function valueOf(secret: S, fetched: Fetched): string {
    const parameter = parameterNameOf(secret, env);
    const value = fetched.get(parameter);
    if (value === undefined) throw new SecretNotFoundError(secret, parameter);
    if (value === PLACEHOLDER_VALUE) {
      // Forget it, so the function recovers on the next invocation once someone sets it.
      provider.clearCache();
      throw new SecretNotSetError(secret, parameter, functionNameOf(env));
    }
    return value;
  }

  return {
    async fetch() {
      const fetched = await fetchValues(provider, parameterNames(secrets, env), ttlSeconds);
      return (secret) => valueOf(secret, fetched);
    },
    clearCache() {
      provider.clearCache();
    },
  };
}

function parameterNameOf(secret: string, env: Env): string {
  const variable = paramNameEnvVar(secret);
  const parameter = env[variable];
  if (!parameter) throw new MissingParamNameVariableError(secret, variable);
  return parameter;
}

function parameterNames(secrets: readonly string[], env: Env): string[] {
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
