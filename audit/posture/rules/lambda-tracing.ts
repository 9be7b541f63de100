import { blockOf } from "../json-values";
import { resourcesOf, type PostureRule } from "../rule";

export const lambdaTracingRule: PostureRule = {
  ids: ["AVD-AWS-0066", "CKV_AWS_50"],
  title: "every Lambda function traces actively with X-Ray",
  why:
    "Active tracing records every invocation and each AWS call it makes (SSM, KMS): the trail that shows what a function did, and when, in an incident. " +
    "(CKV_AWS_50 also passes PassThrough, which traces only when the caller already does; AVD-AWS-0066 asks for Active.)",
  check: (json) =>
    resourcesOf(json, "aws_lambda_function")
      .filter(([, fn]) => blockOf(fn, "tracing_config")?.mode !== "Active")
      .map(([address, fn]) => ({ address, problem: `tracing_config.mode is ${JSON.stringify(blockOf(fn, "tracing_config")?.mode) ?? "not set"}; it must be "Active"` })),
};
