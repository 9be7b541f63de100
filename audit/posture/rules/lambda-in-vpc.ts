import { blockOf } from "../json-values";
import { resourcesOf, type PostureRule } from "../rule";

export const lambdaInVpcRule: PostureRule = {
  ids: ["CKV_AWS_117"],
  title: "every Lambda function runs in a VPC",
  why: "A function outside a VPC can reach any address on the internet: code that is compromised can send secrets anywhere. In a VPC, security groups and endpoints decide where it may connect.",
  optIn:
    "A function in a VPC needs subnets, security groups and a route to SSM, KMS, X-Ray and its other dependencies (VPC endpoints or a NAT gateway), " +
    "which only the deployer's network can provide; SecureLambda gains a vpc prop in its own issue.",
  check: (json) =>
    resourcesOf(json, "aws_lambda_function")
      .filter(([, fn]) => blockOf(fn, "vpc_config") === undefined)
      .map(([address]) => ({ address, problem: "has no vpc_config: it can connect to any address on the internet" })),
};
