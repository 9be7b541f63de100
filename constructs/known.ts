/** Whether a prop is known at synth, shared by every check of SecureLambda's props. */
import { Token } from "./tf";
import type { Fail } from "./values";

/** True for a value Terraform resolves only at plan time: a variable, a reference, a function call. */
export function isUnresolved(value: unknown): boolean {
  return Token.isUnresolved(value);
}

/**
 * Throws when `value` is a token: `prop` decides what the construct makes (a bundle, a
 * resource, a statement), so it must be known at synth.
 */
export function requireKnown(fail: Fail, prop: string, value: unknown, because: string): void {
  if (isUnresolved(value)) fail(prop, `a Terraform reference or variable, known only at plan: ${prop} must be known at synth, since ${because}`);
}
