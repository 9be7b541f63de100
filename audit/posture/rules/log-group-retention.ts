import { resourcesOf, type PostureRule } from "../rule";

/** A year: long enough to investigate an incident found late, as CKV_AWS_338 asks. */
export const MIN_LOG_RETENTION_DAYS = 365;

export const logGroupRetentionRule: PostureRule = {
  ids: ["CKV_AWS_66", "CKV_AWS_338"],
  title: `every log group keeps its logs a set time of at least ${MIN_LOG_RETENTION_DAYS} days`,
  why:
    "Logs are the record of who called what: an incident is often found months later, so they must outlive it (at least a year); " +
    "and a retention must be set, because logs kept forever keep everything ever logged by mistake forever. " +
    "(CKV_AWS_338 also passes 0, \"forever\"; this rule does not.)",
  check: (json) =>
    resourcesOf(json, "aws_cloudwatch_log_group").flatMap(([address, group]) => {
      const days = group.retention_in_days;
      if (days === undefined || days === null) return [{ address, problem: "retention_in_days is not set: CloudWatch keeps the logs forever" }];
      if (typeof days !== "number" || days < MIN_LOG_RETENTION_DAYS) {
        return [{ address, problem: `retention_in_days is ${JSON.stringify(days)}; it must be at least ${MIN_LOG_RETENTION_DAYS}` }];
      }
      return [];
    }),
};
