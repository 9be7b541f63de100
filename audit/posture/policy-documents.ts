/** The policy documents of a stack's IAM roles and KMS keys, as scanners parse them. */
import { listOf } from "./json-values";
import { resourcesOf, type Body, type StackJson } from "./rule";

/** A statement as policy JSON allows it: one value or a list for Action, Resource and principals. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: string | Readonly<Record<string, string | readonly string[]>>;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: unknown;
}

/** A policy document of a resource; `statements` is undefined when the text is not a policy. */
export interface PolicyOf {
  /** Address of the resource holding the policy. */
  readonly address: string;
  /** Address of the role the policy is on (identity policies only). */
  readonly roleAddress?: string;
  readonly statements?: readonly Statement[];
}

/** Parses policy JSON text (references inside strings keep it valid JSON). */
export function parseStatements(text: unknown): Statement[] | undefined {
  if (typeof text !== "string") return undefined;
  try {
    const document = JSON.parse(text) as { Statement?: Statement | Statement[] };
    return listOf(document.Statement);
  } catch {
    return undefined;
  }
}

/** The identity policies on roles: `aws_iam_role_policy` resources and roles' `inline_policy` blocks. */
export function identityPolicies(json: StackJson): PolicyOf[] {
  const policies: PolicyOf[] = resourcesOf(json, "aws_iam_role_policy").map(([address, body]) => ({
    address,
    roleAddress: roleAddressOf(body.role),
    statements: parseStatements(body.policy),
  }));
  for (const [address, role] of resourcesOf(json, "aws_iam_role")) {
    for (const inline of listOf<Body>(role.inline_policy as Body | Body[] | undefined)) {
      policies.push({ address, roleAddress: address, statements: parseStatements(inline.policy) });
    }
  }
  return policies;
}

/** The trust policy of every role. */
export function trustPolicies(json: StackJson): PolicyOf[] {
  return resourcesOf(json, "aws_iam_role").map(([address, body]) => ({
    address,
    statements: parseStatements(body.assume_role_policy),
  }));
}

/** The AWS principals of a statement (`"*"` for `Principal: "*"`). */
export function awsPrincipals(statement: Statement): string[] {
  const principal = statement.Principal;
  if (principal === undefined) return [];
  if (typeof principal === "string") return [principal];
  return listOf(principal.AWS);
}

/** Actions of a statement, as a list. */
export function actionsOf(statement: Statement): string[] {
  return listOf(statement.Action);
}

/** Resources of a statement, as a list. */
export function resourcesIn(statement: Statement): string[] {
  return listOf(statement.Resource);
}

/** True for an Allow statement (Effect is case-sensitive in IAM: anything else allows nothing). */
export function allows(statement: Statement): boolean {
  return statement.Effect === "Allow";
}

function roleAddressOf(role: unknown): string | undefined {
  // `role` is the role's name or id: `${aws_iam_role.<name>.id}` or `.name`.
  const match = typeof role === "string" ? /^\$\{(aws_iam_role\.[A-Za-z0-9_-]+)\.(id|name)\}$/.exec(role) : null;
  return match?.[1];
}
