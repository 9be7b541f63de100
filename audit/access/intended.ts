/**
 * The intended readers: who may reach a function's protected resources by design. Everything
 * the analysis finds beyond this list is a finding.
 *
 * Declared here, in one place, and derived only from what the construct itself made for the
 * function. When the construct gets props for further intended readers (a partner account
 * that reads the secret, say), they are added here from those props, and nowhere else.
 */
import type { Candidate, Protected } from "./model";
import type { Context } from "./documents";
import { declaredReaderBecause } from "./readers";

/** One question the analysis asks: may `candidate` do `action` on `resource`, in `context`? */
export interface Question {
  readonly candidate: Candidate;
  readonly resource: Protected;
  readonly action: string;
  readonly context: Context;
}

/** Why a question's access is intended, or undefined when it is not. */
export function intendedBecause(question: Question): string | undefined {
  const { candidate, resource, action, context } = question;
  const owner = resource.owner;
  const account = owner.target.accountId;
  const value = (key: string) =>
    Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1] as string | undefined;

  // 1. The function's own role reads its own secrets, decrypts them and sends to its own queue:
  //    the check sets above prove each of those grants exactly, row by row.
  if (candidate.identity?.arn === owner.role.arn && resource.kind !== "role" && OWN_ROLE_ACTIONS.includes(action))
    return "the function's own role (its grants are proven row by row)";

  // 2. The IAM delegation row: the account's own IAM policies decide for every resource whose
  //    policy delegates to the account (the key policy's first statement) or that has none. They
  //    are outside the synthesized output; a role's trust does not delegate, so assuming is excluded.
  if (candidate.kind === "account" && candidate.accountId === account && !action.startsWith("sts:AssumeRole"))
    return "IAM delegation: this account's own IAM policies decide (outside the output)";

  // 3. Lambda becomes the function's role, for this account only.
  if (
    resource.kind === "role" &&
    candidate.kind === "service" &&
    candidate.principal === "lambda.amazonaws.com" &&
    action === "sts:AssumeRole" &&
    value("aws:SourceAccount") === account
  )
    return "Lambda runs the function as its role";

  // 4. CloudWatch Logs uses the key for the function's own log group.
  if (
    resource.kind === "key" &&
    candidate.kind === "service" &&
    candidate.principal.startsWith("logs.") &&
    value("kms:EncryptionContext:aws:logs:arn") === owner.logGroupArn
  )
    return "CloudWatch Logs encrypts the function's own log group";

  // 5. The function's triggers, each scoped to a source of this account: a service for a source
  //    ARN of this account (a topic, a rule), and the role a schedule of the app runs as. Whoever
  //    may become such a role is asked about in turn: only Scheduler, for this account, is intended.
  const invokes = action === "lambda:InvokeFunction" || action === "lambda:InvokeFunctionUrl";
  if (resource.kind === "function" && invokes) {
    if (candidate.identity && resource.scheduleRoles.includes(candidate.identity.arn))
      return "a schedule of the app runs as this role and invokes the function";
    if (candidate.kind === "service" && sourceIsThisAccount(context, account))
      return "a trigger scoped to a source of this account";
  }
  if (
    resource.kind === "invoking role" &&
    resource.scheduleRoles.includes(resource.arn) &&
    candidate.kind === "service" &&
    candidate.principal === "scheduler.amazonaws.com" &&
    action === "sts:AssumeRole" &&
    value("aws:SourceAccount") === account
  )
    return "EventBridge Scheduler runs a schedule of this account as this role";

  // 6. A reader declared with grantSecretsRead: exactly its actions, under the construct's conditions.
  return declaredReaderBecause(candidate, resource, action, context);
}

/** The request's source (`aws:SourceArn`, else `aws:SourceAccount`) is of this account, and named. */
function sourceIsThisAccount(context: Context, account: string): boolean {
  const get = (key: string) =>
    Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1] as string | undefined;
  const source = get("aws:SourceArn");
  if (source === undefined) return false;
  const owner = source.split(":")[4];
  return owner ? owner === account : get("aws:SourceAccount") === account;
}

const OWN_ROLE_ACTIONS = [
  "ssm:GetParameter",
  "ssm:GetParameters",
  "secretsmanager:GetSecretValue",
  "kms:Decrypt",
  "sqs:SendMessage",
  "sns:Publish",
];
