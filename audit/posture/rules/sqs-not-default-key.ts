import { resourcesOf, type PostureRule } from "../rule";

export const sqsNotDefaultKeyRule: PostureRule = {
  ids: ["CKV2_AWS_73", "AVD-AWS-0135"],
  title: "no SQS queue is encrypted with the AWS-managed key alias/aws/sqs",
  why:
    "The AWS-managed SQS key's policy cannot be changed and lets the whole account use it through SQS; SQS-managed encryption or a customer-managed key " +
    "is used instead (alias/aws/sqs also breaks delivery from services such as SNS and EventBridge, which cannot use it).",
  check: (json) =>
    resourcesOf(json, "aws_sqs_queue")
      .filter(([, queue]) => queue.kms_master_key_id === "alias/aws/sqs")
      .map(([address]) => ({ address, problem: "kms_master_key_id is alias/aws/sqs, the AWS-managed key" })),
};
