/**
 * Every policy that reaches a function's role, by any route a stack can take: the role's inline
 * policies (`inline_policy` blocks, `aws_iam_role_policy`), and the managed policies attached to it
 * (`aws_iam_role_policy_attachment`, `aws_iam_policy_attachment`, `managed_policy_arns`,
 * `aws_iam_role_policy_attachments_exclusive`): a policy the stack creates (`aws_iam_policy`) is
 * read from the stack, an AWS managed policy from `managed-policies.json`; any other is refused as
 * unprovable, never assumed harmless.
 */
import { isPlainObject } from "../common/values";
import MANAGED from "./managed-policies.json";
import type { References } from "./references";
import type { NamedPolicy, PolicyDocument } from "./subjects";
import { AuditError, bodyAt, resourcesOf, type Body, type StackJson } from "./terraform-json";

type ManagedPolicies = Readonly<Record<string, { readonly path: string; readonly document: PolicyDocument }>>;

/** The policies of the role at `roleAddress` (named `roleName`), each with where it came from. */
export function rolePolicies(
  json: StackJson,
  references: References,
  roleAddress: string,
  roleName: string,
  parse: ParsePolicy,
): NamedPolicy[] {
  const role = bodyAt(json, roleAddress)!;
  const isThisRole = (value: unknown, where: string) =>
    typeof value === "string" && references.resolve(value, where) === roleName;
  const policies: NamedPolicy[] = [];
  for (const inline of blocksOf(role, "inline_policy")) {
    policies.push({ name: String(inline.name), document: parse(inline.policy, `${roleAddress}.inline_policy`) });
  }
  for (const [address, policy] of resourcesOf(json, "aws_iam_role_policy")) {
    if (isThisRole(policy.role, address))
      policies.push({
        name: references.resolve(String(policy.name), address),
        document: parse(policy.policy, address),
      });
  }
  const attached: Array<[string, unknown]> = [];
  for (const arn of listOf(role.managed_policy_arns)) attached.push([`${roleAddress}.managed_policy_arns`, arn]);
  for (const [address, attachment] of resourcesOf(json, "aws_iam_role_policy_attachment")) {
    if (isThisRole(attachment.role, address)) attached.push([address, attachment.policy_arn]);
  }
  for (const [address, attachment] of resourcesOf(json, "aws_iam_policy_attachment")) {
    if (listOf(attachment.roles).some((role) => isThisRole(role, address)))
      attached.push([address, attachment.policy_arn]);
  }
  for (const [address, exclusive] of resourcesOf(json, "aws_iam_role_policy_attachments_exclusive")) {
    if (isThisRole(exclusive.role_name, address))
      for (const arn of listOf(exclusive.policy_arns)) attached.push([address, arn]);
  }
  for (const [where, arn] of attached) policies.push(managedPolicy(json, references, where, arn, parse));
  return policies;
}

/** Parses a policy argument (JSON text with references) into a document. */
export type ParsePolicy = (policy: unknown, where: string) => PolicyDocument;

/** An attached policy, from the stack (`aws_iam_policy`) or from the AWS managed policies the audit knows. */
function managedPolicy(
  json: StackJson,
  references: References,
  where: string,
  arn: unknown,
  parse: ParsePolicy,
): NamedPolicy {
  if (typeof arn !== "string") throw new AuditError(`${where}: the policy ARN is not a string the audit can read`);
  const byReference = /^\$\{(aws_iam_policy\.[A-Za-z0-9_-]+)\.(arn|id)\}$/.exec(arn);
  if (byReference) {
    const body = bodyAt(json, byReference[1]!);
    if (!body) throw new AuditError(`${where}: ${byReference[1]} is not in stack ${references.target.stack}`);
    return { name: `${byReference[1]} (attached by ${where})`, document: parse(body.policy, byReference[1]!) };
  }
  const resolved = references.resolve(arn, where);
  const aws = /^arn:[a-z-]+:iam::aws:policy(\/.*\/|\/)([^/]+)$/.exec(resolved);
  const known = aws ? (MANAGED as unknown as ManagedPolicies)[aws[2]!] : undefined;
  if (aws && known && known.path === aws[1])
    return { name: `${aws[2]} (AWS managed, attached by ${where})`, document: known.document };
  throw new AuditError(
    `${where}: attaches ${aws ? `the AWS managed policy ${aws[2]}` : `the policy ${resolved}`}, whose content ${aws ? "the audit does not know" : "is not in the stack"}; ` +
      "the role cannot be proven, so the audit refuses it (attach a policy the stack creates, or add the AWS managed policy to audit/managed-policies.json with its published document)",
  );
}

function blocksOf(body: Body, name: string): Array<Record<string, unknown>> {
  return listOf(body[name]).filter(isPlainObject);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}
