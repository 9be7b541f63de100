/**
 * SecureLambda's settings: its props with their defaults, validated in one pass before
 * anything is made, with what the checks worked out. The construct reads nothing else.
 */
import type { Construct } from "constructs";
import { show } from "../common/show";
import { isPlainObject } from "../common/values";
import type { DeadLetterPlan } from "./dead-letter-target";
import type { CheckedExternalSecret } from "./external-secrets";
import { applyDefaults, type DefaultedProps } from "./defaults";
import type { SecureLambdaProps } from "./secure-lambda-props";
import { failAt, validateSecureLambdaProps } from "./validation";
import type { VpcPlacement } from "./vpc-placement";

/** Every prop the construct uses, defaulted and checked, and what the checks worked out. */
export interface Settings extends Omit<DefaultedProps, "given" | "vpc" | "externalSecrets" | "replicaRegions"> {
  /**
   * The handler as Lambda reads it: `index.<handler>` for a bundle, `handler` as given (or the runtime's default) for
   * `code`.
   */
  readonly lambdaHandler: string;
  /** The dead-letter target to create or use, or undefined. */
  readonly deadLetter: DeadLetterPlan;
  /** The VPC placement, or undefined when the function runs outside a VPC. */
  readonly vpc?: VpcPlacement;
  /** The external secrets, checked, with the parts of their ARNs. */
  readonly externalSecrets: readonly CheckedExternalSecret[];
  /** The Secrets Manager secret's replica regions, checked (empty without replicas). */
  readonly replicaRegions: readonly string[];
}

/** The settings of `props`; bad input ends here, as a SecureLambdaValidationError naming the prop. */
export function resolveSettings(scope: Construct, props: SecureLambdaProps): Settings {
  if (!isPlainObject(props))
    failAt(scope.node.path)(
      "props",
      `${show(props)}: allowed is an object with at least functionName and entry or code`,
    );
  const defaults = applyDefaults(props);
  const checked = validateSecureLambdaProps(scope, defaults);
  const { given: _given, ...defaulted } = defaults;
  // A bundle's file is always index.js: the handler names its export.
  const lambdaHandler = defaulted.entry !== undefined ? `index.${defaulted.handler}` : defaulted.handler!;
  return { ...defaulted, ...checked, lambdaHandler };
}
