/**
 * The project's own posture rules, cdk-nag style: one rule per file, named by its file, for
 * what neither Checkov nor Trivy checks on the synthesized JSON. Each says which scanner
 * checks come nearest and what they miss: the cross-check (`npm run test:scan`) breaks a
 * copy of the stack for every rule and shows the scanners passing it. A rule a scanner
 * comes to cover exactly is retired; `npm run scan` runs these beside the scanners.
 */
import type { StackJson } from "../terraform-json";

export type { Body, StackJson } from "../terraform-json";
export { resourcesOf } from "../terraform-json";
export { ruleIdOf } from "../../constructs/leak-guard/rule";

/** One thing a rule found wrong. */
export interface PostureFinding {
  /** Terraform address of the resource, e.g. `aws_kms_key.notifier-dev_Key_598EB60E`. */
  readonly address: string;
  /** What is wrong, in words. */
  readonly problem: string;
}

/** One posture rule. */
export interface PostureRule {
  /** The rule's file name, e.g. `lambda-tracing`: its id in scan tables and the skip list. */
  readonly id: string;
  /** What a resource must be, e.g. "every Lambda function traces actively with X-Ray". */
  readonly title: string;
  /** The threat the rule closes. */
  readonly why: string;
  /** The scanner checks nearest to this rule (`CKV_AWS_50`, `AWS-0066`). */
  readonly nearest: readonly string[];
  /** What those checks miss on synthesized JSON, as the cross-check shows it. */
  readonly scannerGap: string;
  /** Everything the rule finds wrong in one stack; empty when the stack meets it. */
  check(json: StackJson): PostureFinding[];
}
