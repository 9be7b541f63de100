import { resourcesOf, type PostureRule } from "../rule";

export const kmsKeyRotationRule: PostureRule = {
  ids: ["CKV_AWS_7", "AVD-AWS-0065"],
  title: "every KMS key rotates",
  why: "A key that never rotates keeps one key material for every secret it ever encrypted: material that leaks once exposes all of them. Yearly rotation limits what one piece of material protects.",
  check: (json) =>
    resourcesOf(json, "aws_kms_key")
      .filter(([, key]) => key.enable_key_rotation !== true)
      .map(([address, key]) => ({ address, problem: `enable_key_rotation is ${JSON.stringify(key.enable_key_rotation) ?? "not set"}; it must be true` })),
};
