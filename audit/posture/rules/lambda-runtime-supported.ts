import { resourcesOf, type PostureRule, ruleIdOf } from "../rule";

/**
 * Runtimes past their deprecation date on AWS's Lambda runtimes page
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html): Checkov's CKV_AWS_363
 * list, and the later deprecations nodejs18.x (2025-09-01), python3.9 (2025-12-15) and
 * nodejs20.x (2026-04-30). Add each runtime as AWS deprecates it.
 */
export const DEPRECATED_RUNTIMES: ReadonlySet<string> = new Set([
  "nodejs",
  "nodejs4.3",
  "nodejs4.3-edge",
  "nodejs6.10",
  "nodejs8.10",
  "nodejs10.x",
  "nodejs12.x",
  "nodejs14.x",
  "nodejs16.x",
  "nodejs18.x",
  "nodejs20.x",
  "python2.7",
  "python3.6",
  "python3.7",
  "python3.8",
  "python3.9",
  "dotnetcore1.0",
  "dotnetcore2.0",
  "dotnetcore2.1",
  "dotnetcore3.1",
  "dotnet5.0",
  "dotnet6",
  "dotnet7",
  "java8",
  "go1.x",
  "provided",
  "ruby2.5",
  "ruby2.7",
]);

export const lambdaRuntimeSupportedRule: PostureRule = {
  id: ruleIdOf(__filename),
  title: "no Lambda function runs on a deprecated runtime",
  why: "A deprecated runtime gets no more security patches: a vulnerability found in it stays in the function, and AWS eventually blocks its updates.",
  nearest: ["CKV_AWS_363"],
  scannerGap:
    "Checkov 3.3.30's list of deprecated runtimes stops before nodejs18.x and nodejs20.x: it passes both. Trivy 0.74 has no runtime check.",
  check: (json) =>
    resourcesOf(json, "aws_lambda_function")
      .filter(([, fn]) => typeof fn.runtime === "string" && DEPRECATED_RUNTIMES.has(fn.runtime))
      .map(([address, fn]) => ({
        address,
        problem: `runtime ${JSON.stringify(fn.runtime)} is deprecated: it gets no security patches`,
      })),
};
