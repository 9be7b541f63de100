import type { IConstruct } from "constructs";
import { SecretLeakError, SecureLambdaValidationError, type LeakFinding } from "../errors";
import { Annotations, Aspects, TerraformStack, type IAspect } from "../tf";
import { collectGuardedValues } from "./collect";
import type { LeakRule } from "./rule";
import { guardThroughStackSynthesis, isOwnCopy } from "./other-copy";
import { DEFAULT_LEAK_RULES } from "./rules";

/** A deliberate exception: this variable (or parameter argument) may hold a literal. */
export interface LeakException {
  /**
   * Environment variable name, `value`/`value_wo` for an SSM parameter, or
   * `secret_string`/`secret_string_wo`/`secret_binary` for a Secrets Manager secret version.
   */
  readonly variable: string;
  /** Why the literal is not a secret; shown in the synth output. Required. */
  readonly reason: string;
}

const exceptions = new WeakMap<IConstruct, LeakException[]>();

/**
 * Fails synthesis when a stack would put a secret into infrastructure code: a
 * secret-looking literal in any Lambda function's environment (SecureLambda's or not),
 * a SecureString parameter or a Secrets Manager secret version holding anything but the
 * placeholder, or a literal in a variable named like a secret.
 *
 * It runs as an Aspect on the stack, so every way of synthesizing runs it: `app.synth()`,
 * `cdktf synth`, `Testing.synth(stack)` and `Testing.fullSynth(stack)` (cdktf calls
 * aspects before validations, which `Testing.synth` skips by default). It throws
 * {@link SecretLeakError} itself rather than adding an error annotation, so the error
 * keeps its type. Mostly literal text is judged; references (`${...}`) are not values,
 * except where Terraform resolves them into the plan and the state (a SecureString's
 * `value`, a secret version's `secret_string` and `secret_binary`).
 */
export class SecretLeakGuard implements IAspect {
  private static readonly shared = new SecretLeakGuard();

  /**
   * Registers the guard on the stack of `scope`, once however often it is called.
   * cdktf applies aspects per stack (an aspect on the App never runs), so each stack
   * needs its own registration; SecureLambda and EnvironmentStack call this. A stack built
   * with another copy of cdktf (whose aspects this copy cannot reach) runs the guard from its
   * own `toTerraform()` instead, and synth warns about the two copies; if even that hook
   * cannot be installed, this throws {@link DuplicateCdktfError}.
   */
  static protect(scope: IConstruct): void {
    const stack = TerraformStack.of(scope);
    // A stack of another copy of cdktf never sees this copy's aspects: hook its synthesis instead.
    if (!isOwnCopy(stack)) {
      guardThroughStackSynthesis(stack, (s) => SecretLeakGuard.shared.visit(s));
      return;
    }
    const aspects = Aspects.of(stack);
    if (!aspects.all.includes(SecretLeakGuard.shared)) aspects.add(SecretLeakGuard.shared);
  }

  /**
   * Declares, visibly in code, that `variable` of the resources under `scope` (a
   * function, a SecureLambda, a parameter) may hold a literal the rules would refuse.
   */
  static allow(scope: IConstruct, exception: LeakException): void {
    const variable: unknown = exception?.variable;
    const reason: unknown = exception?.reason;
    if (typeof variable !== "string" || variable === "") {
      throw new SecureLambdaValidationError(scope.node.path, "variable", `${JSON.stringify(variable)}: name the variable the exception is for`);
    }
    if (typeof reason !== "string" || reason.trim().length === 0) {
      throw new SecureLambdaValidationError(scope.node.path, "reason", `the exception for ${variable} needs a reason: say why its value is not a secret`);
    }
    exceptions.set(scope, [...(exceptions.get(scope) ?? []), { variable, reason }]);
    Annotations.of(scope).addInfo(`secret-leak guard: ${variable} may hold a literal: ${reason}`);
  }

  constructor(private readonly rules: readonly LeakRule[] = DEFAULT_LEAK_RULES) {}

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const findings = inspectStack(node, this.rules);
    if (findings.length > 0) throw new SecretLeakError(node.node.id, findings);
  }
}

/** Runs the rules over every function environment, parameter value and secret version value of the stack. */
export function inspectStack(stack: TerraformStack, rules: readonly LeakRule[] = DEFAULT_LEAK_RULES): LeakFinding[] {
  const findings: LeakFinding[] = [];
  for (const { resource, values } of collectGuardedValues(stack)) {
    for (const value of values) {
      if (isExcepted(resource, value.variable)) continue;
      const fired = rules.map((rule) => [rule.id, rule.check(value)] as const).filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
      if (fired.length === 0) continue;
      findings.push({
        address: value.address,
        constructPath: value.constructPath,
        variable: value.variable,
        rules: fired.map(([id]) => id),
        problems: fired.map(([, problem]) => problem),
      });
    }
  }
  return findings;
}

function isExcepted(resource: IConstruct, variable: string): boolean {
  return resource.node.scopes.some((scope) => exceptions.get(scope)?.some((e) => e.variable === variable));
}
