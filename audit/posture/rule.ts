/**
 * Posture rules, cdk-nag style: each names the scanner rules it stands for (Checkov's
 * `CKV_*`, Trivy's `AVD-*`), says why it exists, and checks the synthesized Terraform JSON,
 * so what Checkov and Trivy would say is known before anything is applied.
 */
import type { StackJson } from "../terraform-json";

export type { Body, StackJson } from "../terraform-json";
export { resourcesOf } from "../terraform-json";

/** One thing a rule found wrong. */
export interface PostureFinding {
  /** Terraform address of the resource, e.g. `aws_kms_key.notifier-dev_Key_598EB60E`. */
  readonly address: string;
  /** What is wrong, in words. */
  readonly problem: string;
}

/** One posture rule. */
export interface PostureRule {
  /** The scanner rule ids it stands for, e.g. `["CKV_AWS_7", "AVD-AWS-0065"]`. */
  readonly ids: readonly string[];
  /** What a resource must be, e.g. "every KMS key rotates". */
  readonly title: string;
  /** The threat the rule closes. */
  readonly why: string;
  /** Set when the rule is opt-in: the reason it is not enforced by default. */
  readonly optIn?: string;
  /** Everything the rule finds wrong in one stack; empty when the stack meets it. */
  check(json: StackJson): PostureFinding[];
}
