/**
 * Who may invoke the function: each principal the stack grants (an `aws_lambda_permission`) for
 * exactly its source, and nobody else: not another account, not a principal of this account that
 * no policy allows, not the granted service on behalf of another source or account. A URL must
 * take signed requests only (`AWS_IAM`).
 *
 * A trigger scoped by `source_arn` (an EventBridge rule, an SNS topic) gets its own pair of rows:
 * that source may invoke, a sibling source and the same service for another account may not.
 */
import type { Check } from "./check";
import type { FunctionSubject } from "../subjects";
import type { InvokePermission } from "../function-access";
import { OTHER_ACCOUNT_ID } from "../target";

const MAY_INVOKE_ANY_FUNCTION = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"], Resource: "*" }],
};
// A service that commonly invokes functions, for the row that catches a permission without a source.
const PROBE_SERVICE = "sns.amazonaws.com";

export function invokeChecks(subject: FunctionSubject): Check[] {
  const { accountId, partition, region } = subject.target;
  const invoke = (
    describe: string,
    expected: Check["expected"],
    principal: string,
    options: { action?: string; context?: Check["request"]["context"]; identity?: boolean } = {},
  ): Check => ({
    describe,
    expected,
    request: {
      principal,
      action: options.action ?? "lambda:InvokeFunction",
      resource: subject.functionArn,
      resourceAccount: accountId,
      context: options.context ?? {},
    },
    identityPolicies: options.identity ? [{ name: "MayInvokeAnyFunction", document: MAY_INVOKE_ANY_FUNCTION }] : [],
    resourcePolicy: subject.resourcePolicy,
  });
  const otherRole = `arn:${partition}:iam::${OTHER_ACCOUNT_ID}:role/someone`;
  const ownRole = `arn:${partition}:iam::${accountId}:role/someone`;
  const otherTopic = `arn:${partition}:sns:${region}:${OTHER_ACCOUNT_ID}:some-topic`;
  const checks: Check[] = [
    invoke("lambda:InvokeFunction by a role of another account allowed to invoke any function", "denied", otherRole, {
      identity: true,
    }),
    invoke("lambda:InvokeFunction by a role of this account that no policy allows", "denied", ownRole),
    invoke(`lambda:InvokeFunction by ${PROBE_SERVICE} for another account's topic`, "denied", PROBE_SERVICE, {
      context: { "aws:SourceArn": otherTopic, "aws:SourceAccount": OTHER_ACCOUNT_ID },
    }),
    invoke(
      `lambda:InvokeFunction by ${PROBE_SERVICE} for a topic of this account no permission names`,
      "denied",
      PROBE_SERVICE,
      {
        context: {
          "aws:SourceArn": `arn:${partition}:sns:${region}:${accountId}:unrelated-topic`,
          "aws:SourceAccount": accountId,
        },
      },
    ),
    // A schedule invokes as a role of its own (the "invoke (schedule)" rows): neither a rule nor Scheduler itself may.
    invoke(
      "lambda:InvokeFunction by events.amazonaws.com for a rule of this account",
      "denied",
      "events.amazonaws.com",
      {
        context: {
          "aws:SourceArn": `arn:${partition}:events:${region}:${accountId}:rule/some-rule`,
          "aws:SourceAccount": accountId,
        },
      },
    ),
    invoke(
      "lambda:InvokeFunction by scheduler.amazonaws.com itself, for this account",
      "denied",
      "scheduler.amazonaws.com",
      {
        context: { "aws:SourceAccount": accountId },
      },
    ),
  ];
  for (const permission of subject.invokePermissions) checks.push(...grantChecks(subject, permission, invoke));
  for (const url of subject.functionUrls) {
    checks.push(
      {
        ...invoke(
          `lambda:InvokeFunctionUrl unsigned, by anyone (${url.address}: authorization_type ${url.authorizationType})`,
          "denied",
          "*",
          {
            action: "lambda:InvokeFunctionUrl",
          },
        ),
        // AWS_IAM: Lambda refuses an unsigned request before any policy. Anything else takes it.
        decided: url.authorizationType === "AWS_IAM" ? "denied" : "allowed",
      },
      invoke(
        "lambda:InvokeFunctionUrl signed by a role of another account allowed to invoke any URL",
        "denied",
        otherRole,
        {
          action: "lambda:InvokeFunctionUrl",
          context: { "lambda:FunctionUrlAuthType": "AWS_IAM" },
          identity: true,
        },
      ),
    );
  }
  return checks;
}

type Invoke = (
  describe: string,
  expected: Check["expected"],
  principal: string,
  options?: { action?: string; context?: Check["request"]["context"]; identity?: boolean },
) => Check;

/** What one permission grants: its principal for its source, and not for another source or account. */
function grantChecks(subject: FunctionSubject, permission: InvokePermission, invoke: Invoke): Check[] {
  const { accountId } = subject.target;
  const action = permission.action === "lambda:*" ? "lambda:InvokeFunction" : permission.action;
  const context = (sourceArn: string | undefined, sourceAccount: string | undefined) => ({
    ...(sourceArn ? { "aws:SourceArn": sourceArn } : {}),
    ...(sourceAccount ? { "aws:SourceAccount": sourceAccount } : {}),
    ...(permission.functionUrlAuthType ? { "lambda:FunctionUrlAuthType": permission.functionUrlAuthType } : {}),
    ...(permission.eventSourceToken ? { "lambda:EventSourceToken": permission.eventSourceToken } : {}),
  });
  if (
    permission.principal === "*" ||
    /^\d{12}$/.test(permission.principal) ||
    permission.principal.startsWith("arn:")
  ) {
    // An account or a principal of one: the grant is what it is; the fixed rows say whether it reaches too far.
    return [];
  }
  const service = permission.principal;
  const source = permission.sourceArn;
  const checks = [
    invoke(
      `${action} by ${service}${source ? ` for ${source}` : ""} (granted by ${permission.address})`,
      "allowed",
      service,
      {
        action,
        context: context(source, permission.sourceAccount ?? accountId),
      },
    ),
  ];
  if (source) {
    checks.push(
      invoke(`${action} by ${service} for another source than ${source}`, "denied", service, {
        action,
        context: context(siblingOf(source), permission.sourceAccount ?? accountId),
      }),
    );
  }
  checks.push(
    invoke(`${action} by ${service} on behalf of another account`, "denied", service, {
      action,
      context: context(source ? source.replace(/:\d{12}:/, `:${OTHER_ACCOUNT_ID}:`) : undefined, OTHER_ACCOUNT_ID),
    }),
  );
  return checks;
}

/** Another resource of the same kind: the source ARN's last name with `-other`. */
function siblingOf(arn: string): string {
  return arn.replace(/([^:/]+)$/, "$1-other");
}
