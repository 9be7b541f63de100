import { isSet } from "../json-values";
import { resourcesOf, type PostureRule } from "../rule";

export const sqsEncryptedRule: PostureRule = {
  ids: ["CKV_AWS_27", "AVD-AWS-0096"],
  title: "every SQS queue is encrypted at rest",
  why: "A dead-letter queue keeps failed event payloads for days; unencrypted, they sit in clear text in SQS storage.",
  check: (json) =>
    resourcesOf(json, "aws_sqs_queue")
      .filter(([, queue]) => queue.sqs_managed_sse_enabled !== true && !isSet(queue.kms_master_key_id))
      .map(([address]) => ({ address, problem: "neither sqs_managed_sse_enabled nor kms_master_key_id is set: messages are stored unencrypted" })),
};
