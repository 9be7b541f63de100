/**
 * How long one read may take: the loader's budget (the `timeoutMs` option, else
 * SECRETS_LOADER_TIMEOUT_MS, which the construct sets from the function's timeout), and no
 * longer than the invocation has left when the handler passes its Lambda context.
 */
import { LOADER_TIMEOUT_ENV_VAR, loaderBudgetMs } from "../../common/loader-budget";
import { SecretsConfigError } from "./errors";
import type { Env } from "./source";

/** What the loader reads of a Lambda context: the handler's second argument. */
export interface InvocationContext {
  /** Milliseconds left before Lambda stops the invocation. */
  getRemainingTimeInMillis(): number;
}

/**
 * The budget of one read when neither the option nor the variable sets one: that of the construct's default 10 s
 * timeout.
 */
export const DEFAULT_TIMEOUT_MS = loaderBudgetMs(10_000);

/** The budget of one read, in ms, from the option or the variable; refuses anything but a whole number of ms > 0. */
export function resolveTimeoutMs(option: number | undefined, env: Env): number {
  const raw = env[LOADER_TIMEOUT_ENV_VAR];
  const timeout = option ?? (raw === undefined || raw === "" ? DEFAULT_TIMEOUT_MS : Number(raw));
  if (!Number.isInteger(timeout) || timeout <= 0) {
    const given = option === undefined ? `${LOADER_TIMEOUT_ENV_VAR}=${JSON.stringify(raw)}` : `timeoutMs=${option}`;
    throw new SecretsConfigError(
      option === undefined ? LOADER_TIMEOUT_ENV_VAR : "timeoutMs",
      `${given} is not a whole number of milliseconds > 0`,
    );
  }
  return timeout;
}

/** The time one read has: its length, and when it must be over. */
export interface Budget {
  /** How long the read may take, in ms: what its errors quote. */
  readonly budgetMs: number;
  /** When it must be over, in ms since the epoch. */
  readonly deadline: number;
}

/**
 * The budget of a read that starts `now`: the loader's, or less when the invocation has
 * less time left, keeping the same margin for the handler as the construct keeps from the timeout.
 */
export function budgetOf(timeoutMs: number, context: InvocationContext | undefined, now: number): Budget {
  const remaining = context?.getRemainingTimeInMillis();
  const budgetMs =
    typeof remaining === "number" && Number.isFinite(remaining)
      ? Math.min(timeoutMs, loaderBudgetMs(remaining))
      : timeoutMs;
  return { budgetMs, deadline: now + budgetMs };
}

/** The budget, cut to at most `ms` from `now`. */
export function atMost(budget: Budget, ms: number, now: number): Budget {
  return now + ms < budget.deadline ? { budgetMs: Math.min(budget.budgetMs, ms), deadline: now + ms } : budget;
}
