import { isSet } from "../json-values";
import { resourcesOf, type PostureRule, ruleIdOf } from "../rule";

export const ssmCustomerKeyRule: PostureRule = {
  id: ruleIdOf(__filename),
  title: "every SecureString parameter is encrypted with a customer-managed key",
  why:
    "Without key_id SSM uses the AWS-managed key alias/aws/ssm, whose policy lets every principal of the account with ssm:GetParameter decrypt: " +
    "only a customer-managed key lets the key policy and kms:EncryptionContext conditions limit who reads the secret.",
  nearest: ["CKV_AWS_337"],
  scannerGap:
    "CKV_AWS_337 asks only that key_id is set: it passes alias/aws/ssm, the AWS-managed key. Trivy 0.74 has no SSM parameter check.",
  check: (json) =>
    resourcesOf(json, "aws_ssm_parameter")
      .filter(
        ([, parameter]) =>
          parameter.type === "SecureString" && (!isSet(parameter.key_id) || parameter.key_id === "alias/aws/ssm"),
      )
      .map(([address, parameter]) => ({
        address,
        problem: `key_id is ${JSON.stringify(parameter.key_id) ?? "not set"}: the AWS-managed key alias/aws/ssm encrypts it`,
      })),
};
