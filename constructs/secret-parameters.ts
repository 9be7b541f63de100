import type { Construct } from "constructs";
import { parameterNameFor, PLACEHOLDER_VALUE, PLACEHOLDER_WRITE_VERSION } from "../common/naming";
import { SsmParameter, TerraformStack } from "./tf";

/** What {@link createSecretParameters} needs. */
export interface SecretParametersProps {
  /** The function the secrets belong to, named in each parameter's description. */
  readonly functionName: string;
  /** Path under which the parameters live. */
  readonly parameterPrefix: string;
  /** Secret names, one parameter each. */
  readonly secrets: readonly string[];
  /** ARN of the key the values are encrypted with. */
  readonly keyArn: string;
  /** Refuse destroy and replacement: either loses the value that was set by hand. */
  readonly protect: boolean;
  /** Tags for the parameters. */
  readonly tags?: Record<string, string>;
  /** `Advanced` for parameters shared with another account; SSM's default (`Standard`) otherwise. */
  readonly tier?: string;
}

/**
 * The arguments of a parameter Terraform never changes after creating it, in
 * `lifecycle.ignore_changes`:
 * - `value`: the design's guard; the construct never sets it (the placeholder goes in
 *   `value_wo`), and with it set the provider's Read would store the real value in state.
 * - `value_wo_version`: a new version makes the provider write `value_wo` again, which would
 *   put the placeholder back over the real value.
 * - `description`, `key_id`, `tier`, `type`, `allowed_pattern`, `data_type`,
 *   `insecure_value`: any in-place update calls PutParameter, and for a write-only parameter
 *   the provider then sends an empty value (it reads `value_wo` only when `value_wo_version`
 *   changes), which SSM refuses; and the secrets CLI writes them back exactly as they are.
 * A deliberate change of one of them is made with `terraform apply -replace=<address>`
 * followed by `secure-lambda set` again (README: "What Terraform sees and keeps").
 * Tags are not here: the provider updates them with the tagging API, never PutParameter.
 */
export const PARAMETER_IGNORED_CHANGES = [
  "value",
  "value_wo_version",
  "description",
  "key_id",
  "tier",
  "type",
  "allowed_pattern",
  "data_type",
  "insecure_value",
] as const;

/** The stack the secrets CLI knows a secret's stack by: its name (`<stack>` in `secure-lambda set <stack> ...`). */
export function stackName(scope: Construct): string {
  return TerraformStack.of(scope).node.id;
}

/**
 * One SecureString parameter per secret, holding only the placeholder. Construct ids are
 * `Parameter-<secret>` under `scope`: they name the Terraform resources, so changing them
 * would replace the parameters and lose the values set out of band.
 */
export function createSecretParameters(scope: Construct, props: SecretParametersProps): Record<string, SsmParameter> {
  const parameters: Record<string, SsmParameter> = {};
  for (const secret of props.secrets) {
    parameters[secret] = new SsmParameter(scope, `Parameter-${secret}`, {
      name: parameterNameFor(props.parameterPrefix, secret),
      description: `Secret ${secret} of ${props.functionName}. Terraform only creates it with a placeholder; set the real value out of band, in the app's directory: npx --no secure-lambda set ${stackName(scope)} ${props.functionName} ${secret}`,
      type: "SecureString",
      keyId: props.keyArn,
      tier: props.tier,
      // Write-only (Terraform >= 1.11): the provider sends it to SSM at create time and keeps
      // it out of plan and state. Never `value`: with it, every refresh reads the parameter
      // decrypted and stores whatever is there, the real value once it is set, in the state.
      valueWo: PLACEHOLDER_VALUE,
      valueWoVersion: PLACEHOLDER_WRITE_VERSION,
      tags: props.tags,
      // Terraform owns the parameter, not its value: no apply may rewrite it after the real
      // value was set out of band.
      lifecycle: { ignoreChanges: [...PARAMETER_IGNORED_CHANGES], preventDestroy: props.protect || undefined },
    });
  }
  return parameters;
}
