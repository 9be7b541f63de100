import type { Construct } from "constructs";
import { parameterName, PLACEHOLDER_VALUE } from "./naming";
import { SsmParameter } from "./tf";

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
      name: parameterName(props.parameterPrefix, secret),
      description: `Secret ${secret} of ${props.functionName}. Terraform only creates it with a placeholder; set the real value out of band: npm run secrets -- set <env> ${props.functionName} ${secret}`,
      type: "SecureString",
      keyId: props.keyArn,
      value: PLACEHOLDER_VALUE,
      tags: props.tags,
      // The real value is set out of band and must never be read into a plan or reset
      // by an apply: Terraform owns the parameter, not its value.
      lifecycle: props.protect ? { ignoreChanges: ["value"], preventDestroy: true } : { ignoreChanges: ["value"] },
    });
  }
  return parameters;
}
