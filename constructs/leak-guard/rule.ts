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
 * One leak rule, cdk-nag style: a name, why it exists, and the check.
 * `check` returns what is wrong in words that never include the value, or undefined.
 */
export interface LeakRule {
  /** Short, stable id shown in errors, e.g. `known-token-format`. */
  readonly name: string;
  /** The threat the rule closes. */
  readonly why: string;
  check(value: GuardedValue): string | undefined;
}
