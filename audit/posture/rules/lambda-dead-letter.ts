import { blockOf, isSet } from "../json-values";
import { resourcesOf, type PostureRule } from "../rule";

export const lambdaDeadLetterRule: PostureRule = {
  ids: ["CKV_AWS_116"],
  title: "every Lambda function has a dead-letter target",
  why: "An asynchronous event that fails every retry is otherwise dropped without a trace: a lost notification, and no evidence of what failed or of an attack that made it fail.",
  check: (json) =>
    resourcesOf(json, "aws_lambda_function")
      .filter(([, fn]) => !isSet(blockOf(fn, "dead_letter_config")?.target_arn))
      .map(([address]) => ({ address, problem: "has no dead_letter_config.target_arn: failed asynchronous events are dropped" })),
};
