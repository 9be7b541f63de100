import { DefaultTokenResolver, StringConcat, TerraformResource, TerraformStack, Tokenization } from "../tf";
import { isPlainObject } from "../values";
import type { GuardedValue } from "./rule";

const RESOLVER = new DefaultTokenResolver(new StringConcat());
// The SSM parameter arguments that can carry a value.
const PARAMETER_VALUE_ARGUMENTS = ["value", "value_wo", "insecure_value"] as const;
// The Secrets Manager secret version arguments that can carry a value.
const SECRET_VERSION_VALUE_ARGUMENTS = ["secret_string", "secret_string_wo", "secret_binary"] as const;
// The arguments resolved and judged, per resource type; other resource types are not judged.
const JUDGED_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  aws_lambda_function: ["environment"],
  aws_ssm_parameter: ["type", ...PARAMETER_VALUE_ARGUMENTS],
  aws_secretsmanager_secret_version: SECRET_VERSION_VALUE_ARGUMENTS,
};

/** A resource of the stack with the values the guard judges. */
export interface GuardedResource {
  readonly resource: TerraformResource;
  readonly values: readonly GuardedValue[];
}

type Base = Pick<GuardedValue, "resourceType" | "address" | "constructPath">;

/**
 * The function environments, parameter values and secret version values of every resource
 * in the stack, as Terraform will see them: tokens resolved to `${...}` references,
 * overrides applied, whoever created the resource (SecureLambda or not).
 */
export function collectGuardedValues(stack: TerraformStack): GuardedResource[] {
  const found: GuardedResource[] = [];
  for (const construct of stack.node.findAll()) {
    // isTerraformResource, not instanceof: a resource of another copy of cdktf is judged too.
    if (!TerraformResource.isTerraformResource(construct) || TerraformStack.of(construct) !== stack) continue;
    const type = construct.terraformResourceType;
    const judged = JUDGED_ARGUMENTS[type];
    if (!judged) continue;
    const body = resolvedBody(stack, construct, judged);
    if (!body) continue;
    const base: Base = { resourceType: type, address: `${type}.${construct.friendlyUniqueId}`, constructPath: construct.node.path };
    const values =
      type === "aws_lambda_function"
        ? environmentValues(base, body)
        : type === "aws_ssm_parameter"
          ? parameterValues(base, body)
          : secretVersionValues(base, body);
    found.push({ resource: construct, values });
  }
  return found;
}

function environmentValues(base: Base, body: Record<string, unknown>): GuardedValue[] {
  const values: GuardedValue[] = [];
  for (const [variable, value] of Object.entries(environmentVariables(body.environment))) {
    if (typeof value === "string") values.push({ ...base, kind: "environment-variable", variable, value });
  }
  return values;
}

function parameterValues(base: Base, body: Record<string, unknown>): GuardedValue[] {
  const parameterType = typeof body.type === "string" ? body.type : undefined;
  const values: GuardedValue[] = [];
  for (const variable of PARAMETER_VALUE_ARGUMENTS) {
    const value = body[variable];
    if (typeof value === "string") values.push({ ...base, kind: "parameter-value", variable, value, parameterType });
  }
  return values;
}

function secretVersionValues(base: Base, body: Record<string, unknown>): GuardedValue[] {
  const values: GuardedValue[] = [];
  for (const variable of SECRET_VERSION_VALUE_ARGUMENTS) {
    const value = body[variable];
    if (typeof value === "string") values.push({ ...base, kind: "secret-version-value", variable, value });
  }
  return values;
}

/**
 * The resource's Terraform body with only the judged arguments resolved: resolving the
 * whole body (policies, references) would cost a third of the synthesis time of a large stack.
 */
function resolvedBody(stack: TerraformStack, resource: TerraformResource, names: readonly string[]): Record<string, unknown> | undefined {
  const json = resource.toTerraform() as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const body = json.resource?.[resource.terraformResourceType]?.[resource.friendlyUniqueId];
  if (!body) return undefined;
  const judged = Object.fromEntries(names.filter((name) => name in body).map((name) => [name, body[name]]));
  return Tokenization.resolve(judged, { scope: stack, resolver: RESOLVER }) as Record<string, unknown>;
}

/** `environment` is one block: an object, or a one-element list when set through an override. */
function environmentVariables(environment: unknown): Record<string, unknown> {
  const block = Array.isArray(environment) ? environment[0] : environment;
  if (!isPlainObject(block)) return {};
  return isPlainObject(block.variables) ? block.variables : {};
}
