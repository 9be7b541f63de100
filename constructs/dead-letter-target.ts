/** Where a SecureLambda sends the asynchronous events it failed to process. */
import type { Construct } from "constructs";
import { DefaultTokenResolver, SqsQueue, StringConcat, TerraformStack, Token, Tokenization } from "./tf";
import { isPlainObject, type Fail } from "../common/values";
import { show } from "../common/show";

/** An existing SQS queue or SNS topic to send failed asynchronous events to. */
export interface ExistingDeadLetterTarget {
  /** ARN of the queue or topic (`queue.arn`, `topic.arn`, or its text). */
  readonly targetArn: string;
}

/** The `deadLetterTarget` prop: a queue the construct creates (`true`), an existing queue or topic, or none. */
export type DeadLetterTargetOption = boolean | ExistingDeadLetterTarget;

/** The one action a function's role needs on its dead-letter target (the values of `DeadLetterAction`). */
export type DeadLetterActionName = "sqs:SendMessage" | "sns:Publish";

/** @deprecated use {@link DeadLetterTargetOption} (the option takes an SNS topic too) */
export type DeadLetterQueueOption = DeadLetterTargetOption;

/** The validated option: nothing, a queue to create, or an existing target and the action it takes. */
export type DeadLetterPlan = undefined | "create" | { readonly arn: string; readonly action: DeadLetterActionName };

/** A dead-letter target and the one action the role needs on it. */
export interface DeadLetterTarget {
  readonly arn: string;
  readonly action: DeadLetterActionName;
  /** The queue, when the construct created it. */
  readonly queue?: SqsQueue;
}

/** SQS's longest retention: the most time to notice a failure and replay the event. */
const RETENTION_SECONDS = 14 * 24 * 60 * 60;

const REFERENCE = String.raw`\$\{[^}]+\}`;
// arn:<partition>:sqs|sns:<region>:<12 digits>:<name>; any part may be a Terraform reference.
const TARGET_ARN = new RegExp(
  `^arn:(?:aws[a-z-]*|${REFERENCE}):(sqs|sns):(?:[a-z0-9-]+|${REFERENCE}):(?:\\d{12}|${REFERENCE}):(?:[A-Za-z0-9_.-]|${REFERENCE})+$`,
);
// A plain reference to a queue's or topic's ARN (`queue.arn`), whose service is its type.
const TARGET_REFERENCE = /^\$\{(?:data\.)?(aws_sqs_queue|aws_sns_topic)\.[^.}]+\.arn\}$/;
const RESOLVER = new DefaultTokenResolver(new StringConcat());

const ALLOWED =
  "allowed are true (a queue <functionName>-dlq is created), false, or { targetArn } naming an existing SQS queue " +
  "(arn:<partition>:sqs:<region>:<account>:<name>) or SNS topic (arn:<partition>:sns:<region>:<account>:<name>)";

/** The name of the queue the construct creates: `<functionName>-dlq` (at most 68 of SQS's 80 characters). */
export function deadLetterQueueName(functionName: string): string {
  return `${functionName}-dlq`;
}

/**
 * Validates the option; a token (`queue.arn`) is resolved to tell a queue from a topic,
 * since the role gets exactly the one action that target takes.
 */
export function planDeadLetter(
  scope: Construct,
  fail: Fail,
  option: unknown,
  prop = "deadLetterTarget",
): DeadLetterPlan {
  if (option === undefined || option === false) return undefined;
  if (option === true) return "create";
  const targetArn = isPlainObject(option) ? option.targetArn : undefined;
  if (typeof targetArn !== "string") {
    fail(prop, `${isPlainObject(option) ? "an object without a targetArn string" : show(option)}: ${ALLOWED}`);
  }
  const text = Token.isUnresolved(targetArn)
    ? String(Tokenization.resolve(targetArn, { scope: TerraformStack.of(scope), resolver: RESOLVER }))
    : targetArn;
  const service = TARGET_ARN.exec(text)?.[1] ?? TARGET_REFERENCE.exec(text)?.[1];
  if (service === undefined) fail(prop, `{ targetArn: ${show(text)} }: ${ALLOWED}`);
  return {
    arn: targetArn,
    action: service === "sqs" || service === "aws_sqs_queue" ? "sqs:SendMessage" : "sns:Publish",
  };
}

/** Creates the queue of a `"create"` plan; returns the target, or undefined without one. */
export function createDeadLetterTarget(
  scope: Construct,
  plan: DeadLetterPlan,
  props: { readonly functionName: string; readonly tags?: Record<string, string> },
): DeadLetterTarget | undefined {
  if (plan !== "create") return plan;
  const queue = new SqsQueue(scope, "DeadLetterQueue", {
    name: deadLetterQueueName(props.functionName),
    // SQS-managed encryption, not the function's key: a dead-letter queue holds event
    // payloads, never secrets, and a queue on a customer-managed key would need the role
    // to hold kms:GenerateDataKey and kms:Decrypt under encryption contexts AWS does not
    // document, so no condition could scope them.
    sqsManagedSseEnabled: true,
    messageRetentionSeconds: RETENTION_SECONDS,
    tags: props.tags,
  });
  return { arn: queue.arn, action: "sqs:SendMessage", queue };
}
