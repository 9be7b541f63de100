/** The posture rule pack: what Checkov and Trivy check on the resources the stacks create. */
import type { PostureFinding, PostureRule } from "./rule";
import type { StackJson } from "../terraform-json";
import { functionUrlIamAuthRule } from "./rules/function-url-iam-auth";
import { iamNoWildcardActionRule } from "./rules/iam-no-wildcard-action";
import { iamScopedResourcesRule } from "./rules/iam-scoped-resources";
import { iamTrustNoWildcardRule } from "./rules/iam-trust-no-wildcard";
import { kmsKeyEnabledRule } from "./rules/kms-key-enabled";
import { kmsKeyNoWildcardPrincipalRule } from "./rules/kms-key-no-wildcard-principal";
import { kmsKeyPolicyDefinedRule } from "./rules/kms-key-policy-defined";
import { kmsKeyRotationRule } from "./rules/kms-key-rotation";
import { lambdaCodeSigningRule } from "./rules/lambda-code-signing";
import { lambdaDeadLetterRule } from "./rules/lambda-dead-letter";
import { lambdaEnvironmentEncryptedRule } from "./rules/lambda-environment-encrypted";
import { lambdaInVpcRule } from "./rules/lambda-in-vpc";
import { lambdaNoAwsKeysRule } from "./rules/lambda-no-aws-keys";
import { lambdaReservedConcurrencyRule } from "./rules/lambda-reserved-concurrency";
import { lambdaRuntimeSupportedRule } from "./rules/lambda-runtime-supported";
import { lambdaTracingRule } from "./rules/lambda-tracing";
import { logGroupEncryptedRule } from "./rules/log-group-encrypted";
import { logGroupRetentionRule } from "./rules/log-group-retention";
import { sqsEncryptedRule } from "./rules/sqs-encrypted";
import { sqsNotDefaultKeyRule } from "./rules/sqs-not-default-key";
import { ssmCustomerKeyRule } from "./rules/ssm-customer-key";
import { ssmSecureStringRule } from "./rules/ssm-secure-string";

export type { PostureFinding, PostureRule } from "./rule";

/** Every posture rule; those with `optIn` set are not met by default, and say why. */
export const POSTURE_RULES: readonly PostureRule[] = [
  kmsKeyRotationRule,
  kmsKeyNoWildcardPrincipalRule,
  kmsKeyEnabledRule,
  kmsKeyPolicyDefinedRule,
  logGroupRetentionRule,
  logGroupEncryptedRule,
  lambdaTracingRule,
  lambdaEnvironmentEncryptedRule,
  lambdaReservedConcurrencyRule,
  lambdaDeadLetterRule,
  lambdaInVpcRule,
  lambdaCodeSigningRule,
  lambdaRuntimeSupportedRule,
  lambdaNoAwsKeysRule,
  functionUrlIamAuthRule,
  iamTrustNoWildcardRule,
  iamNoWildcardActionRule,
  iamScopedResourcesRule,
  ssmSecureStringRule,
  ssmCustomerKeyRule,
  sqsEncryptedRule,
  sqsNotDefaultKeyRule,
];

/** Runs every rule on one stack; opt-in rules too (callers decide what an opt-in finding means). */
export function checkPosture(json: StackJson): Array<{ rule: PostureRule; findings: PostureFinding[] }> {
  return POSTURE_RULES.map((rule) => ({ rule, findings: rule.check(json) }));
}
