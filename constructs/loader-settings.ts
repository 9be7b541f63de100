/**
 * What the construct tells the runtime loader, and warns about, from the function's
 * timeout: the loader's time budget (SECRETS_LOADER_TIMEOUT_MS), and whether a cold-start
 * storm of the function's reserved concurrency fits in SSM's default throughput.
 */
import type { Construct } from "constructs";
import {
  callsPerColdStart,
  LOADER_TIMEOUT_ENV_VAR,
  loaderBudgetMs,
  SSM_DEFAULT_TRANSACTIONS_PER_SECOND,
} from "../common/loader-budget";
import type { SecretStore } from "../common/naming";
import { isNodeRuntime } from "./runtimes";
import { Annotations, Token } from "./tf";

/** What {@link loaderVariables} and {@link warnIfStormCannotFit} read of the settings. */
export interface LoaderSettings {
  readonly secrets: readonly string[];
  readonly store: SecretStore;
  /** The function's timeout, in seconds (a token when known only at plan). */
  readonly timeout: number;
  readonly reservedConcurrentExecutions?: number;
  /** The user's own variables: a SECRETS_LOADER_TIMEOUT_MS set there is the user's choice, and stays. */
  readonly environment: Readonly<Record<string, string>>;
  /** The function's runtime: only Node.js runs the TypeScript loader that reads the budget. */
  readonly runtime: string;
}

/**
 * The loader's budget for the function's environment: its timeout less the margin left to
 * the handler (10 s give 9000 ms). Only for a function with secrets (without them there is
 * no loader, and no environment to add), and only when the timeout is known at synth (the
 * loader then falls back on its default, and on the invocation's remaining time when the
 * handler passes its context). Not for another runtime: its code reads the secrets with its
 * own language's library, which knows no such variable.
 */
export function loaderVariables(settings: LoaderSettings): Record<string, string> {
  if (
    !isNodeRuntime(settings.runtime) ||
    settings.secrets.length === 0 ||
    Token.isUnresolved(settings.timeout) ||
    LOADER_TIMEOUT_ENV_VAR in settings.environment
  )
    return {};
  return { [LOADER_TIMEOUT_ENV_VAR]: String(loaderBudgetMs(settings.timeout * 1000)) };
}

/**
 * Warns at synth when the function's reserved concurrency, all cold-starting at once, needs
 * more GetParameters calls than SSM's default 40 per second serve within its timeout: the
 * last cold starts would then fail with SecretsThrottledError, the other functions of the
 * account and region sharing that quota too.
 */
export function warnIfStormCannotFit(scope: Construct, settings: LoaderSettings): void {
  const { reservedConcurrentExecutions: concurrency, timeout } = settings;
  if (
    settings.store !== "ssm" ||
    concurrency === undefined ||
    Token.isUnresolved(concurrency) ||
    Token.isUnresolved(timeout)
  )
    return;
  const calls = callsPerColdStart("ssm", settings.secrets.length);
  const served = SSM_DEFAULT_TRANSACTIONS_PER_SECOND * timeout;
  if (concurrency * calls <= served) return;
  Annotations.of(scope).addWarning(
    `${concurrency} reserved concurrent executions x ${calls} GetParameters call(s) per cold start = ${concurrency * calls} calls, ` +
      `more than SSM's default ${SSM_DEFAULT_TRANSACTIONS_PER_SECOND} calls per second serve within the ${timeout} s timeout (${served}), ` +
      `shared with every other GetParameter* caller of the account and region: a storm of cold starts would end in SecretsThrottledError. ` +
      `Ways out: store "secretsmanager" (GetSecretValue serves 10,000 per second), SSM's higher throughput setting (billed per call), ` +
      `fewer secrets per function (10 per call), or a longer timeout`,
  );
}
