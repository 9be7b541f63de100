/**
 * The runtime loader's time budget and throughput arithmetic, shared by the construct (which
 * sets the budget from the function's timeout and warns at synth when a cold-start storm
 * cannot fit) and the loader (which takes the same margin from an invocation's remaining time).
 *
 * Like `naming.ts`, this module stays free of cdktf and AWS SDK imports: it is bundled into
 * every function.
 */

/**
 * The variable that carries the loader's budget for one read, in milliseconds: the construct sets it from the
 * function's timeout.
 */
export const LOADER_TIMEOUT_ENV_VAR = "SECRETS_LOADER_TIMEOUT_MS";

/**
 * How long the loader may spend on one read when `availableMs` remain (the function's timeout,
 * or an invocation's remaining time): all of it less a margin left to the handler's own work,
 * a tenth of it, at least 1 s and at most half. 10 s (the construct's default timeout) give 9 s;
 * 3 s give 2 s; 1 s gives 0.5 s.
 */
export function loaderBudgetMs(availableMs: number): number {
  const margin = Math.min(Math.max(availableMs / 10, 1000), availableMs / 2);
  return Math.max(0, Math.floor(availableMs - margin));
}

/**
 * SSM's default throughput: GetParameter, GetParameters and GetParametersByPath share 40
 * transactions per second per account and region (the higher throughput setting raises it,
 * and bills each call). Secrets Manager's GetSecretValue allows 10,000.
 */
export const SSM_DEFAULT_TRANSACTIONS_PER_SECOND = 40;

/** GetParameters accepts at most this many names per call. */
export const MAX_NAMES_PER_CALL = 10;

/**
 * The calls one cold start makes: one GetParameters per 10 SSM parameters; one GetSecretValue for a Secrets Manager
 * secret.
 */
export function callsPerColdStart(store: "ssm" | "secretsmanager", secrets: number): number {
  if (secrets === 0) return 0;
  return store === "ssm" ? Math.ceil(secrets / MAX_NAMES_PER_CALL) : 1;
}
