import { blockOf, isSet } from "../json-values";
import { resourcesOf, type PostureFinding, type PostureRule } from "../rule";

export const lambdaEnvironmentEncryptedRule: PostureRule = {
  ids: ["CKV_AWS_173"],
  title: "every Lambda environment is encrypted with a customer-managed key, and only an environment has one",
  why:
    "GetFunction returns environment variables in clear text to anyone allowed to read the function; with a customer-managed key " +
    "the key policy also decides who may decrypt them. A kms_key_arn without an environment encrypts nothing, and the scanner fails it.",
  check: (json) => {
    const findings: PostureFinding[] = [];
    for (const [address, fn] of resourcesOf(json, "aws_lambda_function")) {
      const hasEnvironment = blockOf(fn, "environment") !== undefined;
      if (hasEnvironment && !isSet(fn.kms_key_arn)) findings.push({ address, problem: "has an environment but no kms_key_arn: Lambda's AWS-managed key encrypts it" });
      if (!hasEnvironment && fn.kms_key_arn !== undefined) findings.push({ address, problem: "has a kms_key_arn but no environment: remove the key or the scanner fails it" });
    }
    return findings;
  },
};
