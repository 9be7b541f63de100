/**
 * Nothing beyond the function's grants: requests a broad statement (`"*"`, `service:*` on `"*"`,
 * AdministratorAccess, PowerUserAccess) would let through, on resources that are not the
 * function's. A narrow grant a user adds for their own resources passes them.
 */
import type { Check } from "./check";
import { arnIn, functionAsks } from "./context";
import type { FunctionSubject } from "../subjects";

export function beyondChecks(subject: FunctionSubject): Check[] {
  const ask = functionAsks(subject);
  const { partition, accountId } = subject.target;
  const otherRole = `arn:${partition}:iam::${accountId}:role/another-role`;
  return [
    ask("iam:PassRole of another role (escalation)", "denied", "iam:PassRole", otherRole),
    ask(`iam:PutRolePolicy on its own role ${subject.role.name}`, "denied", "iam:PutRolePolicy", subject.role.arn),
    ask(
      `iam:AttachRolePolicy on its own role ${subject.role.name}`,
      "denied",
      "iam:AttachRolePolicy",
      subject.role.arn,
    ),
    ask("sts:AssumeRole of another role of this account", "denied", "sts:AssumeRole", otherRole),
    ask(`lambda:UpdateFunctionCode of itself`, "denied", "lambda:UpdateFunctionCode", subject.functionArn),
    ask(
      `lambda:UpdateFunctionConfiguration of itself (its environment)`,
      "denied",
      "lambda:UpdateFunctionConfiguration",
      subject.functionArn,
    ),
    ask(`lambda:AddPermission on itself`, "denied", "lambda:AddPermission", subject.functionArn),
    ask(
      "lambda:InvokeFunction of another function",
      "denied",
      "lambda:InvokeFunction",
      arnIn(subject, "lambda", "function:another-function"),
    ),
    ask(
      "kms:Decrypt with another key",
      "denied",
      "kms:Decrypt",
      arnIn(subject, "kms", "key/00000000-0000-0000-0000-000000000000"),
    ),
    ask("s3:GetObject from another bucket", "denied", "s3:GetObject", `arn:${partition}:s3:::another-bucket/object`),
    ask("dynamodb:Scan of another table", "denied", "dynamodb:Scan", arnIn(subject, "dynamodb", "table/another-table")),
    ask("sns:Publish to another topic", "denied", "sns:Publish", arnIn(subject, "sns", "another-topic")),
    ask("ec2:RunInstances", "denied", "ec2:RunInstances", arnIn(subject, "ec2", "instance/*")),
  ];
}
