/**
 * Who may invoke a function: its resource policy, as Lambda builds it from the stack's
 * `aws_lambda_permission`s (one statement each), and its URLs (`aws_lambda_function_url`).
 */
import type { References } from "./references";
import type { PolicyDocument } from "./subjects";
import { AuditError, resourcesOf, type StackJson } from "./terraform-json";

/** One `aws_lambda_permission` of the function, resolved. */
export interface InvokePermission {
  readonly address: string;
  /** `lambda:InvokeFunction`, `lambda:InvokeFunctionUrl`, ... */
  readonly action: string;
  /** As written: a service (`sns.amazonaws.com`), an account id, an ARN, or `*`. */
  readonly principal: string;
  readonly sourceArn?: string;
  readonly sourceAccount?: string;
  readonly principalOrgId?: string;
  readonly functionUrlAuthType?: string;
  readonly eventSourceToken?: string;
}

/** One URL of the function. */
export interface FunctionUrl {
  readonly address: string;
  readonly authorizationType: string;
}

/** The permissions whose `function_name` is this function (by name or ARN, with or without a qualifier). */
export function invokePermissionsOf(
  json: StackJson,
  references: References,
  functionName: string,
  functionArn: string,
): InvokePermission[] {
  const permissions: InvokePermission[] = [];
  for (const [address, body] of resourcesOf(json, "aws_lambda_permission")) {
    const text = (name: string) =>
      typeof body[name] === "string" ? references.resolve(body[name] as string, `${address}.${name}`) : undefined;
    if (!isThisFunction(text("function_name"), functionName, functionArn)) continue;
    const action = text("action");
    const principal = text("principal");
    if (action === undefined || principal === undefined)
      throw new AuditError(`${address}: a permission without a literal action and principal cannot be evaluated`);
    permissions.push({
      address,
      action,
      principal,
      sourceArn: text("source_arn"),
      sourceAccount: text("source_account"),
      principalOrgId: text("principal_org_id"),
      functionUrlAuthType: text("function_url_auth_type"),
      eventSourceToken: text("event_source_token"),
    });
  }
  return permissions;
}

/** The function's URLs, with their authorization type (`AWS_IAM` or `NONE`). */
export function functionUrlsOf(
  json: StackJson,
  references: References,
  functionName: string,
  functionArn: string,
): FunctionUrl[] {
  return resourcesOf(json, "aws_lambda_function_url")
    .filter(
      ([address, body]) =>
        typeof body.function_name === "string" &&
        isThisFunction(references.resolve(body.function_name, address), functionName, functionArn),
    )
    .map(([address, body]) => ({
      address,
      authorizationType:
        typeof body.authorization_type === "string"
          ? references.resolve(body.authorization_type, address)
          : "(not set)",
    }));
}

function isThisFunction(name: string | undefined, functionName: string, functionArn: string): boolean {
  if (name === undefined) return false;
  return name === functionName || name === functionArn || name.startsWith(`${functionArn}:`);
}

/** The resource policy Lambda keeps for the function: one statement per permission, as AddPermission writes it. */
export function resourcePolicyOf(
  permissions: readonly InvokePermission[],
  functionArn: string,
  partition: string,
): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: permissions.map((p) => {
      const conditions: Record<string, Record<string, string>> = {};
      const add = (operator: string, key: string, value: string | undefined) => {
        if (value !== undefined) conditions[operator] = { ...conditions[operator], [key]: value };
      };
      add("ArnLike", "AWS:SourceArn", p.sourceArn);
      add("StringEquals", "AWS:SourceAccount", p.sourceAccount);
      add("StringEquals", "aws:PrincipalOrgID", p.principalOrgId);
      add("StringEquals", "lambda:FunctionUrlAuthType", p.functionUrlAuthType);
      add("StringEquals", "lambda:EventSourceToken", p.eventSourceToken);
      return {
        Sid: p.address,
        Effect: "Allow",
        Principal: principalOf(p.principal, partition),
        Action: p.action,
        Resource: functionArn,
        ...(Object.keys(conditions).length > 0 ? { Condition: conditions } : {}),
      };
    }),
  };
}

/** A permission's principal as Lambda writes it into the policy. */
function principalOf(principal: string, partition: string): string | Record<string, string> {
  if (principal === "*") return "*";
  if (/^\d{12}$/.test(principal)) return { AWS: `arn:${partition}:iam::${principal}:root` };
  if (principal.startsWith("arn:")) return { AWS: principal };
  return { Service: principal };
}
