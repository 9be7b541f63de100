/**
 * Fail closed: a resource that could grant access to a protected resource, and that the
 * analysis does not read, fails the audit, naming its type and address. "Could grant" is
 * a policy-bearing type (its name says policy, permission, grant, share...), or any type
 * whose arguments name a protected resource (its address, ARN or name) and that is not
 * known to grant nothing.
 */
import type { FunctionSubject } from "../subjects";
import { type Body, resourcesOf, type SynthesizedStack } from "../terraform-json";
import type { AppPolicies } from "./app-policies";

/** Types the analysis reads (app-policies.ts), or that make the protected resources themselves. */
const READ = new Set([
  "aws_iam_role",
  "aws_iam_user",
  "aws_iam_group",
  "aws_iam_policy",
  "aws_iam_role_policy",
  "aws_iam_user_policy",
  "aws_iam_group_policy",
  "aws_iam_role_policy_attachment",
  "aws_iam_user_policy_attachment",
  "aws_iam_group_policy_attachment",
  "aws_iam_policy_attachment",
  "aws_iam_role_policy_attachments_exclusive",
  "aws_iam_user_policy_attachments_exclusive",
  "aws_iam_group_policy_attachments_exclusive",
  "aws_iam_group_membership",
  "aws_iam_user_group_membership",
  "aws_kms_key",
  "aws_kms_key_policy",
  "aws_kms_grant",
  "aws_secretsmanager_secret",
  "aws_secretsmanager_secret_policy",
  "aws_sqs_queue",
  "aws_sqs_queue_policy",
  "aws_sns_topic",
  "aws_sns_topic_policy",
  "aws_cloudwatch_log_resource_policy",
  "aws_ram_resource_share",
  "aws_ram_resource_association",
  "aws_ram_principal_association",
  "aws_lambda_function",
  "aws_lambda_permission",
  "aws_lambda_function_url",
  "aws_lambda_alias",
  "aws_scheduler_schedule",
  "aws_ssm_parameter",
  "aws_cloudwatch_log_group",
]);

/** Types that name a protected resource but grant nobody access to it, each with the reason. */
const GRANTS_NOTHING: Readonly<Record<string, string>> = {
  aws_kms_alias: "a second name for the key; who may use it is the key policy's and IAM's to say",
  aws_secretsmanager_secret_version: "the secret's value; access is the secret's policy's and IAM's to say",
  aws_scheduler_schedule_group: "a group of schedules; a schedule invokes only as its role",
  aws_sns_topic_subscription: "a topic delivers to the function only through its aws_lambda_permission",
  aws_cloudwatch_event_target: "a rule invokes the function only through its aws_lambda_permission",
  aws_lambda_event_source_mapping: "Lambda polls the source as the function's own role",
  aws_lambda_function_event_invoke_config: "destinations are sent to as the function's own role",
  aws_lambda_provisioned_concurrency_config: "capacity only",
  aws_iam_role_policies_exclusive: "names inline policies, each read from its aws_iam_role_policy",
  aws_iam_openid_connect_provider: "an identity provider; a role's trust policy decides who it lets in",
  aws_iam_saml_provider: "an identity provider; a role's trust policy decides who it lets in",
  aws_security_group: "network rules only",
  aws_iam_instance_profile: "EC2 gets the role only if its trust policy lets ec2.amazonaws.com in, which is asked",
};

// Types whose name says they carry or attach a policy, permission, grant or share.
const POLICY_BEARING =
  /(_policy|_policies|_permission|_permissions|_grant|_share)(_|$)|^aws_(ram|lakeformation|organizations)_/;

/** One resource the audit refuses because it could grant access and the analysis does not read it. */
export interface Unread {
  readonly stack: string;
  readonly address: string;
  readonly type: string;
  readonly why: string;
}

/** The resources of the app that could grant access to a protected resource and that the analysis does not read. */
export function unreadGrants(
  stacks: readonly SynthesizedStack[],
  subjects: readonly FunctionSubject[],
  app: AppPolicies,
): Unread[] {
  const names = new Set<string>();
  for (const s of subjects) {
    for (const value of [
      s.functionName,
      s.functionArn,
      s.role.name,
      s.role.arn,
      s.logGroupName,
      s.logGroupArn,
      s.deadLetterTargetArn,
      s.secret?.name,
      s.secret?.arn,
      s.secret?.key.arn,
      ...s.parameters.flatMap((p) => [p.name, p.arn, p.key.arn]),
    ])
      if (value) names.add(value);
  }
  const found: Unread[] = [];
  for (const stack of stacks) {
    const references = app.references.get(stack.name);
    const protectedAddresses = new Set<string>();
    for (const type of Object.keys(stack.json.resource ?? {}))
      for (const [address] of resourcesOf(stack.json, type))
        for (const attribute of ["arn", "name", "function_name"])
          try {
            if (references && names.has(references.attribute(address, attribute, address)))
              protectedAddresses.add(address);
          } catch {
            // An attribute the audit cannot tell is no protected resource's.
          }
    for (const type of Object.keys(stack.json.resource ?? {})) {
      if (READ.has(type) || GRANTS_NOTHING[type] !== undefined) continue;
      for (const [address, body] of resourcesOf(stack.json, type)) {
        const named = namedProtected(body, names, protectedAddresses);
        if (POLICY_BEARING.test(type))
          found.push({ stack: stack.name, address, type, why: "a policy-bearing type the analysis does not read" });
        else if (named)
          found.push({
            stack: stack.name,
            address,
            type,
            why: `names the protected ${named}, and the analysis does not know what it grants`,
          });
      }
    }
  }
  return found;
}

function namedProtected(body: Body, names: ReadonlySet<string>, addresses: ReadonlySet<string>): string | undefined {
  for (const text of stringsIn(body)) {
    for (const address of addresses) if (text.includes(`\${${address}.`)) return address;
    for (const name of names) if (text === name || (name.startsWith("arn:") && text.includes(name))) return name;
  }
  return undefined;
}

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === "object" && value !== null)
    return Object.entries(value)
      .filter(([key]) => key !== "//")
      .flatMap(([, inner]) => stringsIn(inner));
  return [];
}
