import { CURRENT_STAGE, PLACEHOLDER_VALUE } from "../../constructs/naming";
import { isPlainObject } from "../../constructs/values";
import { callAwsJson, type AwsCallContext } from "./aws-json";
import { TtlCache } from "./cache";
import { awsErrorCode, classifyFetchError } from "./classify-error";
import { SECRETS_MANAGER } from "./endpoints";
import { SecretFormatError, SecretKeyMissingError, SecretNotFoundError, SecretNotSetError } from "./errors";
import { functionNameOf, type Env, type SecretsSource } from "./source";

/** The secret's SecretString, parsed: one key per secret name (undefined: the secret does not exist). */
type Fetched = Readonly<Record<string, unknown>> | undefined;
type Content = Readonly<Record<string, unknown>>;

// One cache per execution environment, by secret id: warm invocations, and every loader
// of the function, reuse it.
const sharedCache = new TtlCache<Content>();

/**
 * Secrets kept in one Secrets Manager secret per function, whose SecretString is a JSON
 * object with one key per secret name. The whole secret is fetched with one
 * GetSecretValue, parsed, and cached for the TTL, however many secrets the function reads.
 */
export function secretsManagerSource<S extends string>(
  secrets: readonly S[],
  secretId: string,
  context: AwsCallContext,
  ownCache: boolean,
  ttlSeconds: number,
  env: Env,
): SecretsSource<S> {
  const cache = ownCache ? new TtlCache<Content>() : sharedCache;

  // Every refusal below forgets the cached secret, so the function recovers on the next
  // invocation once someone fixes it, instead of failing until the TTL runs out.
  function refuse(error: Error): never {
    cache.delete(secretId);
    throw error;
  }

  async function fetchSecret(): Promise<Fetched> {
    // TTL 0 means no cache at all: not even an entry another loader filled.
    const cached = ttlSeconds === 0 ? undefined : cache.get(secretId);
    if (cached) return cached;
    let response: Record<string, unknown>;
    try {
      // The stage is named, not left to the default: the role may read AWSCURRENT only
      // (condition secretsmanager:VersionStage), and that key exists only when named.
      response = await callAwsJson(SECRETS_MANAGER, "GetSecretValue", { SecretId: secretId, VersionStage: CURRENT_STAGE }, context);
    } catch (error) {
      if (awsErrorCode(error) === "ResourceNotFoundException") return undefined;
      throw classifyFetchError(error, [secretId], "secretsmanager");
    }
    const content = parse(response.SecretString);
    cache.set(secretId, content, ttlSeconds);
    return content;
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
    if (!Object.hasOwn(content, secret)) refuse(new SecretKeyMissingError(secret, secretId, functionNameOf(env)));
    const value = content[secret];
    if (typeof value !== "string") refuse(new SecretFormatError(secretId, "not-a-string", functionNameOf(env), secret));
    if (value === PLACEHOLDER_VALUE) refuse(new SecretNotSetError(secret, secretId, functionNameOf(env), "secretsmanager"));
    return value;
  }

  return {
    async fetch() {
      // Like the SSM store: a loader without secrets makes no call.
      const content = secrets.length === 0 ? {} : await fetchSecret();
      return (secret) => valueFor(secret, content);
    },
    clearCache() {
      cache.delete(secretId);
    },
  };
}
