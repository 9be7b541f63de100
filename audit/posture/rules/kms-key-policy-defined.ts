import { isSet } from "../json-values";
import { resourcesOf, type PostureRule } from "../rule";

export const kmsKeyPolicyDefinedRule: PostureRule = {
  ids: ["CKV2_AWS_64"],
  title: "every KMS key has a key policy of its own",
  why: "Without an explicit policy KMS applies its default, which leaves every use of the key to the account's IAM policies and says nothing in code about who may use it; an explicit policy is reviewed with the stack.",
  check: (json) =>
    resourcesOf(json, "aws_kms_key")
      .filter(([, key]) => !isSet(key.policy))
      .map(([address]) => ({ address, problem: "has no policy: KMS would apply its default key policy" })),
};
