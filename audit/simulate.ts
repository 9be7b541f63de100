/** Evaluates a check with a real IAM policy engine, `@cloud-copilot/iam-simulate`. */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { Check, Expectation } from "./checks/check";
import { standInContext, standInPolicy } from "./encryption-context";

/** A check and what the engine made of it. */
export interface CheckResult {
  readonly check: Check;
  /** What the engine decided, or `error` when it could not evaluate the request. */
  readonly result: Expectation | "error";
  /** True when the result is the expectation. */
  readonly ok: boolean;
  /** Why an `error` is one: invalid policy, or context keys the engine ignored. */
  readonly error?: string;
}

/**
 * Evaluates one check. A request whose context keys the engine ignored is an `error`,
 * never a result: a condition evaluated without its key does not say what AWS would do.
 */
export async function evaluate(check: Check): Promise<CheckResult> {
  if (check.decided !== undefined) return { check, result: check.decided, ok: check.decided === check.expected };
  const { request } = check;
  const outcome = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: standInContext(request.context),
      },
      identityPolicies: check.identityPolicies.map((policy) => ({
        name: policy.name,
        policy: standInPolicy(policy.document),
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: check.resourcePolicy === undefined ? undefined : standInPolicy(check.resourcePolicy),
    },
    {},
  );
  if (outcome.resultType === "error") return { check, result: "error", ok: false, error: outcome.errors.message };
  const ignored =
    outcome.resultType === "single"
      ? (outcome.result.ignoredContextKeys ?? [])
      : outcome.results.flatMap((r) => r.ignoredContextKeys ?? []);
  if (ignored.length > 0)
    return { check, result: "error", ok: false, error: `the engine ignored the context keys ${ignored.join(", ")}` };
  const result: Expectation = outcome.overallResult === "Allowed" ? "allowed" : "denied";
  return { check, result, ok: result === check.expected };
}
