/**
 * The project's own posture rules: only what Checkov and Trivy miss on these resources
 * (each rule says what, and the cross-check in `__tests__/scan/` shows it). The scanners
 * run beside them in `npm run scan` (`audit/scan/`), the one posture path.
 */
import type { StackJson } from "../terraform-json";
import type { PostureFinding, PostureRule } from "./rule";
import { iamNoWildcardActionRule } from "./rules/iam-no-wildcard-action";
import { iamScopedResourcesRule } from "./rules/iam-scoped-resources";
import { kmsKeyNoWildcardPrincipalRule } from "./rules/kms-key-no-wildcard-principal";
import { lambdaReservedConcurrencyRule } from "./rules/lambda-reserved-concurrency";
import { lambdaRuntimeSupportedRule } from "./rules/lambda-runtime-supported";
import { lambdaTracingRule } from "./rules/lambda-tracing";
import { ssmCustomerKeyRule } from "./rules/ssm-customer-key";

export type { PostureFinding, PostureRule } from "./rule";

/** Every posture rule. */
export const POSTURE_RULES: readonly PostureRule[] = [
  kmsKeyNoWildcardPrincipalRule,
  lambdaTracingRule,
  lambdaReservedConcurrencyRule,
  lambdaRuntimeSupportedRule,
  iamNoWildcardActionRule,
  iamScopedResourcesRule,
  ssmCustomerKeyRule,
];

/** Runs every rule on one stack. */
export function checkPosture(json: StackJson): Array<{ rule: PostureRule; findings: PostureFinding[] }> {
  return POSTURE_RULES.map((rule) => ({ rule, findings: rule.check(json) }));
}
