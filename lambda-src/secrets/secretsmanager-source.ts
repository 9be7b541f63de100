import { TransformParameterError } from "@aws-lambda-powertools/parameters/errors";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CURRENT_STAGE, PLACEHOLDER_VALUE } from "../../constructs/naming";
import { awsErrorCode, classifyFetchError } from "./classify-error";
import { SecretFormatError, SecretKeyMissingError, SecretNotFoundError, SecretNotSetError } from "./errors";
import { functionNameOf, type Env, type SecretsSource } from "./source";

/** The secret's SecretString, parsed: one key per secret name (undefined: the secret does not exist). */
type Fetched = Readonly<Record<string, unknown>> | undefined;

// One provider (and so one Secrets Manager client and one cache) per execution
// environment, created on first use: warm invocations reuse its cache and connections.
let sharedProvider: SecretsProvider | undefined;

/**
 * Secrets kept in one Secrets Manager secret per function, whose SecretString is a JSON
 * object with one key per secret name. The whole secret is fetched with one
 * GetSecretValue through Powertools' SecretsProvider, which parses it and caches it for
 * the TTL, however many secrets the function reads.
 */
export function secretsManagerSource<S extends string>(
  secrets: readonly S[],
  secretId: string,
  client: SecretsManagerClient | undefined,
  ttlSeconds: number,
  env: Env,
): SecretsSource<S> {
  const provider = client ? new SecretsProvider({ awsSdkV3Client: client }) : (sharedProvider ??= new SecretsProvider());

  // Every refusal below forgets the cached secret, so the function recovers on the next
  // invocation once someone fixes it, instead of failing until the TTL runs out.
  function refuse(error: Error): never {
    provider.clearCache();
    throw error;
  }

  async function fetchSecret(): Promise<Fetched> {
    let content: unknown;
    try {
      // forceFetch at TTL 0: maxAge 0 keeps the answer out of the cache, but would still
      // serve an entry another loader of this execution environment cached.
      // The stage is named, not left to the default: the role may read AWSCURRENT only
      // (condition secretsmanager:VersionStage), and that key exists only when named.
      content = await provider.get(secretId, {
        transform: "json",
        maxAge: ttlSeconds,
        forceFetch: ttlSeconds === 0,
        sdkOptions: { VersionStage: CURRENT_STAGE },
      });
    } catch (error) {
      // JSON.parse's message quotes the start of the text it failed on: only the fact is kept.
      if (error instanceof TransformParameterError) throw new SecretFormatError(secretId, "invalid-json", functionNameOf(env));
      if (awsErrorCode(error) === "ResourceNotFoundException") return undefined;
      throw classifyFetchError(error, [secretId], "secretsmanager");
    }
    if (typeof content !== "object" || content === null || Array.isArray(content)) {
      refuse(new SecretFormatError(secretId, "not-an-object", functionNameOf(env)));
    }
    return content as Readonly<Record<string, unknown>>;
  }

  function valueOf(secret: S, content: Fetched): string {
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
      return (secret) => valueOf(secret, content);
    },
    clearCache() {
      provider.clearCache();
    },
  };
}
