import { CURRENT_STAGE, isPlaceholder } from "../../common/naming";
import { isPlainObject } from "../../common/values";
import { callAwsJson, SECRETS_MANAGER_ANSWER_BYTES } from "./aws-json";
import type { Budget } from "./budget";
import { readThrough, SecretsCache } from "./cache";
import { awsErrorCode, classifyFetchError } from "./classify-error";
import { SECRETS_MANAGER } from "./endpoints";
import {
  SecretFormatError,
  SecretKeyMissingError,
  SecretNotFoundError,
  SecretNotSetError,
  SecretsInvalidResponseError,
} from "./errors";
import { functionNameOf, type SecretsSource, type SourceOptions } from "./source";

/** The secret's SecretString, parsed: one key per secret name (undefined: the secret does not exist). */
type Fetched = Readonly<Record<string, unknown>> | undefined;
type Content = Readonly<Record<string, unknown>>;

// One cache per execution environment, by secret id: warm invocations, and every loader
// of the function, reuse it.
const sharedCache = new SecretsCache<Content>();

/**
 * Secrets kept in one Secrets Manager secret per function, whose SecretString is a JSON
 * object with one key per secret name. The whole secret is fetched with one
 * GetSecretValue, parsed, and cached, however many secrets the function reads.
 */
export function secretsManagerSource<S extends string>(secretId: string, options: SourceOptions<S>): SecretsSource<S> {
  const { secrets, call, policy, env } = options;
  const cache = options.ownCache ? new SecretsCache<Content>() : sharedCache;

  async function fetchSecret(budget: Budget): Promise<ReadonlyMap<string, Content | undefined>> {
    let response: unknown;
    try {
      // The stage is named, not left to the default: the role may read AWSCURRENT only
      // (condition secretsmanager:VersionStage), and that key exists only when named.
      response = await callAwsJson(
        {
          service: SECRETS_MANAGER,
          action: "GetSecretValue",
          request: { SecretId: secretId, VersionStage: CURRENT_STAGE },
          budget,
          maxBodyBytes: SECRETS_MANAGER_ANSWER_BYTES,
        },
        call,
      );
    } catch (error) {
      if (awsErrorCode(error) === "ResourceNotFoundException") return new Map([[secretId, undefined]]);
      throw classifyFetchError(error, [secretId], "secretsmanager");
    }
    return new Map([[secretId, parse(checked(response).SecretString)]]);
  }

  /**
   * The answer, held to what GetSecretValue sends: an object naming this secret (its `Name`,
   * or its `ARN` when the id is one) and, when it lists `VersionStages`, the AWSCURRENT asked
   * for. An answer about another secret or version is never served as this one.
   */
  function checked(response: unknown): Record<string, unknown> {
    const refuse = (problem: "bad-shape" | "not-asked") =>
      new SecretsInvalidResponseError([secretId], problem, "secretsmanager");
    if (!isPlainObject(response)) throw refuse("bad-shape");
    const { Name, ARN, VersionStages } = response;
    const byArn = secretId.startsWith("arn:");
    const named = byArn ? ARN : Name;
    if (typeof named !== "string") throw refuse("bad-shape");
    // A partial ARN (without the 6 random characters Secrets Manager appends) names the secret too.
    if (named !== secretId && !(byArn && named.startsWith(`${secretId}-`))) throw refuse("not-asked");
    if (VersionStages !== undefined) {
      if (!Array.isArray(VersionStages) || !VersionStages.every((stage) => typeof stage === "string"))
        throw refuse("bad-shape");
      if (!VersionStages.includes(CURRENT_STAGE)) throw refuse("not-asked");
    }
    return response;
  }

  function parse(secretString: unknown): Content {
    let content: unknown;
    try {
      // A secret without SecretString (binary) is not the JSON this loader reads either.
      if (typeof secretString !== "string") throw new TypeError("no SecretString");
      content = JSON.parse(secretString);
    } catch {
      // JSON.parse's message quotes the start of the text it failed on: only the fact is kept.
      throw new SecretFormatError(secretId, "invalid-json", functionNameOf(env));
    }
    if (!isPlainObject(content)) {
      throw new SecretFormatError(secretId, "not-an-object", functionNameOf(env));
    }
    return content as Content;
  }

  function valueFor(secret: S, content: Fetched): string {
    if (content === undefined) throw new SecretNotFoundError(secret, secretId, "secretsmanager");
    if (!Object.hasOwn(content, secret)) throw new SecretKeyMissingError(secret, secretId, functionNameOf(env));
    const value = content[secret];
    if (typeof value !== "string") throw new SecretFormatError(secretId, "not-a-string", functionNameOf(env), secret);
    if (isPlaceholder(value)) throw new SecretNotSetError(secret, secretId, functionNameOf(env), "secretsmanager");
    return value;
  }

  return {
    async fetch(read) {
      // Like the SSM store: a loader without secrets makes no call.
      if (secrets.length === 0) return (secret) => valueFor(secret, {});
      const fetched = await readThrough([secretId], read, {
        cache,
        policy,
        batchSize: 1,
        fetchBatch: (_, budget) => fetchSecret(budget),
        // Only a secret every declared key of which holds a real value is kept: one that
        // lacks a key or still holds a placeholder is read again on the next call, so the
        // function recovers as soon as someone fixes it, and it is never served stale.
        keep: (content) =>
          secrets.every((secret) => typeof content[secret] === "string" && !isPlaceholder(content[secret] as string)),
        describe: () => `Secrets Manager secret ${secretId}`,
      });
      return (secret) => valueFor(secret, fetched.get(secretId));
    },
    clearCache() {
      cache.delete(secretId);
    },
  };
}
