/** Logging: the function writes its own log group's streams, and no other group. */
import type { Check } from "./check";
import { arnIn, otherFunctions, type AuditWorld } from "./context";
import type { FunctionSubject } from "../subjects";

// The shape of the stream names Lambda gives (date/[version]id).
const STREAM = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef";

export function logChecks(subject: FunctionSubject, world: AuditWorld): Check[] {
  const stream = (group: string) => arnIn(subject, "logs", `log-group:${group}:log-stream:${STREAM}`);
  const asFunction = (describe: string, expected: Check["expected"], action: string, resource: string): Check => ({
    describe,
    expected,
    request: { principal: subject.role.sessionArn, action, resource, resourceAccount: subject.target.accountId, context: {} },
    identityPolicies: subject.role.policies,
  });
  const other = otherFunctions(subject, world)[0]?.logGroupName ?? "/aws/lambda/other-function";
  return [
    asFunction(`logs:CreateLogStream in own ${subject.logGroupName}`, "allowed", "logs:CreateLogStream", stream(subject.logGroupName)),
    asFunction(`logs:PutLogEvents in own ${subject.logGroupName}`, "allowed", "logs:PutLogEvents", stream(subject.logGroupName)),
    asFunction(`logs:PutLogEvents in another function's ${other}`, "denied", "logs:PutLogEvents", stream(other)),
    asFunction(`logs:PutLogEvents in a sibling ${subject.logGroupName}-sibling`, "denied", "logs:PutLogEvents", stream(`${subject.logGroupName}-sibling`)),
    // The group is created, encrypted and with its retention, by Terraform: never by Lambda.
    asFunction(`logs:CreateLogGroup ${subject.logGroupName}`, "denied", "logs:CreateLogGroup", arnIn(subject, "logs", `log-group:${subject.logGroupName}`)),
  ];
}
