import { AwsProvider, TerraformStack } from "./tf";
import type { Construct } from "constructs";

const found = new WeakMap<TerraformStack, AwsProvider>();

/**
 * The stack's default `aws` provider (the one without an alias), if the stack has one. Found once
 * per stack: a thousand functions asking for it must not walk the stack a thousand times. A stack
 * without one yet is walked again when asked again (its provider may come later).
 */
export function defaultAwsProvider(scope: Construct): AwsProvider | undefined {
  const stack = TerraformStack.of(scope);
  const known = found.get(stack);
  if (known) return known;
  const provider = stack.node
    .findAll()
    .find((c): c is AwsProvider => c instanceof AwsProvider && c.alias === undefined);
  if (provider) found.set(stack, provider);
  return provider;
}
