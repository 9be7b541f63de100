import { isSet } from "../json-values";
import { resourcesOf, type PostureRule } from "../rule";

export const lambdaCodeSigningRule: PostureRule = {
  ids: ["CKV_AWS_272"],
  title: "every Lambda function only runs code signed by a trusted publisher",
  why: "Without code signing anyone who may call UpdateFunctionCode can run their own code with the function's role, and read its secrets.",
  optIn:
    "Code signing needs artifacts signed by AWS Signer and uploaded through S3; the zip this project builds at synth time is not signed. " +
    "Set SecureLambda's codeSigningConfigArn once a signing pipeline exists.",
  check: (json) =>
    resourcesOf(json, "aws_lambda_function")
      .filter(([, fn]) => !isSet(fn.code_signing_config_arn))
      .map(([address]) => ({ address, problem: "has no code_signing_config_arn: Lambda runs any code it is given" })),
};
