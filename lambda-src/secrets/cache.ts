/**
 * Values kept for a time-to-live, by key. One cache per store is shared by every loader of
 * an execution environment (warm invocations reuse it); a loader given its own `fetch`
 * gets its own cache, so that what one fake answered never reaches another.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly expiresAt: number }>();

  /** The value of `key` if it was set less than its TTL ago; Date.now() is the clock. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (Date.now() < entry.expiresAt) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keeps `value` for `ttlSeconds`; a TTL of 0 keeps nothing. */
  set(key: string, value: V, ttlSeconds: number): void {
    if (ttlSeconds > 0) this.#entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}
