// From constructs/ the runtime takes only dependency-free modules: the naming rule, so it
// finds exactly the variables and parameters the construct created, and the budget arithmetic.
import { MAX_NAMES_PER_CALL } from "../../common/loader-budget";
import { isPlaceholder, paramNameEnvVar } from "../../common/naming";
import { callAwsJson } from "./aws-json";
import type { Budget } from "./budget";
import { readThrough, SecretsCache } from "./cache";
import { classifyFetchError } from "./classify-error";
import { SSM } from "./endpoints";
import { MissingParamNameVariableError, SecretNotFoundError, SecretNotSetError } from "./errors";
import { functionNameOf, type Env, type SecretsSource, type SourceOptions } from "./source";

export { MAX_NAMES_PER_CALL };

// One cache per execution environment, by parameter name: warm invocations, and every
// loader of the function, reuse it.
const sharedCache = new SecretsCache<string>();

/**
 * Secrets kept as SSM SecureString parameters, one per secret, each found through its
 * `<SECRET>_PARAM_NAME` variable. Values are fetched decrypted with GetParameters, at most
 * 10 names per call and the calls in parallel, and cached by name; a parameter that does
 * not exist is not cached, so it is found once someone creates it.
 */
export function ssmSource<S extends string>(options: SourceOptions<S>): SecretsSource<S> {
  const { secrets, call, policy, env } = options;
  const cache = options.ownCache ? new SecretsCache<string>() : sharedCache;

  function valueFor(secret: S, fetched: ReadonlyMap<string, string | undefined>): string {
    const parameter = parameterNameOf(secret, env);
    const value = fetched.get(parameter);
    if (value === undefined) throw new SecretNotFoundError(secret, parameter);
    if (isPlaceholder(value)) throw new SecretNotSetError(secret, parameter, functionNameOf(env));
    return value;
  }

  async function fetchBatch(
    names: readonly string[],
    budget: Budget,
  ): Promise<ReadonlyMap<string, string | undefined>> {
    let response: Record<string, unknown>;
    try {
      response = await callAwsJson(
        { service: SSM, action: "GetParameters", request: { Names: names, WithDecryption: true }, budget },
        call,
      );
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

  return {
    async fetch(read) {
      const names = [...new Set(secrets.map((secret) => parameterNameOf(secret, env)))];
      // One call per batch of 10, all in parallel: a cold start costs one round trip.
      const fetched = await readThrough(names, read, {
        cache,
        policy,
        batchSize: MAX_NAMES_PER_CALL,
        fetchBatch,
        keep: (value) => !isPlaceholder(value),
        describe: (keys) => `SSM parameters ${keys.join(", ")}`,
      });
      return (secret) => valueFor(secret, fetched);
    },
    clearCache() {
      for (const secret of secrets) {
        const parameter = env[paramNameEnvVar(secret)];
        if (parameter) cache.delete(parameter);
      }
    },
  };
}

function parameterNameOf(secret: string, env: Env): string {
  const variable = paramNameEnvVar(secret);
  const parameter = env[variable];
  if (!parameter) throw new MissingParamNameVariableError(secret, variable);
  return parameter;
}
