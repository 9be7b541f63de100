// From constructs/ the runtime takes only dependency-free modules: the naming rule, so it
// finds exactly the variables and parameters the construct created, and the budget arithmetic.
import { MAX_NAMES_PER_CALL } from "../../common/loader-budget";
import { isPlaceholder, paramNameEnvVar } from "../../common/naming";
import { isPlainObject } from "../../common/values";
import { callAwsJson, SSM_ANSWER_BYTES_PER_NAME } from "./aws-json";
import type { Budget } from "./budget";
import { readThrough, SecretsCache } from "./cache";
import { classifyFetchError } from "./classify-error";
import { SSM } from "./endpoints";
import {
  MissingParamNameVariableError,
  SecretNotFoundError,
  SecretNotSetError,
  SecretsInvalidResponseError,
} from "./errors";
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
    let response: unknown;
    try {
      response = await callAwsJson(
        {
          service: SSM,
          action: "GetParameters",
          request: { Names: names, WithDecryption: true },
          budget,
          maxBodyBytes: names.length * SSM_ANSWER_BYTES_PER_NAME + 8192,
        },
        call,
      );
    } catch (error) {
      throw classifyFetchError(error, names);
    }
    return valuesOf(response, names);
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

/**
 * The values of an answer to GetParameters, held to what SSM sends: an object whose
 * `Parameters` (when present) is a list of objects each with a string `Name` and `Value`, the
 * name one of those asked for and given once, and whose `InvalidParameters` (names SSM does
 * not know: absent from the map) is a list of strings. Anything else is refused whole.
 */
function valuesOf(response: unknown, names: readonly string[]): Map<string, string | undefined> {
  const refuse = (problem: "bad-shape" | "not-asked") => new SecretsInvalidResponseError(names, problem);
  if (!isPlainObject(response)) throw refuse("bad-shape");
  const { Parameters = [], InvalidParameters = [] } = response;
  if (!Array.isArray(Parameters) || !Array.isArray(InvalidParameters)) throw refuse("bad-shape");
  if (!InvalidParameters.every((name) => typeof name === "string")) throw refuse("bad-shape");
  const values = new Map<string, string | undefined>(names.map((name) => [name, undefined]));
  const seen = new Set<string>();
  for (const parameter of Parameters) {
    if (!isPlainObject(parameter) || typeof parameter.Name !== "string" || typeof parameter.Value !== "string")
      throw refuse("bad-shape");
    if (!values.has(parameter.Name) || seen.has(parameter.Name)) throw refuse("not-asked");
    seen.add(parameter.Name);
    values.set(parameter.Name, parameter.Value);
  }
  return values;
}

function parameterNameOf(secret: string, env: Env): string {
  const variable = paramNameEnvVar(secret);
  const parameter = env[variable];
  if (!parameter) throw new MissingParamNameVariableError(secret, variable);
  return parameter;
}
