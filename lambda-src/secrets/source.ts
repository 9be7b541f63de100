/**
 * What the loader asks of a store: read all of a function's secrets in one round, through
 * the cache (cache.ts owns its rules), and forget them on demand. One implementation per
 * store: ssm-source.ts and secretsmanager-source.ts.
 */
import type { AwsCallContext } from "./aws-json";
import type { CachePolicy, Read } from "./cache";

/** A function's environment, or the `env` option that stands in for it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The value of one secret in a fetched set; throws a typed error when it is missing, unset or malformed. */
export type Lookup<S extends string> = (secret: S) => string;

/** A store's side of a loader. */
export interface SecretsSource<S extends string> {
  /** Reads every secret of the loader: from the cache within the TTL, else from AWS before the read's deadline. */
  fetch(read: Read): Promise<Lookup<S>>;
  /** Forgets the cached values: the next fetch calls AWS. */
  clearCache(): void;
}

/** What a store's source is made of. */
export interface SourceOptions<S extends string> {
  /** The secrets the loader reads. */
  readonly secrets: readonly S[];
  /** How the store's AWS calls are sent. */
  readonly call: AwsCallContext;
  /** A cache of the loader's own instead of the one per execution environment (a loader given its own `send`). */
  readonly ownCache: boolean;
  readonly policy: CachePolicy;
  /** Where `<SECRET>_PARAM_NAME`, SECRETS_MANAGER_SECRET_ID and AWS_LAMBDA_FUNCTION_NAME are read. */
  readonly env: Env;
}

/** The function name the "how to set it" hints quote. */
export function functionNameOf(env: Env): string {
  return env.AWS_LAMBDA_FUNCTION_NAME ?? "<function>";
}
