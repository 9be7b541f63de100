import type { IConstruct } from "constructs";
import { TerraformStack } from "./tf";

/**
 * The Terraform (or OpenTofu) versions a stack holding a SecureLambda accepts. The
 * placeholders are written through write-only arguments (`value_wo`, `secret_string_wo`),
 * which Terraform and OpenTofu know from 1.11 on; an older binary must refuse the stack
 * with its own message rather than plan something else.
 */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11.0";

const constrained = new WeakSet<TerraformStack>();

/** Sets `terraform.required_version` on the stack of `scope`, once per stack. */
export function requireTerraformVersion(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  if (constrained.has(stack)) return;
  constrained.add(stack);
  stack.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
}
