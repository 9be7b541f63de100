/** Who may become the function's role: Lambda, on behalf of this account, and nobody else. */
import type { Check } from "./check";
import { OTHER_ACCOUNT_ID } from "../target";
import type { FunctionSubject } from "../subjects";

const MAY_ASSUME_ANY_ROLE = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }],
};

export function trustChecks(subject: FunctionSubject): Check[] {
  const { accountId, partition } = subject.target;
  const assume = (
    describe: string,
    expected: Check["expected"],
    principal: string,
    context: Check["request"]["context"],
    identity = false,
  ): Check => ({
    describe,
    expected,
    request: { principal, action: "sts:AssumeRole", resource: subject.role.arn, resourceAccount: accountId, context },
    identityPolicies: identity ? [{ name: "MayAssumeAnyRole", document: MAY_ASSUME_ANY_ROLE }] : [],
    resourcePolicy: subject.role.trustPolicy,
  });
  return [
    assume("sts:AssumeRole by lambda.amazonaws.com for this account", "allowed", "lambda.amazonaws.com", {
      "aws:SourceAccount": accountId,
    }),
    assume("sts:AssumeRole by lambda.amazonaws.com for another account", "denied", "lambda.amazonaws.com", {
      "aws:SourceAccount": OTHER_ACCOUNT_ID,
    }),
    assume("sts:AssumeRole by ec2.amazonaws.com", "denied", "ec2.amazonaws.com", { "aws:SourceAccount": accountId }),
    assume(
      "sts:AssumeRole by a user of this account allowed to assume any role",
      "denied",
      `arn:${partition}:iam::${accountId}:user/someone`,
      {},
      true,
    ),
    assume(
      "sts:AssumeRole by a role of another account",
      "denied",
      `arn:${partition}:iam::${OTHER_ACCOUNT_ID}:role/someone`,
      {},
      true,
    ),
  ];
}
