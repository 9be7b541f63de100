import * as path from "node:path";

/**
 * What a value sits in: a function's environment, an SSM parameter's value argument, or a
 * Secrets Manager secret version's value argument.
 */
export type GuardedValueKind = "environment-variable" | "parameter-value" | "secret-version-value";

/** One string of a resource the guard judges, as Terraform will see it. */
export interface GuardedValue {
  /** Terraform resource type, e.g. `aws_lambda_function`. */
  readonly resourceType: string;
  /** Terraform address, e.g. `aws_lambda_function.notifier_Function_1A2B3C4D`. */
  readonly address: string;
  /** Construct path of the resource, e.g. `dev/notifier/Function`. */
  readonly constructPath: string;
  /**
   * Environment variable name, the parameter's argument (`value`, `value_wo`, `insecure_value`),
   * or the secret version's (`secret_string`, `secret_string_wo`, `secret_binary`).
   */
  readonly variable: string;
  readonly kind: GuardedValueKind;
  /** For parameters: `SecureString`, `String` or `StringList`. */
  readonly parameterType?: string;
  /** The resolved string; `${...}` parts are Terraform references, the rest is literal text. */
  readonly value: string;
}

/**
 * One leak rule, shaped as a posture rule (`audit/posture/rule.ts`) and cdk-nag's: an id
 * that is its file's name, what a value must be, why, and the check.
 */
export interface LeakRule {
  /** The rule's file name, e.g. `known-token-format`: its stable id in errors and findings. */
  readonly id: string;
  /** What a guarded value must be, e.g. "no literal in a known credential format". */
  readonly title: string;
  /** The threat the rule closes. */
  readonly why: string;
  /** What is wrong with the value, in words that never include it; undefined when it passes. */
  check(value: GuardedValue): string | undefined;
}

/**
 * A rule's id: the name of the file that defines it (cdk-nag's convention), so an id in an
 * error leads straight to its rule. Leak rules and posture rules both take it from `__filename`.
 */
export function ruleIdOf(file: string): string {
  return path.parse(file).name;
}
