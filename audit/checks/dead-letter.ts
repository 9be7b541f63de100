/** The dead-letter target: the function may send to it, not read or empty it, and send nowhere else. */
import type { Check } from "./check";
import { arnIn, functionAsks } from "./context";
import type { FunctionSubject } from "../subjects";

export function deadLetterChecks(subject: FunctionSubject): Check[] {
  const target = subject.deadLetterTargetArn;
  if (!target) return [];
  const ask = functionAsks(subject);
  // The target may be another account's queue or topic.
  const asFunction = (describe: string, expected: Check["expected"], action: string, resource: string) =>
    ask(describe, expected, action, resource, { resourceAccount: resource.split(":")[4] || subject.target.accountId });
  const name = target.slice(target.lastIndexOf(":") + 1);
  if (target.split(":")[2] === "sns") {
    return [
      asFunction(`sns:Publish to own dead-letter topic ${name}`, "allowed", "sns:Publish", target),
      asFunction("sns:Publish to another topic", "denied", "sns:Publish", arnIn(subject, "sns", `${name}-other`)),
      asFunction(`sns:Subscribe to own dead-letter topic ${name}`, "denied", "sns:Subscribe", target),
    ];
  }
  return [
    asFunction(`sqs:SendMessage to own dead-letter queue ${name}`, "allowed", "sqs:SendMessage", target),
    asFunction("sqs:SendMessage to another queue", "denied", "sqs:SendMessage", arnIn(subject, "sqs", `${name}-other`)),
    asFunction(`sqs:ReceiveMessage from own dead-letter queue ${name}`, "denied", "sqs:ReceiveMessage", target),
    asFunction(`sqs:PurgeQueue of own dead-letter queue ${name}`, "denied", "sqs:PurgeQueue", target),
  ];
}
