import type { IConstruct } from "constructs";
import { TerraformStack } from "./tf";

/**
 * The Terraform (or OpenTofu) versions a stack holding a SecureLambda accepts. The
 * placeholders are written through write-only arguments (`value_wo`, `secret_string_wo`),
 * which Terraform and OpenTofu know from 1.11 on; an older binary must refuse the stack
 * with its own message rather than plan something else.
 */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11.0";

/**
 * The same requirement as CDK Terrain (`cdktn`) reads it: its synth refuses write-only
 * arguments unless the project's declared `targetVersions` (a context value; cdktn's
 * default is Terraform >= 1.5.7, OpenTofu >= 1.6.0) allow them. cdktf ignores it.
 */
export const TARGET_VERSIONS = { terraform: ">=1.11.0", opentofu: ">=1.11.0" } as const;

/** The context key cdktn reads {@link TARGET_VERSIONS} from. */
export const TARGET_VERSIONS_CONTEXT_KEY = "targetVersions";

/**
 * Declares {@link TARGET_VERSIONS} on `construct` itself, for every resource below it,
 * whatever the app declares: the construct, not the app, knows it writes write-only
 * arguments. Call before the construct has children (context is fixed from then on).
 */
export function declareTargetVersions(construct: IConstruct): void {
  construct.node.setContext(TARGET_VERSIONS_CONTEXT_KEY, TARGET_VERSIONS);
}

const constrained = new WeakSet<TerraformStack>();

/** Sets `terraform.required_version` on the stack of `scope`, once per stack. */
export function requireTerraformVersion(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  if (constrained.has(stack)) return;
  constrained.add(stack);
  stack.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
}
