/**
 * Finds, for every `aws_lambda_function` of a stack, what its permissions are made of:
 * its role's trust and inline policies, the secrets it reads and the keys that encrypt
 * them, and its log group — all with references resolved to the ARNs they will have.
 */
import { PARAM_NAME_SUFFIX, SECRET_ID_ENV_VAR } from "../common/naming";
import {
  type FunctionUrl,
  functionUrlsOf,
  type InvokePermission,
  invokePermissionsOf,
  resourcePolicyOf,
} from "./function-access";
import { References } from "./references";
import { rolePolicies } from "./role-policies";
import { targetOf, type AuditTarget } from "./target";
import { AuditError, bodyAt, resourcesOf, type Body, type SynthesizedStack } from "./terraform-json";
import { isPlainObject } from "../common/values";

/** A policy document as AWS reads it. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: unknown;
}

/** A policy with the name it has on its role. */
export interface NamedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

/** A KMS key and its key policy. */
export interface KeySubject {
  readonly arn: string;
  readonly policy: PolicyDocument;
  /**
   * True for a key this stack does not manage (`SecretsKey.fromKeyArn`): its policy is not
   * in the stack, and the audit assumes the default key policy, which lets IAM policies of
   * the account grant use of the key.
   */
  readonly policyIsAssumed: boolean;
}

/** One SecureString parameter a function reads. */
export interface ParameterSubject {
  readonly name: string;
  readonly arn: string;
  readonly key: KeySubject;
}

/** The Secrets Manager secret a function reads (store "secretsmanager"). */
export interface SecretSubject {
  readonly name: string;
  readonly arn: string;
  readonly key: KeySubject;
  /**
   * Its replicas (the secret's `replica` blocks): the primary's ARN in another region, under a
   * key of that region. Secrets Manager copies the secret's resource policy to each.
   */
  readonly replicas: readonly SecretReplicaSubject[];
}

/** One replica of a Secrets Manager secret. */
export interface SecretReplicaSubject {
  readonly region: string;
  readonly arn: string;
  readonly key: KeySubject;
}

/** A function and everything its permissions are made of. */
export interface FunctionSubject {
  readonly target: AuditTarget;
  readonly address: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly role: {
    readonly address: string;
    readonly name: string;
    readonly arn: string;
    /** The principal of the function's calls: Lambda names the session after the function. */
    readonly sessionArn: string;
    readonly trustPolicy: PolicyDocument;
    readonly policies: readonly NamedPolicy[];
  };
  readonly logGroupName: string;
  readonly logGroupArn: string;
  readonly parameters: readonly ParameterSubject[];
  /** The Secrets Manager secret named by the function's `SECRETS_MANAGER_SECRET_ID`, if any. */
  readonly secret?: SecretSubject;
  /** `tracing_config.mode` is `Active`. */
  readonly tracingActive: boolean;
  /** `dead_letter_config.target_arn`, resolved. */
  readonly deadLetterTargetArn?: string;
  /** `kms_key_arn`: the key that encrypts the environment, resolved. */
  readonly environmentKeyArn?: string;
  /** The function's resolved environment variables. */
  readonly environment: Readonly<Record<string, string>>;
  /** The stack's `aws_lambda_permission`s for the function, and the resource policy Lambda builds from them. */
  readonly invokePermissions: readonly InvokePermission[];
  readonly resourcePolicy: PolicyDocument;
  /** The function's URLs. */
  readonly functionUrls: readonly FunctionUrl[];
  /** The EventBridge Scheduler schedules whose target is the function, with the role each invokes it as. */
  readonly schedules: readonly ScheduleSubject[];
  /** Resolves further references of the function's stack. */
  readonly references: References;
  /** The stack's JSON, for check sets that look up more resources. */
  readonly stack: SynthesizedStack;
}

/** A schedule that invokes a function, and the role it invokes it as. */
export interface ScheduleSubject {
  readonly address: string;
  /** The schedule group's name (`default` when none is named) and ARN. */
  readonly groupName: string;
  readonly groupArn: string;
  readonly role: {
    readonly address: string;
    readonly name: string;
    readonly arn: string;
    readonly trustPolicy: PolicyDocument;
    readonly policies: readonly NamedPolicy[];
  };
}

/** Every function of the stack, in address order. */
export function functionSubjects(stack: SynthesizedStack, resolver?: References): FunctionSubject[] {
  const references = resolver ?? new References(stack.json, targetOf(stack.name, stack.json));
  return resourcesOf(stack.json, "aws_lambda_function")
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([address, body]) => functionSubject(stack, references, address, body));
}

