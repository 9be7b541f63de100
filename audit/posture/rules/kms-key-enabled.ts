import { resourcesOf, type PostureRule } from "../rule";

export const kmsKeyEnabledRule: PostureRule = {
  ids: ["CKV_AWS_227"],
  title: "no KMS key is disabled",
  why: "A disabled key cannot decrypt: every secret and log encrypted with it becomes unreadable, and the function fails at its first cold start.",
  check: (json) =>
    resourcesOf(json, "aws_kms_key")
      .filter(([, key]) => key.is_enabled === false || key.is_enabled === "false")
      .map(([address]) => ({ address, problem: "is_enabled is false" })),
};
