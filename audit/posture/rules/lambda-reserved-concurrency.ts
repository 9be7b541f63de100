import { resourcesOf, type PostureRule, ruleIdOf } from "../rule";

export const lambdaReservedConcurrencyRule: PostureRule = {
  id: ruleIdOf(__filename),
  title: "every Lambda function has a concurrency reservation",
  why:
    "Without a reservation a flood of events can scale one function until it takes the account's whole concurrency, starving every other " +
    "function, and runs up the bill; a reservation is both a guaranteed share and a cap.",
  nearest: ["CKV_AWS_115"],
  scannerGap: "CKV_AWS_115 passes -1, which removes the reservation. Trivy 0.74 has no concurrency check.",
  check: (json) =>
    resourcesOf(json, "aws_lambda_function")
      .filter(
        ([, fn]) => typeof fn.reserved_concurrent_executions !== "number" || fn.reserved_concurrent_executions === -1,
      )
      .map(([address, fn]) => ({
        address,
        problem: `reserved_concurrent_executions is ${JSON.stringify(fn.reserved_concurrent_executions) ?? "not set"}: the function draws on the account's unreserved pool without limit`,
      })),
};
