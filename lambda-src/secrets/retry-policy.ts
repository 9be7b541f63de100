/**
 * How long the loader waits before it asks again, by what the failed attempt said.
 *
 * A throttle answer says the account's quota is spent: SSM's GetParameter* calls share 40 a
 * second per account and region (a token bucket holding one second of calls, refilled at that
 * rate), and every function of the account draws on it. The cold starts of a storm cannot tell
 * each other how many they are; what each knows is that the quota refills at 40 a second, so
 * m cold starts throttled together need m / 40 seconds of it, and a retry asked faster than
 * that is throttled again: a call spent for nothing, taken from the quota every other function
 * shares. So the first wait after a throttle is spread over a window of 1.75 s (from a tenth
 * of it to its end: 175 ms to 1.75 s), which 70 throttled cold starts fill at the quota's rate,
 * rather than bunched into a short one. A cold start throttled again has learned that the storm
 * outlasts that, and waits in the second half of a window of 3 s, doubled with each further
 * throttle in a row. The windows are at most a fifth (the first) and a third (the others) of
 * the read's budget and 20 s; when less time is left than the wait, the last attempt is made
 * just before the deadline.
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

/** The window after a first throttle, in ms: the wait is between a tenth of it and all of it. */
export const FIRST_THROTTLE_WINDOW_MS = 1750;
/** The window after a second throttle in a row, in ms, doubled for each further one: the wait is in its second half. */
export const NEXT_THROTTLE_WINDOW_MS = 3000;
/** The longest window, whatever the budget. */
export const MAX_THROTTLE_WINDOW_MS = 20_000;
/** The base of the full jitter after a 5xx or a network failure. */
export const TRANSIENT_BASE_DELAY_MS = 100;

/** Where the wait after a first throttle starts, and after a further one, as a fraction of the window. */
const FIRST_QUIET_FRACTION = 0.1;
const NEXT_QUIET_FRACTION = 0.5;

/**
 * The window after `throttles` throttles in a row (1 for the first): 1.75 s, at most a fifth of the budget; then 3 s
 * doubled per further throttle, at most a third of the budget; never over 20 s.
 */
export function throttleWindowMs(throttles: number, budgetMs: number): number {
  if (throttles <= 1) return Math.min(MAX_THROTTLE_WINDOW_MS, budgetMs / 5, FIRST_THROTTLE_WINDOW_MS);
  return Math.min(MAX_THROTTLE_WINDOW_MS, budgetMs / 3, NEXT_THROTTLE_WINDOW_MS * 2 ** (throttles - 2));
}

/**
 * The wait after `throttles` throttles in a row: from a tenth of the first window to its end, then in the second half
 * of each further window; at most `limitMs`.
 */
export function throttleDelayMs(throttles: number, budgetMs: number, random: number, limitMs: number): number {
  const window = throttleWindowMs(throttles, budgetMs);
  const quiet = throttles <= 1 ? FIRST_QUIET_FRACTION : NEXT_QUIET_FRACTION;
  return Math.floor(Math.min(limitMs, window * (quiet + random * (1 - quiet))));
}

/**
 * The wait before retry `retry` after a 5xx or a network failure: uniform below 100 ms * 2^retry, at most
 * `limitMs`.
 */
export function transientDelayMs(retry: number, random: number, limitMs: number): number {
  return Math.floor(random * Math.min(MAX_THROTTLE_WINDOW_MS, limitMs, TRANSIENT_BASE_DELAY_MS * 2 ** retry));
}

/**
 * The loader's policy: after a throttle, a wait in a window that grows with each throttle in a row seen by any call
 * of this policy, reset by any other answer.
 */
export function quotaAwareRetry(): RetryPolicy {
  let throttles = 0;
  return {
    delayMs({ kind, retry, budgetMs, roomMs, random }) {
      if (kind !== "throttled") return transientDelayMs(retry, random, Math.min(roomMs, budgetMs / 4));
      throttles += 1;
      return throttleDelayMs(throttles, budgetMs, random, roomMs);
    },
    answered() {
      throttles = 0;
    },
  };
}
