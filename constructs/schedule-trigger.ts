/**
 * A function run on a schedule, by EventBridge Scheduler.
 *
 * Why Scheduler, not an EventBridge rule with an `aws_lambda_permission`: Scheduler invokes
 * the function as a role of its own, so the function's resource policy stays empty and who
 * may invoke is one identity policy, `lambda:InvokeFunction` on exactly this function's ARN,
 * of a role only Scheduler may assume, only for this account and this schedule group. A rule
 * needs a permission for the whole `events.amazonaws.com` service, safe only as long as its
 * `source_arn` is right. Scheduler also takes a time zone (a rule's cron is UTC only) and
 * one-time `at(...)` schedules.
 */
import { Construct } from "constructs";
import { awsContext } from "./aws-context";
import { renderPolicy } from "./policy";
import { show } from "../common/show";
import { IamRole, IamRolePolicy, SchedulerSchedule, SchedulerScheduleGroup, Token } from "./tf";
import { checkTimeZone } from "./time-zone";
import type { Fail } from "../common/values";
import { isPlainObject } from "../common/values";

/** When the function runs. */
export interface FunctionSchedule {
  /**
   * A Scheduler expression: `rate(<n> minute|minutes|hour|hours|day|days)`,
   * `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` or
   * `at(yyyy-mm-ddThh:mm:ss)` for one run.
   *
   * @example "cron(0 8 ? * MON-FRI *)"
   */
  readonly expression: string;
  /**
   * The IANA time zone `cron(...)` and `at(...)` are read in, e.g. `Europe/Paris`.
   *
   * @default - UTC
   */
  readonly timezone?: string;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((\S+ ){5}\S+\)$/;
const AT = /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/;
const MAX_ROLE_NAME = 64;
/** The suffix of the schedule's role name: `<roleName>-schedule`. */
export const SCHEDULE_ROLE_SUFFIX = "-schedule";

/**
 * Throws unless `schedule` is `{ expression, timezone? }` with an expression Scheduler takes
 * (a token is left to Scheduler) and an IANA time zone Node's time zone database holds.
 */
export function checkSchedule(fail: Fail, schedule: unknown, roleName: string): void {
  if (schedule === undefined) return;
  if (!isPlainObject(schedule)) fail("schedule", `${show(schedule)}: allowed is { expression, timezone? }`);
  const { expression, timezone } = schedule;
  for (const key of Object.keys(schedule)) {
    if (key !== "expression" && key !== "timezone")
      fail("schedule", `unknown key ${show(key)}: allowed are expression and timezone`);
  }
  if (!Token.isUnresolved(expression)) {
    if (typeof expression !== "string" || !isScheduleExpression(expression)) {
      fail(
        "schedule",
        `expression ${show(expression)}: allowed are rate(<n> minutes|hours|days), cron(<6 fields>) and at(yyyy-mm-ddThh:mm:ss), e.g. "rate(1 hour)" or "cron(0 8 ? * MON-FRI *)"`,
      );
    }
  }
  if (timezone !== undefined && !Token.isUnresolved(timezone)) {
    const checked = typeof timezone === "string" ? checkTimeZone(timezone) : { ok: false as const };
    if (!checked.ok) {
      const hint = "suggestion" in checked && checked.suggestion ? ` (did you mean "${checked.suggestion}"?)` : "";
      fail(
        "schedule",
        `timezone ${show(timezone)}${hint}: allowed is an IANA time zone name Node's time zone database holds, e.g. "Europe/Paris" or "UTC"`,
      );
    }
  }
  if (!Token.isUnresolved(roleName) && roleName.length + SCHEDULE_ROLE_SUFFIX.length > MAX_ROLE_NAME) {
    fail(
      "schedule",
      `the schedule's role would be named ${show(`${roleName}${SCHEDULE_ROLE_SUFFIX}`)}, longer than IAM's ${MAX_ROLE_NAME} characters: pass a shorter roleName`,
    );
  }
}

/**
 * True for `rate(...)` with a positive whole number and a unit that agrees with it, `cron(...)` of six fields, or
 * `at(...)`.
 */
export function isScheduleExpression(expression: string): boolean {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    // Scheduler wants the singular for 1 and the plural otherwise.
    return value > 0 && (value === 1) === !rate[2]!.endsWith("s");
  }
  return CRON.test(expression) || AT.test(expression);
}

/** What the schedule invokes, and as whom its role is named. */
export interface ScheduleTriggerProps {
  /** When the function runs. */
  readonly schedule: FunctionSchedule;
  /** The function's name, which also names the schedule and its group. */
  readonly functionName: string;
  /**
   * The function's ARN built from its parts, the one resource the role may invoke (known before the function exists).
   */
  readonly functionArn: string;
  /** The function's own `arn`, the schedule's target: the schedule is made after the function. */
  readonly targetArn: string;
  /** The function's role name; the schedule's role is `<roleName>-schedule`. */
  readonly roleName: string;
  /** Tags for the group, the schedule's role and the schedule. */
  readonly tags?: Record<string, string>;
}

/**
 * A schedule group and a schedule named after the function, and the role the schedule
 * invokes the function as: assumable by Scheduler for this account and group only, allowed
 * `lambda:InvokeFunction` on this function only.
 */
export class ScheduleTrigger extends Construct {
  /** The schedule group `<functionName>`: a group of its own, so the role's trust names it alone. */
  readonly group: SchedulerScheduleGroup;
  /** The schedule. */
  readonly schedule: SchedulerSchedule;
  /** The role Scheduler invokes the function as. */
  readonly role: IamRole;
  /** The role's inline policy: `lambda:InvokeFunction` on the function. */
  readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ScheduleTriggerProps) {
    super(scope, id);
    const { functionName } = props;
    // The stack's one set of account, region and partition lookups (SecureLambda made it already).
    const aws = awsContext(this);
    this.group = new SchedulerScheduleGroup(this, "Group", { name: functionName, tags: props.tags });
    // Built from its parts, not the group's `arn`: the role may exist before the group.
    const groupArn = `arn:${aws.partition}:scheduler:${aws.region}:${aws.accountId}:schedule-group/${functionName}`;
    const roleName = `${props.roleName}${SCHEDULE_ROLE_SUFFIX}`;
    this.role = new IamRole(this, "Role", {
      name: roleName,
      description: `The role EventBridge Scheduler invokes the ${functionName} Lambda function as`,
      assumeRolePolicy: renderPolicy([
        {
          Sid: "SchedulerForThisGroupOnly",
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: ["sts:AssumeRole"],
          // Confused-deputy guard: Scheduler may take the role only for a schedule of this
          // account's group, never for a schedule someone else points at it.
          Condition: { StringEquals: { "aws:SourceAccount": aws.accountId, "aws:SourceArn": groupArn } },
        },
      ]),
      tags: props.tags,
    });
    this.policy = new IamRolePolicy(this, "Policy", {
      name: roleName,
      role: this.role.id,
      policy: renderPolicy([
        {
          Sid: "InvokeThisFunctionOnly",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction"],
          Resource: [props.functionArn],
        },
      ]),
    });
    this.schedule = new SchedulerSchedule(this, "Schedule", {
      name: functionName,
      groupName: this.group.name,
      scheduleExpression: props.schedule.expression,
      scheduleExpressionTimezone: props.schedule.timezone,
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: props.targetArn, roleArn: this.role.arn },
      // The role must be allowed to invoke before the first run.
      dependsOn: [this.policy],
    });
  }
}
