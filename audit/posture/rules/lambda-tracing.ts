import { blockOf } from "../json-values";
import { resourcesOf, type PostureRule, ruleIdOf } from "../rule";

export const lambdaTracingRule: PostureRule = {
  id: ruleIdOf(__filename),
  title: "every Lambda function traces actively with X-Ray",
  why: "Active tracing records every invocation and each AWS call it makes (SSM, KMS): the trail that shows what a function did, and when, in an incident.",
  nearest: ["CKV_AWS_50", "AWS-0066"],
  scannerGap:
    "CKV_AWS_50 passes PassThrough. Trivy's AWS-0066 asks for Active but cannot read a nested block in Terraform JSON (aquasecurity/trivy#5907): it fails every function, traced or not, so the skip list accepts it.",
  check: (json) =>
    resourcesOf(json, "aws_lambda_function")
      .filter(([, fn]) => blockOf(fn, "tracing_config")?.mode !== "Active")
      .map(([address, fn]) => ({
        address,
        problem: `tracing_config.mode is ${JSON.stringify(blockOf(fn, "tracing_config")?.mode) ?? "not set"}; it must be "Active"`,
      })),
};
