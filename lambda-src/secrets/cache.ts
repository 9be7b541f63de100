/**
 * The loader's cache and the rules of reading through it, in one place (as Powertools'
 * BaseProvider owns its cache): when a value is fresh, when a failed refresh may serve the
 * last good one instead, and when a value is forgotten. Each store (ssm-source.ts,
 * secretsmanager-source.ts) only fetches.
 */
import { inBatches } from "../../common/values";
import { atMost, type Budget } from "./budget";
import { mayServeStale } from "./classify-error";

/** How a loader uses the cache. */
export interface CachePolicy {
  /** How long a fetched value is served without a call, in seconds; 0 keeps nothing at all. */
  readonly ttlSeconds: number;
  /**
   * How long after the TTL a refresh that AWS throttled, failed (5xx) or could not answer may serve the last good
   * value, in seconds.
   */
  readonly staleIfErrorSeconds: number;
}

/** One read of the loader's secrets, and the time it has. */
export interface Read extends Budget {
  /** Fetch every key again, fresh or not, and serve nothing stale: a refresh on rejection. */
  readonly force: boolean;
}

// A refresh that has a last good value to fall back on is given at most this much of the
// budget (the invocation should not wait out an outage for a value it already has), and
// after it failed the last good value is served without a call for this long, so that an
// execution environment asks a throttled service at most once per interval.
const STALE_REFRESH_BUDGET_MS = 1000;
const STALE_HOLD_MS = 10_000;

interface Entry<V> {
  readonly value: V;
  readonly fetchedAt: number;
  /** Served as fresh until then (ms), after a failed refresh served it. */
  readonly heldUntil: number;
}

/**
 * Values by key with the time they were fetched. One cache per store is shared by every
 * loader of an execution environment (warm invocations reuse it); each loader reads it with
 * its own policy. Date.now() is the clock.
 */
export class SecretsCache<V> {
  readonly #entries = new Map<string, Entry<V>>();

  /**
   * The value of `key` if it was fetched less than the TTL ago (never with TTL 0), or is held after a failed refresh.
   */
  fresh(key: string, policy: CachePolicy): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry || policy.ttlSeconds === 0) return undefined;
    const now = Date.now();
    return now - entry.fetchedAt < policy.ttlSeconds * 1000 || now < entry.heldUntil ? entry.value : undefined;
  }

  /** The entry a failed refresh of `key` may serve: fetched less than the TTL plus the stale window ago. */
  lastGood(key: string, policy: CachePolicy): Entry<V> | undefined {
    const entry = this.#entries.get(key);
    if (!entry || policy.ttlSeconds === 0) return undefined;
    return Date.now() - entry.fetchedAt < (policy.ttlSeconds + policy.staleIfErrorSeconds) * 1000 ? entry : undefined;
  }

  /** Keeps `value` as fetched now; a TTL of 0 keeps nothing. */
  set(key: string, value: V, policy: CachePolicy): void {
    if (policy.ttlSeconds > 0) this.#entries.set(key, { value, fetchedAt: Date.now(), heldUntil: 0 });
  }

  /** Serves the entry as fresh until `until` (ms), after a failed refresh. */
  hold(key: string, until: number): void {
    const entry = this.#entries.get(key);
    if (entry) this.#entries.set(key, { ...entry, heldUntil: until });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** What {@link readThrough} needs of a store. */
export interface ReadThrough<V> {
  readonly cache: SecretsCache<V>;
  readonly policy: CachePolicy;
  /** How many keys one call fetches at most. */
  readonly batchSize: number;
  /** Fetches one batch: the value of each key, undefined for one that does not exist; throws a typed error. */
  fetchBatch(keys: readonly string[], budget: Budget): Promise<ReadonlyMap<string, V | undefined>>;
  /**
   * Whether a fetched value may be kept: a placeholder may not, so that it is never served once the real value is set.
   */
  keep(value: V): boolean;
  /** The keys as the stale warning names them, e.g. `SSM parameters /fn/a, /fn/b`: names only. */
  describe(keys: readonly string[]): string;
}

/**
 * The value of every key: fresh ones from the cache, the others fetched in batches of
 * `batchSize`, in parallel, and kept. A batch whose refresh fails because AWS throttled,
 * failed or could not be reached serves its keys' last good values instead, while every key
 * has one within the stale window, with one warning line that names the keys (never a
 * value). Any other failure (a refusal by IAM or KMS, a bad request) forgets those keys, so
 * that no later failure can mask it with an old value, and is thrown.
 */
export async function readThrough<V>(
  keys: readonly string[],
  read: Read,
  through: ReadThrough<V>,
): Promise<Map<string, V | undefined>> {
  const { cache, policy } = through;
  const values = new Map<string, V | undefined>();
  const missing: string[] = [];
  for (const key of keys) {
    const value = read.force ? undefined : cache.fresh(key, policy);
    if (value === undefined) missing.push(key);
    else values.set(key, value);
  }
  const batches = await Promise.all(
    inBatches(missing, through.batchSize).map((batch) => readBatch(batch, read, through)),
  );
  for (const batch of batches) for (const [key, value] of batch) values.set(key, value);
  return values;
}

async function readBatch<V>(
  keys: readonly string[],
  read: Read,
  through: ReadThrough<V>,
): Promise<ReadonlyMap<string, V | undefined>> {
  const { cache, policy } = through;
  const fallback = read.force ? [] : keys.map((key) => cache.lastGood(key, policy));
  const canFallBack = fallback.length > 0 && fallback.every((entry) => entry !== undefined);
  const budget = canFallBack ? atMost(read, STALE_REFRESH_BUDGET_MS, Date.now()) : read;
  try {
    const fetched = await through.fetchBatch(keys, budget);
    for (const key of keys) {
      const value = fetched.get(key);
      // A value that is gone or became the placeholder is forgotten, never left to be served stale.
      if (value !== undefined && through.keep(value)) cache.set(key, value, policy);
      else cache.delete(key);
    }
    return fetched;
  } catch (error) {
    if (!canFallBack || !mayServeStale(error)) {
      if (!mayServeStale(error)) for (const key of keys) cache.delete(key);
      throw error;
    }
    const now = Date.now();
    const oldest = Math.min(...fallback.map((entry) => entry!.fetchedAt));
    const windowEnd = oldest + (policy.ttlSeconds + policy.staleIfErrorSeconds) * 1000;
    for (const key of keys) cache.hold(key, Math.min(now + STALE_HOLD_MS, windowEnd));
    console.warn(
      `secure-lambda: serving the last good values of ${through.describe(keys)}, fetched ${Math.round((now - oldest) / 1000)} s ago: ` +
        `the refresh failed (${(error as Error).name}); they are served for at most ${Math.round((windowEnd - now) / 1000)} s more`,
    );
    return new Map(keys.map((key, i) => [key, fallback[i]!.value]));
  }
}
