import { blockOf, isSet, referencedAddress } from "../json-values";
import { resourcesOf, type PostureFinding, type PostureRule } from "../rule";

export const logGroupEncryptedRule: PostureRule = {
  ids: ["CKV_AWS_158", "AVD-AWS-0017"],
  title: "every log group is encrypted with a customer-managed key, its function's own",
  why:
    "Logs may hold what a function should never have printed. With a customer-managed key the key policy decides who reads them, " +
    "beyond logs:GetLogEvents; with the function's own key, reading a function's logs and its secrets is one decision, not two.",
  check: (json) => {
    const findings: PostureFinding[] = [];
    const functions = resourcesOf(json, "aws_lambda_function");
    for (const [address, group] of resourcesOf(json, "aws_cloudwatch_log_group")) {
      if (!isSet(group.kms_key_id)) {
        findings.push({ address, problem: "kms_key_id is not set: the logs are encrypted only with a key CloudWatch owns" });
        continue;
      }
      for (const [functionAddress, fn] of functions) {
        const logGroup = blockOf(fn, "logging_config")?.log_group;
        const writesHere = referencedAddress(logGroup, "name") === address || (logGroup !== undefined && logGroup === group.name);
        if (writesHere && isSet(fn.kms_key_arn) && fn.kms_key_arn !== group.kms_key_id) {
          findings.push({ address, problem: `is encrypted with ${group.kms_key_id}, not ${functionAddress}'s key ${fn.kms_key_arn}` });
        }
      }
    }
    return findings;
  },
};
