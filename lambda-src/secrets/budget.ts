/**
 * How long one read may take: the loader's budget (the `timeoutMs` option, else
 * SECRETS_LOADER_TIMEOUT_MS, which the construct sets from the function's timeout), and no
 * longer than the invocation has left when the handler passes its Lambda context.
 */
import { LOADER_TIMEOUT_ENV_VAR, loaderBudgetMs } from "../../constructs/loader-budget";
import { SecretsConfigError } from "./errors";
import type { Env } from "./source";

/** What the loader reads of a Lambda context: the handler's second argument. */
export interface InvocationContext {
  /** Milliseconds left before Lambda stops the invocation. */
  getRemainingTimeInMillis(): number;
}

/** The budget of one read when neither the option nor the variable sets one: that of the construct's default 10 s timeout. */
export const DEFAULT_TIMEOUT_MS = loaderBudgetMs(10_000);

/** The budget of one read, in ms, from the option or the variable; refuses anything but a whole number of ms > 0. */
export function resolveTimeoutMs(option: number | undefined, env: Env): number {
  const raw = env[LOADER_TIMEOUT_ENV_VAR];
  const timeout = option ?? (raw === undefined || raw === "" ? DEFAULT_TIMEOUT_MS : Number(raw));
  if (!Number.isInteger(timeout) || timeout <= 0) {
    const given = option === undefined ? `${LOADER_TIMEOUT_ENV_VAR}=${JSON.stringify(raw)}` : `timeoutMs=${option}`;
    throw new SecretsConfigError(option === undefined ? LOADER_TIMEOUT_ENV_VAR : "timeoutMs", `${given} is not a whole number of milliseconds > 0`);
  }
  return timeout;
}

/**
 * When a read that starts now must be over (ms since the epoch): after the budget, or
 * earlier when the invocation has less time left, keeping the same margin for the handler
 * as the construct keeps from the timeout.
 */
export function deadlineOf(timeoutMs: number, context: InvocationContext | undefined, now: number): number {
  const remaining = context?.getRemainingTimeInMillis();
  const budget = typeof remaining === "number" && Number.isFinite(remaining) ? Math.min(timeoutMs, loaderBudgetMs(remaining)) : timeoutMs;
  return now + budget;
}
