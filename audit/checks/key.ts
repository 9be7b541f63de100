/**
 * The key itself: the function may not encrypt with it, manage it or hand it on, and the
 * key policy lets CloudWatch Logs use it for the function's own log group only.
 */
import type { Check } from "./check";
import { functionAsks, otherFunctions, viaService, type AuditWorld } from "./context";
import { OTHER_ACCOUNT_ID } from "../target";
import type { FunctionSubject, KeySubject } from "../subjects";

const ADMINISTRATOR = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

export function keyChecks(subject: FunctionSubject, world: AuditWorld): Check[] {
  const key = subject.parameters[0]?.key ?? subject.secret?.key;
  if (!key) return [];
  const { accountId } = subject.target;
  const ask = functionAsks(subject);
  const byFunction = (action: string, describe: string, context: Check["request"]["context"] = {}) =>
    ask(describe, "denied", action, key.arn, {
      context: { "kms:CallerAccount": accountId, ...context },
      resourcePolicy: key.policy,
    });
  const checks: Check[] = [
    byFunction("kms:Encrypt", `kms:Encrypt via ${subject.secret ? "Secrets Manager" : "SSM"} with the key`, {
      "kms:ViaService": viaService(subject, subject.secret ? "secretsmanager" : "ssm"),
    }),
    byFunction("kms:GenerateDataKey", "kms:GenerateDataKey with the key"),
    byFunction("kms:ScheduleKeyDeletion", "kms:ScheduleKeyDeletion of the key"),
    byFunction("kms:PutKeyPolicy", "kms:PutKeyPolicy on the key"),
    byFunction("kms:CreateGrant", "kms:CreateGrant on the key"),
    {
      // Not a weakness of this stack but the limit of what it proves: the key policy delegates
      // to IAM (as AWS's default key policy does), so whoever IAM lets use the key in this
      // account can decrypt the secrets directly, without the store. The row keeps that visible.
      describe: `kms:Decrypt directly by an administrator of this account (the key policy delegates to IAM)`,
      expected: "allowed",
      request: {
        principal: `arn:${subject.target.partition}:iam::${accountId}:role/admin`,
        action: "kms:Decrypt",
        resource: key.arn,
        resourceAccount: accountId,
        context: { "kms:CallerAccount": accountId },
      },
      identityPolicies: [{ name: "AdministratorAccess", document: ADMINISTRATOR }],
      resourcePolicy: key.policy,
    },
    {
      describe: `kms:Decrypt by an administrator of another account`,
      expected: "denied",
      request: {
        principal: `arn:${subject.target.partition}:iam::${OTHER_ACCOUNT_ID}:role/admin`,
        action: "kms:Decrypt",
        resource: key.arn,
        resourceAccount: accountId,
        context: { "kms:CallerAccount": OTHER_ACCOUNT_ID },
      },
      identityPolicies: [{ name: "AdministratorAccess", document: ADMINISTRATOR }],
      resourcePolicy: key.policy,
    },
  ];
  if (!key.policyIsAssumed) checks.push(...logsServiceChecks(subject, world, key));
  return checks;
}

/** CloudWatch Logs encrypts the function's log group with the key, and no other group. */
function logsServiceChecks(subject: FunctionSubject, world: AuditWorld, key: KeySubject): Check[] {
  const logs = viaService(subject, "logs");
  const other = otherFunctions(subject, world)[0];
  const otherGroup = `arn:${subject.target.partition}:logs:${subject.target.region}:${subject.target.accountId}:log-group:${other?.logGroupName ?? "/aws/lambda/other-function"}`;
  const asLogs = (describe: string, expected: Check["expected"], groupArn: string): Check => ({
    describe,
    expected,
    request: {
      principal: logs,
      action: "kms:GenerateDataKey",
      resource: key.arn,
      resourceAccount: subject.target.accountId,
      context: { "kms:EncryptionContext:aws:logs:arn": groupArn },
    },
    identityPolicies: [],
    resourcePolicy: key.policy,
  });
  return [
    asLogs(`kms:GenerateDataKey by ${logs} for own log group`, "allowed", subject.logGroupArn),
    asLogs(
      `kms:GenerateDataKey by ${logs} for ${other ? "another function's" : "another"} log group`,
      "denied",
      otherGroup,
    ),
  ];
}
