/**
 * A function subscribed to SNS topics: per topic, a subscription and the permission that
 * lets SNS invoke the function for that topic only.
 *
 * The permission's `source_arn` is the topic's exact ARN: without it, or with a wildcard, any
 * topic (of any account) that names the function could invoke it. A topic encrypted with a
 * customer-managed key needs a key policy that lets SNS use that key; that key and its policy
 * are the topic owner's, not this construct's.
 */
import { Construct } from "constructs";
import { show } from "../common/show";
import { LambdaPermission, SnsTopicSubscription, Token } from "./tf";
import type { Fail } from "../common/values";

// arn:<partition>:sns:<region>:<account>:<topic name>, the name 1 to 256 of A-Z a-z 0-9 - _.
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Throws unless every entry is one topic's exact ARN (a token is left to SNS), each listed once. */
export function checkSnsTopicArns(fail: Fail, arns: unknown): void {
  if (arns === undefined) return;
  if (Token.isUnresolved(arns) || !Array.isArray(arns)) {
    fail(
      "snsTopicArns",
      `${show(arns)}: allowed is an array of SNS topic ARNs known at synth (a topic's arn attribute may be one of them)`,
    );
  }
  const seen = new Set<string>();
  for (const [index, arn] of (arns as unknown[]).entries()) {
    if (Token.isUnresolved(arn)) continue;
    if (typeof arn !== "string") fail("snsTopicArns", `entry ${index + 1}, ${show(arn)}: allowed are topic ARNs`);
    if (/[*?]/.test(arn)) {
      fail(
        "snsTopicArns",
        `entry ${index + 1}, ${show(arn)}: a wildcard would let other topics invoke the function; allowed is one topic's exact ARN`,
      );
    }
    if (arn.endsWith(".fifo"))
      fail("snsTopicArns", `entry ${index + 1}, ${show(arn)}: a FIFO topic delivers to SQS queues only, not to Lambda`);
    if (!TOPIC_ARN.test(arn)) {
      fail(
        "snsTopicArns",
        `entry ${index + 1}, ${show(arn)}: allowed is a topic ARN, arn:<partition>:sns:<region>:<12-digit account>:<topic name>`,
      );
    }
    if (seen.has(arn)) fail("snsTopicArns", `${show(arn)} is listed twice`);
    seen.add(arn);
  }
}

/** The function and the topics it is subscribed to. */
export interface SnsTriggerProps {
  /** ARNs of the topics whose messages invoke the function. */
  readonly topicArns: string[];
  /** The function's `function_name` attribute, for the permissions. */
  readonly functionName: string;
  /** The function's `arn`, the subscriptions' endpoint. */
  readonly functionArn: string;
}

/** Per topic `Topic<n>` (in list order): `Permission` (SNS for that topic only) and `Subscription`. */
export class SnsTrigger extends Construct {
  /** The permission of each topic, in the order of `snsTopicArns`. */
  readonly permissions: LambdaPermission[];
  /** The subscription of each topic, in the order of `snsTopicArns`. */
  readonly subscriptions: SnsTopicSubscription[];

  constructor(scope: Construct, id: string, props: SnsTriggerProps) {
    super(scope, id);
    const permissions: LambdaPermission[] = [];
    const subscriptions: SnsTopicSubscription[] = [];
    props.topicArns.forEach((topicArn, index) => {
      const topic = new Construct(this, `Topic${index + 1}`);
      const permission = new LambdaPermission(topic, "Permission", {
        statementId: `sns-topic-${index + 1}`,
        action: "lambda:InvokeFunction",
        functionName: props.functionName,
        principal: "sns.amazonaws.com",
        // This topic only: see the file's comment.
        sourceArn: topicArn,
      });
      permissions.push(permission);
      subscriptions.push(
        new SnsTopicSubscription(topic, "Subscription", {
          topicArn,
          protocol: "lambda",
          endpoint: props.functionArn,
          // SNS may deliver as soon as the subscription exists: the permission comes first.
          dependsOn: [permission],
        }),
      );
    });
    this.permissions = permissions;
    this.subscriptions = subscriptions;
  }
}
