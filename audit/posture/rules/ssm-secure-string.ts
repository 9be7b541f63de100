import { resourcesOf, type PostureRule } from "../rule";

export const ssmSecureStringRule: PostureRule = {
  ids: ["CKV2_AWS_34"],
  title: "every SSM parameter is a SecureString",
  why: "A String parameter is stored and returned in clear text to anyone with ssm:GetParameter; a SecureString is encrypted with KMS, so reading it also takes kms:Decrypt on its key.",
  check: (json) =>
    resourcesOf(json, "aws_ssm_parameter")
      .filter(([, parameter]) => parameter.type !== "SecureString")
      .map(([address, parameter]) => ({ address, problem: `type is ${JSON.stringify(parameter.type) ?? "not set"}; it must be "SecureString"` })),
};
