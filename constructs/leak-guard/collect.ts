import { DefaultTokenResolver, StringConcat, TerraformResource, TerraformStack, Tokenization } from "../tf";
import type { GuardedValue } from "./rule";

const RESOLVER = new DefaultTokenResolver(new StringConcat());
// The SSM parameter arguments that can carry a value.
const PARAMETER_VALUE_ARGUMENTS = ["value", "value_wo", "insecure_value"] as const;
const JUDGED_ARGUMENTS = ["environment", "type", ...PARAMETER_VALUE_ARGUMENTS];

/** A resource of the stack with the values the guard judges. */
export interface GuardedResource {
  readonly resource: TerraformResource;
  readonly values: readonly GuardedValue[];
}

/**
 * The function environments and parameter values of every resource in the stack, as
 * Terraform will see them: tokens resolved to `${...}` references, overrides applied,
 * whoever created the resource (SecureLambda or not).
 */
export function collectGuardedValues(stack: TerraformStack): GuardedResource[] {
  const found: GuardedResource[] = [];
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof TerraformResource) || TerraformStack.of(construct) !== stack) continue;
    const type = construct.terraformResourceType;
    if (type !== "aws_lambda_function" && type !== "aws_ssm_parameter") continue;
    const body = resolvedBody(stack, construct);
    if (!body) continue;
    const base = { resourceType: type, address: `${type}.${construct.friendlyUniqueId}`, constructPath: construct.node.path };
    const values: GuardedValue[] = [];
    if (type === "aws_lambda_function") {
      for (const [variable, value] of Object.entries(environmentVariables(body.environment))) {
        if (typeof value === "string") values.push({ ...base, kind: "environment-variable", variable, value });
      }
    } else {
      const parameterType = typeof body.type === "string" ? body.type : undefined;
      for (const variable of PARAMETER_VALUE_ARGUMENTS) {
        const value = body[variable];
        if (typeof value === "string") values.push({ ...base, kind: "parameter-value", variable, value, parameterType });
      }
    }
    found.push({ resource: construct, values });
  }
  return found;
}

/**
 * The resource's Terraform body with only the judged arguments resolved: resolving the
 * whole body (policies, references) would cost a third of the synthesis time of a large stack.
 */
function resolvedBody(stack: TerraformStack, resource: TerraformResource): Record<string, unknown> | undefined {
  const json = resource.toTerraform() as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const body = json.resource?.[resource.terraformResourceType]?.[resource.friendlyUniqueId];
  if (!body) return undefined;
  const judged = Object.fromEntries(JUDGED_ARGUMENTS.filter((name) => name in body).map((name) => [name, body[name]]));
  return Tokenization.resolve(judged, { scope: stack, resolver: RESOLVER }) as Record<string, unknown>;
}

/** `environment` is one block: an object, or a one-element list when set through an override. */
function environmentVariables(environment: unknown): Record<string, unknown> {
  const block = Array.isArray(environment) ? environment[0] : environment;
  if (typeof block !== "object" || block === null) return {};
  const variables = (block as { variables?: unknown }).variables;
  return typeof variables === "object" && variables !== null ? (variables as Record<string, unknown>) : {};
}
