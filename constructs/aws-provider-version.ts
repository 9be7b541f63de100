/**
 * The AWS provider releases the stacks accept: from the first release that has every
 * behaviour the README documents, to below the next major.
 *
 * The bindings (`@cdktf/provider-aws` 21.22) write the release they were generated for,
 * 6.25.0, as an exact pin. That release still reads a write-only Secrets Manager version's
 * value on every refresh (below), so a user deploying exactly what the stacks said would
 * run behaviour nothing here documents. Later 6.x releases extend the 6.25 schema without
 * breaking it, so the bindings work with every release in the range.
 */
import type { IConstruct } from "constructs";
import { TerraformStack } from "./tf";
import { highestVersion } from "./version-constraint";

/** One provider behaviour the project relies on, and the release it is verified in. */
export interface ProviderBehaviour {
  /** What the stacks or the README rely on. */
  readonly behaviour: string;
  /**
   * The first release of the major the stacks accept that has it (`major.minor.patch`):
   * for a behaviour older than 6.0.0, 6.0.0.
   */
  readonly since: string;
  /** Where that is recorded: the provider's CHANGELOG entry or pull request. */
  readonly source: string;
}

/**
 * Every behaviour of the provider the README documents, with its release. Read in the
 * provider's CHANGELOG.md and source (hashicorp/terraform-provider-aws); the floor is the
 * highest of them. Not the provider's: S3-native state locking (`use_lockfile`) is
 * Terraform's S3 backend (1.10), write-only arguments need Terraform 1.11.
 */
export const AWS_PROVIDER_BEHAVIOURS: readonly ProviderBehaviour[] = [
  {
    behaviour:
      "aws_ssm_parameter takes the write-only value_wo (with value_wo_version) and keeps has_value_wo, never the value, in state",
    since: "6.0.0",
    source: "added in 5.x: the 6.x CHANGELOG has no entry adding it, only fixes (#42877 in 6.7.0)",
  },
  {
    behaviour:
      "aws_secretsmanager_secret_version takes the write-only secret_string_wo (with secret_string_wo_version)",
    since: "6.0.0",
    source: "added in 5.x (#41371, v5.88.0 milestone): the 6.x CHANGELOG has no entry adding it",
  },
  {
    behaviour: "data aws_region has the region attribute the constructs refer to (name is deprecated)",
    since: "6.0.0",
    source:
      "CHANGELOG 6.0.0: data-source/aws_region: The `name` attribute has been deprecated ... use the `region` attribute (#42131)",
  },
  {
    behaviour:
      "a refresh of a secret_string_wo version reads only its version ids and labels (ListSecretVersionIds), never GetSecretValue",
    since: "6.26.0",
    source:
      "CHANGELOG 6.26.0: resource/aws_secretsmanager_secret_version: Avoid sending GetSecretValue calls when the secret is write-only (#44876)",
  },
];

/** The first release with every behaviour of {@link AWS_PROVIDER_BEHAVIOURS}. */
export const AWS_PROVIDER_FLOOR = highestVersion(AWS_PROVIDER_BEHAVIOURS.map((b) => b.since));

/** The next major release, which may break the 6.x schema the bindings were generated for. */
export const AWS_PROVIDER_NEXT_MAJOR = "7.0.0";

/** `required_providers.aws.version` of every stack: the floor up to, not including, the next major. */
export const AWS_PROVIDER_CONSTRAINT = `>= ${AWS_PROVIDER_FLOOR}, < ${AWS_PROVIDER_NEXT_MAJOR}`;

const constrained = new WeakSet<TerraformStack>();

/**
 * Requires {@link AWS_PROVIDER_CONSTRAINT} in the stack of `scope`, once per stack, in
 * place of the exact release the bindings pin (the provider construct writes its
 * generator's version; the stack's own override is applied over it at synth). Every stack
 * holding a SecureLambda gets it, also the stacks users build themselves; an override the
 * user adds later (a narrower range of their own) is applied after it and wins.
 */
export function requireAwsProvider(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  if (constrained.has(stack)) return;
  constrained.add(stack);
  stack.addOverride("terraform.required_providers.aws.version", AWS_PROVIDER_CONSTRAINT);
}
