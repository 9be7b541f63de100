// From constructs/ the runtime takes only dependency-free modules: the naming rule, so it
// finds exactly the variables and parameters the construct created, and the value helpers.
import { paramNameEnvVar, PLACEHOLDER_VALUE } from "../../constructs/naming";
import { callAwsJson, type AwsCallContext } from "./aws-json";
import { TtlCache } from "./cache";
import { classifyFetchError } from "./classify-error";
import { SSM } from "./endpoints";
import { MissingParamNameVariableError, SecretNotFoundError, SecretNotSetError } from "./errors";
import { functionNameOf, type Env, type SecretsSource } from "./source";
import { inBatches } from "../../constructs/values";

/** GetParameters accepts at most this many names per call. */
export const MAX_NAMES_PER_CALL = 10;

/** Parameter name -> value (undefined: the parameter does not exist). */
type Fetched = ReadonlyMap<string, string | undefined>;

// One cache per execution environment, by parameter name: warm invocations, and every
// loader of the function, reuse it.
const sharedCache = new TtlCache<string>();

/**
 * Secrets kept as SSM SecureString parameters, one per secret, each found through its
 * `<SECRET>_PARAM_NAME` variable. Values are fetched decrypted with GetParameters, at most
 * 10 names per call and the calls in parallel, and cached by name for the TTL; a
 * parameter that does not exist is not cached, so it is found once someone creates it.
 */
export function ssmSource<S extends string>(secrets: readonly S[], context: AwsCallContext, ownCache: boolean, ttlSeconds: number, env: Env): SecretsSource<S> {
  const cache = ownCache ? new TtlCache<string>() : sharedCache;

  function forget(): void {
    for (const secret of secrets) {
      const parameter = env[paramNameEnvVar(secret)];
      if (parameter) cache.delete(parameter);
    }
  }

  function valueFor(secret: S, fetched: Fetched): string {
    const parameter = parameterNameOf(secret, env);
    const value = fetched.get(parameter);
    if (value === undefined) throw new SecretNotFoundError(secret, parameter);
    if (value === PLACEHOLDER_VALUE) {
      // Forget it, so the function recovers on the next invocation once someone sets it.
      cache.delete(parameter);
      throw new SecretNotSetError(secret, parameter, functionNameOf(env));
    }
    return value;
  }

  return {
    async fetch() {
      const names = parameterNames(secrets, env);
      // TTL 0 means no cache at all: not even an entry another loader filled.
      const cached = new Map(
        ttlSeconds === 0
          ? []
          : names.flatMap((name) => {
              const value = cache.get(name);
              return value === undefined ? [] : [[name, value] as const];
            }),
      );
      const missing = names.filter((name) => !cached.has(name));
      const fetched = await fetchValues(missing, context);
      // A placeholder is not kept either: the function must see the real value once it is set.
      for (const [name, value] of fetched) if (value !== undefined && value !== PLACEHOLDER_VALUE) cache.set(name, value, ttlSeconds);
      const all = new Map<string, string | undefined>([...cached, ...fetched]);
      return (secret) => valueFor(secret, all);
    },
    clearCache: forget,
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

async function fetchValues(names: readonly string[], context: AwsCallContext): Promise<Fetched> {
  const batches = inBatches(names, MAX_NAMES_PER_CALL);
  // One call per batch, all in parallel: a cold start costs one round trip.
  const results = await Promise.all(batches.map((batch) => fetchBatch(batch, context)));
  return new Map(results.flatMap((result) => [...result]));
}

async function fetchBatch(names: readonly string[], context: AwsCallContext): Promise<Fetched> {
  let response: Record<string, unknown>;
  try {
    response = await callAwsJson(SSM, "GetParameters", { Names: names, WithDecryption: true }, context);
  } catch (error) {
    throw classifyFetchError(error, names);
  }
  // Names SSM does not know come back in InvalidParameters and are simply absent here.
  const values = new Map<string, string>();
  for (const parameter of Array.isArray(response.Parameters) ? (response.Parameters as unknown[]) : []) {
    const { Name, Value } = (parameter ?? {}) as { Name?: unknown; Value?: unknown };
    if (typeof Name === "string" && typeof Value === "string") values.set(Name, Value);
  }
  return new Map(names.map((name) => [name, values.get(name)]));
}
