/**
 * What the loader asks of a store: fetch all of a function's secrets in one round (or
 * serve them from the provider's cache within the TTL), and forget them on demand. One
 * implementation per store: ssm-source.ts and secretsmanager-source.ts.
 */

/** A function's environment, or the `env` option that stands in for it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The value of one secret in a fetched set; throws a typed error when it is missing, unset or malformed. */
export type Lookup<S extends string> = (secret: S) => string;

/** A store's side of a loader. */
export interface SecretsSource<S extends string> {
  /** Fetches every secret of the loader, or serves them from the provider's cache within the TTL. */
  fetch(): Promise<Lookup<S>>;
  /** Forgets the cached values: the next fetch calls AWS. */
  clearCache(): void;
}

/** The function name the "how to set it" hints quote. */
export function functionNameOf(env: Env): string {
  return env.AWS_LAMBDA_FUNCTION_NAME ?? "<function>";
}
