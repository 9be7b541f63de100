import { redact } from "../common/show";
import type { Fail } from "../common/values";

/**
 * What the construct's errors extend. jsii refuses an exported class whose base is `Error` (a
 * variable to its TypeScript); this base, which constructs/index.ts does not export, is a class to
 * it, and the errors are `@internal`: they stay in the TypeScript declarations and out of the
 * jsii assembly.
 */
export abstract class SecureLambdaError extends Error {}

/**
 * The one error raised for invalid SecureLambda input at synth time.
 * Its message names where (construct path), what (prop and value) and what is allowed;
 * it never carries a secret value.
 *
 * It extends `Error`, which jsii cannot carry to other languages: `@internal` keeps it out of the
 * jsii assembly (as aws-cdk does with its errors) and in the TypeScript declarations, so
 * TypeScript and JavaScript apps still catch it by class (`instanceof`) and read its fields.
 * Python, Java and Go apps receive the same message through their jsii runtime's error.
 *
 * @internal
 */
export class SecureLambdaValidationError extends SecureLambdaError {
  /** Construct path of the offending construct, e.g. `dev/notifier`. */
  readonly constructPath: string;
  /** Name of the offending prop, e.g. `memorySize`. */
  readonly prop: string;

  constructor(constructPath: string, prop: string, problem: string) {
    super(`${constructPath}: invalid ${prop}: ${problem}`);
    this.name = "SecureLambdaValidationError";
    this.constructPath = constructPath;
    this.prop = prop;
  }
}

/** One value the secret-leak guard refused: where it is and why, never what it is. */
export interface LeakFinding {
  /**
   * Terraform address (`aws_lambda_function.notifier_Function_1A2B3C4D`, `output.url`, `provider.aws`), or a deployed
   * file's path.
   */
  readonly address: string;
  /** Construct path of the resource. */
  readonly constructPath: string;
  /**
   * Environment variable name, the argument that holds a value (`value`, `value_wo`;
   * `secret_string`, `secret_string_wo`, `secret_binary`), the path of any other argument
   * (`tags.team`), or a file's name in the function's zip.
   */
  readonly variable: string;
  /** Ids of the rules that fired (each its file's name under `constructs/leak-guard/rules/`). */
  readonly rules: string[];
  /** What each rule found, in words that never include the value. */
  readonly problems: string[];
}

/**
 * Raised at synth time when a stack would put something secret-looking into
 * infrastructure code. Names the stack, resources and variables; never a value.
 *
 * It extends `Error`, which jsii cannot carry to other languages: `@internal` keeps it out of the
 * jsii assembly (as aws-cdk does with its errors) and in the TypeScript declarations, so
 * TypeScript and JavaScript apps still catch it by class (`instanceof`) and read its fields.
 * Python, Java and Go apps receive the same message through their jsii runtime's error.
 *
 * @internal
 */
export class SecretLeakError extends SecureLambdaError {
  /** Name of the stack that failed, e.g. `dev`. */
  readonly stackName: string;
  /** What the guard refused, one finding per value. */
  readonly findings: LeakFinding[];

  constructor(stackName: string, findings: LeakFinding[]) {
    // Every name is redacted: a token used as a construct id or a map key is not printed by its own refusal.
    const lines = findings.map((f) => {
      const where =
        f.constructPath === f.address ? redact(f.address) : `${redact(f.address)} (${redact(f.constructPath)})`;
      return `  - ${where}, variable ${redact(f.variable)}: ${f.problems.join("; ")} [${f.rules.join(", ")}]`;
    });
    super(
      [
        `secret-leak guard: stack "${stackName}" would put secrets into infrastructure code:`,
        ...lines,
        "Keep secret values out of the code: list the secret in SecureLambda's `secrets` (the function gets only the parameter's name) and set its value out of band with `npx --no secure-lambda set <stack> <function> <secret>`.",
        "If a value is deliberately not secret, declare that in code with a reason: SecureLambda's `allowLiteralEnvironment`, or SecretLeakGuard.allow(scope, { variable, reason }).",
      ].join("\n"),
    );
    this.name = "SecretLeakError";
    this.stackName = stackName;
    this.findings = findings;
  }
}

/** A failure function bound to a construct path: throws {@link SecureLambdaValidationError}. */
export function failAt(path: string): Fail {
  return (prop, problem) => {
    throw new SecureLambdaValidationError(path, prop, problem);
  };
}
