import { resourcesOf, type PostureRule } from "../rule";

export const functionUrlIamAuthRule: PostureRule = {
  ids: ["CKV_AWS_258"],
  title: "every Lambda function URL requires IAM authentication",
  why: "A function URL with authorization NONE is public: anyone on the internet can invoke the function, run up its bill and make it use its secrets, with no IAM check at all.",
  check: (json) =>
    resourcesOf(json, "aws_lambda_function_url")
      .filter(([, url]) => url.authorization_type !== "AWS_IAM")
      .map(([address, url]) => ({ address, problem: `authorization_type is ${JSON.stringify(url.authorization_type) ?? "not set"}; it must be "AWS_IAM"` })),
};
