import * as path from "node:path";
import type { TemplateReading } from "./expression";

/**
 * What a value sits in: a function's environment variable, a function's environment that is not a
 * literal map, an SSM parameter's value argument, a Secrets Manager secret version's value
 * argument, any other string of the stack (an argument, a tag, an output, a provider setting, a
 * map key), a file the stack deploys (an asset, a file named by `filename` or `source`, or a file
 * inside either, to the bottom), or such a file the guard cannot read (its `value` says why).
 */
export type GuardedValueKind =
  | "environment-variable"
  | "environment-block"
  | "parameter-value"
  | "secret-version-value"
  | "literal"
  | "code"
  | "unreadable-file";

/** One string of the stack the guard judges, as Terraform will see it. */
export interface GuardedValue {
  /**
   * Terraform resource type (`aws_lambda_function`), or the kind of block (`output`, `provider`, `variable`, `locals`,
   * `terraform`, `asset`).
   */
  readonly resourceType: string;
  /**
   * Terraform address (`aws_lambda_function.notifier_Function_1A2B3C4D`, `output.url`, `provider.aws`), or a file's
   * path in the stack directory.
   */
  readonly address: string;
  /** Construct path of the resource (`dev/notifier/Function`), or the address when cdktf recorded none. */
  readonly constructPath: string;
  /**
   * Environment variable name; the parameter's argument (`value`, `value_wo`, `insecure_value`) or
   * the secret version's (`secret_string`, `secret_string_wo`, `secret_binary`); the path of any
   * other argument inside its block (`tags.team`, `default_tags[0].tags.owner`); a file's name in its zip.
   */
  readonly variable: string;
  readonly kind: GuardedValueKind;
  /** For parameters: `String`, `StringList`, or `SecureString` (also for a type given as a reference). */
  readonly parameterType?: string;
  /** The string as written; `${...}` parts are Terraform expressions, the rest is literal text. */
  readonly value: string;
  /** What the expression pass found in it: every literal, the value when known at synth. */
  readonly reading: TemplateReading;
  /** The value SecureLambda itself wrote here (a `<SECRET>_PARAM_NAME`, its placeholder JSON), if it did. */
  readonly written?: string;
  /** For a deployed file: its bytes (judged as each runtime stores strings). */
  readonly data?: Buffer;
  /** For a deployed file: its path in the stack directory, and inside it (`layer.zip!/lib/app.jar!/app.properties`). */
  readonly file?: string;
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
