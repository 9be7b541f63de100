/**
 * How long the loader waits before it asks again, by what the failed attempt said.
 *
 * A throttle answer says the account's quota is spent: SSM's GetParameter* calls share 40 a
 * second per account and region (a token bucket holding one second of calls, refilled at that
 * rate), and every function of the account draws on it. An attempt made before the bucket has
 * refilled is wasted and spends nothing but the caller's time and the service's patience; one
 * made after it waited lets a token accumulate that another cold start would otherwise take in
 * a throttled call. So after a throttle the loader stays quiet for at least half of a window
 * (the bucket refills meanwhile), then asks at a random moment in the other half, spreading the
 * storm's retries over time. Each further throttle in a row doubles the window (750 ms, 1.5 s,
 * 3 s, ...) up to a quarter of the read's budget (at most 20 s), never past the deadline: a
 * storm's cold starts cannot tell each other how many they are, but each one that keeps being
 * throttled learns that they are many, and backs off in proportion.
 *
 * A 5xx answer or a network failure says nothing about the quota: it is retried sooner, after
 * a random wait below 100 ms * 2^n (full jitter, as the SDKs' standard mode).
 *
 * What one execution environment learns, all its calls share: one {@link RetryPolicy} per
 * process (per loader given its own `send`), so a function reading 25 SSM parameters in three
 * calls counts the throttles of all three.
 */

/** Why an attempt failed, as far as waiting goes: the quota is spent; AWS failed (a 5xx); no answer came. */
export type RetryableKind = "throttled" | "transient" | "network";

/** What a policy knows of one failed attempt. */
export interface FailedAttempt {
  readonly kind: RetryableKind;
  /** 0 before the call's first retry, 1 before its second, ... */
  readonly retry: number;
  /** The budget of the whole call, in ms. */
  readonly budgetMs: number;
  /** The longest wait that still leaves time for an attempt before the deadline, in ms (> 0). */
  readonly roomMs: number;
  /** A random number in [0, 1): the jitter. */
  readonly random: number;
}

/** Decides the waits between attempts; may remember what the calls of one process saw. */
export interface RetryPolicy {
  /** The wait before the next attempt, in ms: at most `roomMs`. */
  delayMs(failure: FailedAttempt): number;
  /** An attempt got an answer other than a throttle or a 5xx: the quota was not spent then. */
  answered(): void;
}

/** The first window after a throttle, in ms: the wait is between half of it and all of it. */
export const FIRST_THROTTLE_WINDOW_MS = 750;
/** The longest window, whatever the budget. */
export const MAX_THROTTLE_WINDOW_MS = 20_000;
/** The base of the full jitter after a 5xx or a network failure. */
export const TRANSIENT_BASE_DELAY_MS = 100;

/**
 * The window after `throttles` throttles in a row (1 for the first): 750 ms doubled per further throttle, at most a
 * quarter of the budget and 20 s.
 */
export function throttleWindowMs(throttles: number, budgetMs: number): number {
  return Math.min(MAX_THROTTLE_WINDOW_MS, budgetMs / 4, FIRST_THROTTLE_WINDOW_MS * 2 ** Math.max(0, throttles - 1));
}

/**
 * The wait before retry `retry` after a 5xx or a network failure: uniform below 100 ms * 2^retry, at most
 * `limitMs`.
 */
export function transientDelayMs(retry: number, random: number, limitMs: number): number {
  return Math.floor(random * Math.min(MAX_THROTTLE_WINDOW_MS, limitMs, TRANSIENT_BASE_DELAY_MS * 2 ** retry));
}

/**
 * The loader's policy: after a throttle, a wait in the second half of a window that doubles with
 * each throttle in a row seen by any call of this policy, reset by any other answer.
 */
export function quotaAwareRetry(): RetryPolicy {
  let throttles = 0;
  return {
    delayMs({ kind, retry, budgetMs, roomMs, random }) {
      if (kind !== "throttled") return transientDelayMs(retry, random, Math.min(roomMs, budgetMs / 4));
      throttles += 1;
      const window = Math.min(roomMs, throttleWindowMs(throttles, budgetMs));
      return Math.floor(window / 2 + (random * window) / 2);
    },
    answered() {
      throttles = 0;
    },
  };
}