function functionSubject(
  stack: SynthesizedStack,
  references: References,
  address: string,
  body: Body,
): FunctionSubject {
  const where = `${stack.name}: ${address}`;
  const target = references.target;
  const functionName = references.attribute(address, "function_name", where);
  const environment = resolveVariables(references, block(body, "environment")?.variables, where);
  const logGroupName =
    stringOrUndefined(references, block(body, "logging_config")?.log_group, where) ?? `/aws/lambda/${functionName}`;
  const functionArn = references.attribute(address, "arn", where);
  const invokePermissions = invokePermissionsOf(stack.json, references, functionName, functionArn);
  return {
    target,
    address,
    functionName,
    functionArn,
    role: roleOf(stack, references, body, where, functionName),
    logGroupName,
    logGroupArn: `arn:${target.partition}:logs:${target.region}:${target.accountId}:log-group:${logGroupName}`,
    parameters: parametersOf(stack, references, environment, where),
    secret: secretOf(stack, references, environment, where),
    tracingActive: block(body, "tracing_config")?.mode === "Active",
    deadLetterTargetArn: stringOrUndefined(references, block(body, "dead_letter_config")?.target_arn, where),
    environmentKeyArn: stringOrUndefined(references, body.kms_key_arn, where),
    environment,
    invokePermissions,
    resourcePolicy: resourcePolicyOf(invokePermissions, functionArn, target.partition),
    functionUrls: functionUrlsOf(stack.json, references, functionName, functionArn),
    schedules: schedulesOf(stack, references, functionArn),
    references,
    stack,
  };
}

function roleOf(
  stack: SynthesizedStack,
  references: References,
  body: Body,
  where: string,
  functionName: string,
): FunctionSubject["role"] {
  const roleRef =
    typeof body.role === "string" ? /^\$\{(aws_iam_role\.[A-Za-z0-9_-]+)\.arn\}$/.exec(body.role)?.[1] : undefined;
  if (!roleRef)
    throw new AuditError(
      `${where}: its role ${JSON.stringify(body.role)} is not an aws_iam_role of this stack, so its policies cannot be audited`,
    );
  const role = bodyAt(stack.json, roleRef)!;
  const name = references.attribute(roleRef, "name", where);
  const policies = rolePolicies(stack.json, references, roleRef, name, (policy, at) =>
    parsePolicy(references, policy, at),
  );
  const arn = references.attribute(roleRef, "arn", where);
  const target = references.target;
  return {
    address: roleRef,
    name,
    arn,
    sessionArn: `arn:${target.partition}:sts::${target.accountId}:assumed-role/${name}/${functionName}`,
    trustPolicy: parsePolicy(references, role.assume_role_policy, `${roleRef}.assume_role_policy`),
    policies,
  };
}

/** The schedules whose `target.arn` is this function, each with its role's trust and policies. */
function schedulesOf(stack: SynthesizedStack, references: References, functionArn: string): ScheduleSubject[] {
  const found: ScheduleSubject[] = [];
  for (const [address, schedule] of resourcesOf(stack.json, "aws_scheduler_schedule")) {
    const target = block(schedule, "target");
    if (typeof target?.arn !== "string" || references.resolve(target.arn, `${address}.target.arn`) !== functionArn)
      continue;
    const roleRef =
      typeof target.role_arn === "string"
        ? /^\$\{(aws_iam_role\.[A-Za-z0-9_-]+)\.arn\}$/.exec(target.role_arn)?.[1]
        : undefined;
    if (!roleRef)
      throw new AuditError(
        `${address}: its role ${JSON.stringify(target.role_arn)} is not an aws_iam_role of this stack, so who it may invoke cannot be audited`,
      );
    const groupName =
      typeof schedule.group_name === "string"
        ? references.resolve(schedule.group_name, `${address}.group_name`)
        : "default";
    const t = references.target;
    const name = references.attribute(roleRef, "name", address);
    found.push({
      address,
      groupName,
      groupArn: `arn:${t.partition}:scheduler:${t.region}:${t.accountId}:schedule-group/${groupName}`,
      role: {
        address: roleRef,
        name,
        arn: references.attribute(roleRef, "arn", address),
        trustPolicy: parsePolicy(
          references,
          bodyAt(stack.json, roleRef)!.assume_role_policy,
          `${roleRef}.assume_role_policy`,
        ),
        policies: rolePolicies(stack.json, references, roleRef, name, (policy, at) =>
          parsePolicy(references, policy, at),
        ),
      },
    });
  }
  return found;
}

