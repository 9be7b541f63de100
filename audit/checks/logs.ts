/** Logging: the function writes its own log group's streams, and no other group. */
import type { Check } from "./check";
import { arnIn, functionAsks, otherFunctions, type AuditWorld } from "./context";
import type { FunctionSubject } from "../subjects";

// The shape of the stream names Lambda gives (date/[version]id).
const STREAM = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef";

export function logChecks(subject: FunctionSubject, world: AuditWorld): Check[] {
  const stream = (group: string) => arnIn(subject, "logs", `log-group:${group}:log-stream:${STREAM}`);
  const ask = functionAsks(subject);
  const other = otherFunctions(subject, world)[0]?.logGroupName ?? "/aws/lambda/other-function";
  return [
    ask(
      `logs:CreateLogStream in own ${subject.logGroupName}`,
      "allowed",
      "logs:CreateLogStream",
      stream(subject.logGroupName),
    ),
    ask(
      `logs:PutLogEvents in own ${subject.logGroupName}`,
      "allowed",
      "logs:PutLogEvents",
      stream(subject.logGroupName),
    ),
    ask(`logs:PutLogEvents in another function's ${other}`, "denied", "logs:PutLogEvents", stream(other)),
    ask(
      `logs:PutLogEvents in a sibling ${subject.logGroupName}-sibling`,
      "denied",
      "logs:PutLogEvents",
      stream(`${subject.logGroupName}-sibling`),
    ),
    // The group is created, encrypted and with its retention, by Terraform: never by Lambda.
    ask(
      `logs:CreateLogGroup ${subject.logGroupName}`,
      "denied",
      "logs:CreateLogGroup",
      arnIn(subject, "logs", `log-group:${subject.logGroupName}`),
    ),
  ];
}
