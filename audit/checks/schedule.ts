/**
 * Who a schedule invokes the function as: its role may invoke this function and no other,
 * and only EventBridge Scheduler may become that role, for this account and the schedule's
 * own group. Nothing in the function's resource policy is needed (same account, identity policy).
 */
import type { Check } from "./check";
import type { FunctionSubject, ScheduleSubject } from "../subjects";
import { OTHER_ACCOUNT_ID } from "../target";

export function scheduleChecks(subject: FunctionSubject): Check[] {
  return subject.schedules.flatMap((schedule) => checksOf(subject, schedule));
}

function checksOf(subject: FunctionSubject, schedule: ScheduleSubject): Check[] {
  const { accountId, partition } = subject.target;
  // Scheduler names the session it takes the role with; the name does not change what the policies allow.
  const session = `arn:${partition}:sts::${accountId}:assumed-role/${schedule.role.name}/scheduler`;
  const invoke = (describe: string, expected: Check["expected"], resource: string): Check => ({
    describe,
    expected,
    request: { principal: session, action: "lambda:InvokeFunction", resource, resourceAccount: accountId, context: {} },
    identityPolicies: schedule.role.policies,
    resourcePolicy: resource === subject.functionArn ? subject.resourcePolicy : undefined,
  });
  const assume = (
    describe: string,
    expected: Check["expected"],
    principal: string,
    context: Check["request"]["context"],
  ): Check => ({
    describe,
    expected,
    request: { principal, action: "sts:AssumeRole", resource: schedule.role.arn, resourceAccount: accountId, context },
    identityPolicies: [],
    resourcePolicy: schedule.role.trustPolicy,
  });
  const otherGroup = schedule.groupArn.replace(/([^/]+)$/, "$1-other");
  return [
    invoke(`lambda:InvokeFunction by ${schedule.address}'s role ${schedule.role.name}`, "allowed", subject.functionArn),
    invoke(
      `lambda:InvokeFunction of another function by ${schedule.address}'s role ${schedule.role.name}`,
      "denied",
      `${subject.functionArn}-other`,
    ),
    assume(
      `sts:AssumeRole of ${schedule.role.name} by scheduler.amazonaws.com for schedule group ${schedule.groupName}`,
      "allowed",
      "scheduler.amazonaws.com",
      {
        "aws:SourceAccount": accountId,
        "aws:SourceArn": schedule.groupArn,
      },
    ),
    assume(
      `sts:AssumeRole of ${schedule.role.name} by scheduler.amazonaws.com for another schedule group`,
      "denied",
      "scheduler.amazonaws.com",
      {
        "aws:SourceAccount": accountId,
        "aws:SourceArn": otherGroup,
      },
    ),
    assume(
      `sts:AssumeRole of ${schedule.role.name} by scheduler.amazonaws.com for another account`,
      "denied",
      "scheduler.amazonaws.com",
      {
        "aws:SourceAccount": OTHER_ACCOUNT_ID,
        "aws:SourceArn": schedule.groupArn.replace(/:\d{12}:/, `:${OTHER_ACCOUNT_ID}:`),
      },
    ),
    assume(
      `sts:AssumeRole of ${schedule.role.name} by events.amazonaws.com (an EventBridge rule)`,
      "denied",
      "events.amazonaws.com",
      {
        "aws:SourceAccount": accountId,
      },
    ),
  ];
}