function parametersOf(
  stack: SynthesizedStack,
  references: References,
  environment: Readonly<Record<string, string>>,
  where: string,
): ParameterSubject[] {
  const byName = new Map<string, [string, Body]>();
  for (const [address, parameter] of resourcesOf(stack.json, "aws_ssm_parameter"))
    byName.set(references.attribute(address, "name", address), [address, parameter]);
  return Object.entries(environment)
    .filter(([variable]) => variable.endsWith(PARAM_NAME_SUFFIX))
    .map(([variable, name]) => {
      const found = byName.get(name);
      if (!found)
        throw new AuditError(
          `${where}: ${variable} names parameter ${name}, which stack ${stack.name} does not create: the audit cannot tell its key`,
        );
      const [address, parameter] = found;
      if (typeof parameter.key_id !== "string")
        throw new AuditError(`${address}: has no key_id; a secret must be encrypted with a customer-managed key`);
      return {
        name,
        arn: references.attribute(address, "arn", address),
        key: keyOf(stack, references, references.resolve(parameter.key_id, `${address}.key_id`)),
      };
    });
}

function secretOf(
  stack: SynthesizedStack,
  references: References,
  environment: Readonly<Record<string, string>>,
  where: string,
): SecretSubject | undefined {
  const id = environment[SECRET_ID_ENV_VAR];
  if (id === undefined) return undefined;
  for (const [address, secret] of resourcesOf(stack.json, "aws_secretsmanager_secret")) {
    const name = references.attribute(address, "name", address);
    const arn = references.attribute(address, "arn", address);
    if (id !== name && id !== arn) continue;
    if (typeof secret.kms_key_id !== "string")
      throw new AuditError(`${address}: has no kms_key_id; a secret must be encrypted with a customer-managed key`);
    const replicas = [secret.replica ?? []].flat().map((replica, i): SecretReplicaSubject => {
      const at = `${address}.replica[${i}]`;
      const body = replica as Record<string, unknown>;
      if (typeof body.region !== "string" || typeof body.kms_key_id !== "string")
        throw new AuditError(
          `${at}: a replica needs a region and a kms_key_id; it must be encrypted with a customer-managed key`,
        );
      const region = references.resolve(body.region, `${at}.region`);
      return {
        region,
        arn: arn.replace(`:secretsmanager:${references.target.region}:`, `:secretsmanager:${region}:`),
        key: keyOf(stack, references, references.resolve(body.kms_key_id, `${at}.kms_key_id`)),
      };
    });
    return {
      name,
      arn,
      key: keyOf(stack, references, references.resolve(secret.kms_key_id, `${address}.kms_key_id`)),
      replicas,
    };
  }
  throw new AuditError(
    `${where}: ${SECRET_ID_ENV_VAR} names secret ${id}, which stack ${stack.name} does not create: the audit cannot tell its key`,
  );
}

/** The key with this ARN: this stack's (with its key policy) or one managed elsewhere. */
export function keyOf(stack: SynthesizedStack, references: References, arn: string): KeySubject {
  for (const [address, key] of resourcesOf(stack.json, "aws_kms_key")) {
    if (references.attribute(address, "arn", address) === arn) {
      if (key.policy === undefined) return { arn, policy: defaultKeyPolicy(references.target), policyIsAssumed: false };
      return { arn, policy: parsePolicy(references, key.policy, `${address}.policy`), policyIsAssumed: false };
    }
  }
  return { arn, policy: defaultKeyPolicy(references.target), policyIsAssumed: true };
}

/** The key policy KMS gives a key created without one: IAM policies of the account decide. */
function defaultKeyPolicy(target: AuditTarget): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DefaultKeyPolicy",
        Effect: "Allow",
        Principal: { AWS: `arn:${target.partition}:iam::${target.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  };
}

/** A policy argument (JSON text with references) as a document. */
export function parsePolicy(references: References, policy: unknown, where: string): PolicyDocument {
  if (typeof policy !== "string") throw new AuditError(`${where}: the policy is not JSON text`);
  try {
    return JSON.parse(references.resolve(policy, where)) as PolicyDocument;
  } catch (error) {
    if (error instanceof AuditError) throw error;
    throw new AuditError(`${where}: the policy is not valid JSON once resolved`);
  }
}

/** A nested block: an object, or a one-element list (as overrides write it). */
export function block(body: Body, name: string): Record<string, unknown> | undefined {
  return blocks(body, name)[0];
}

function blocks(body: Body, name: string): Array<Record<string, unknown>> {
  const value = body[name];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter(isPlainObject);
}

function stringOrUndefined(references: References, value: unknown, where: string): string | undefined {
  return typeof value === "string" ? references.resolve(value, where) : undefined;
}

function resolveVariables(references: References, variables: unknown, where: string): Record<string, string> {
  if (!isPlainObject(variables)) return {};
  return Object.fromEntries(
    Object.entries(variables)
      .filter((entry): entry is [string, string] => typeof entry[1] === "string")
      .map(([name, value]) => [name, references.resolve(value, `${where} environment ${name}`)]),
  );
}
