/**
 * The triggers: `schedule` (EventBridge Scheduler, with a role of its own that may invoke
 * this function only) and `snsTopicArns` (per topic a subscription and a permission scoped
 * to that topic), on the synthesized JSON; and their refusals.
 */
import { SecureLambda, type SecureLambdaProps } from "../constructs";
import { SnsTopic, type TerraformStack } from "../constructs/tf";
import { checkTimeZone } from "../constructs/time-zone";
import { propsChecker } from "./helpers/invalid-props";
import { HELLO_ENTRY, only, ref, resources, statements, synthStack } from "./helpers/synth";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms";
const OTHER_TOPIC = "arn:aws:sns:eu-west-1:123456789012:deploys";

function fn(props: Partial<SecureLambdaProps>): (stack: TerraformStack) => void {
  return (stack) => {
    new SecureLambda(stack, "fn", { functionName: "fn", entry: HELLO_ENTRY, ...props });
  };
}

const { expectInvalid } = propsChecker({ entry: HELLO_ENTRY });

describe("schedule", () => {
  const json = synthStack(fn({ schedule: { expression: "cron(0 8 ? * MON-FRI *)", timezone: "Europe/Paris" } }));
  const [groupName, group] = only(json, "aws_scheduler_schedule_group");
  const [, schedule] = only(json, "aws_scheduler_schedule");
  const [fnName] = only(json, "aws_lambda_function");
  const roles = resources(json, "aws_iam_role");
  const [scheduleRoleName, scheduleRole] = roles.find(([, r]) => r.name === "fn-schedule")!;
  const [, schedulePolicy] = resources(json, "aws_iam_role_policy").find(([, p]) => p.name === "fn-schedule")!;

  test("is a schedule in a group of its own, both named after the function, at the expression and time zone given", () => {
    expect(group.name).toBe("fn");
    expect(schedule).toMatchObject({
      name: "fn",
      group_name: ref("aws_scheduler_schedule_group", groupName, "name"),
      schedule_expression: "cron(0 8 ? * MON-FRI *)",
      schedule_expression_timezone: "Europe/Paris",
      flexible_time_window: { mode: "OFF" },
    });
  });

  test("targets the function, as the schedule's own role", () => {
    expect(schedule.target).toEqual({
      arn: ref("aws_lambda_function", fnName, "arn"),
      role_arn: ref("aws_iam_role", scheduleRoleName, "arn"),
    });
    // Not the function's execution role.
    expect(scheduleRole.name).not.toBe("fn");
  });

  test("its role may be assumed by Scheduler only, for this account and this schedule group only", () => {
    const [trust] = statements(scheduleRole.assume_role_policy);
    expect(trust).toEqual({
      Sid: "SchedulerForThisGroupOnly",
      Effect: "Allow",
      Principal: { Service: "scheduler.amazonaws.com" },
      Action: ["sts:AssumeRole"],
      Condition: {
        StringEquals: {
          "aws:SourceAccount": expect.stringMatching(/^\$\{data\.aws_caller_identity\..+\.account_id\}$/),
          "aws:SourceArn": expect.stringMatching(
            /:scheduler:\$\{data\.aws_region\..+\.region\}:\$\{data\.aws_caller_identity\..+\.account_id\}:schedule-group\/fn$/,
          ),
        },
      },
    });
    expect(statements(scheduleRole.assume_role_policy)).toHaveLength(1);
  });

  test("its role may call lambda:InvokeFunction on exactly this function, and nothing else", () => {
    expect(statements(schedulePolicy.policy)).toEqual([
      {
        Sid: "InvokeThisFunctionOnly",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: [
          expect.stringMatching(
            /:lambda:\$\{data\.aws_region\..+\.region\}:\$\{data\.aws_caller_identity\..+\.account_id\}:function:fn$/,
          ),
        ],
      },
    ]);
  });

  test("gives the function no resource policy: no aws_lambda_permission", () => {
    expect(resources(json, "aws_lambda_permission")).toEqual([]);
  });

  test("is created after its role may invoke", () => {
    expect(schedule.depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy\./)]);
  });

  test("pins its construct ids (renaming one replaces the resource)", () => {
    expect([groupName, scheduleRoleName]).toEqual([
      expect.stringMatching(/^fn_Schedule_Group_/),
      expect.stringMatching(/^fn_Schedule_Role_/),
    ]);
    expect(only(json, "aws_scheduler_schedule")[0]).toMatch(/^fn_Schedule_[0-9A-F]{8}$/);
  });

  test("without schedule there is no schedule, group or second role", () => {
    const plain = synthStack(fn({}));
    expect(resources(plain, "aws_scheduler_schedule")).toEqual([]);
    expect(resources(plain, "aws_scheduler_schedule_group")).toEqual([]);
    expect(resources(plain, "aws_iam_role")).toHaveLength(1);
  });

  test.each(["rate(5 minutes)", "rate(1 hour)", "rate(1 day)", "cron(*/15 * * * ? *)", "at(2027-01-31T09:00:00)"])(
    "accepts %s",
    (expression) => {
      expect(() => synthStack(fn({ schedule: { expression } }))).not.toThrow();
    },
  );

  test.each([
    "rate(5 minute)",
    "rate(1 hours)",
    "rate(0 minutes)",
    "rate(5 seconds)",
    "cron(0 8 * * *)",
    "0 8 * * *",
    "at(2027-01-31 09:00)",
    "",
  ])("refuses the expression %j, saying what is allowed", (expression) =>
    expectInvalid(
      { schedule: { expression } },
      "schedule",
      "allowed are rate(<n> minutes|hours|days), cron(<6 fields>) and at(yyyy-mm-ddThh:mm:ss)",
    ),
  );

  test.each(["Paris", "Europe/Paris; rm", "UTC+2", "", "Europe/Pariss", "Mars/Base", "+05:00", "EST5EDT"])(
    "refuses the time zone %j",
    (timezone) =>
      expectInvalid(
        { schedule: { expression: "rate(1 hour)", timezone } },
        "schedule",
        "allowed is an IANA time zone name",
      ),
  );

  test("refuses a time zone spelled in another case, naming the spelling Scheduler takes", () =>
    expectInvalid(
      { schedule: { expression: "rate(1 hour)", timezone: "europe/paris" } },
      "schedule",
      'did you mean "Europe/Paris"?',
    ));

  // Written here, apart from the code: canonical names and the aliases users write.
  test.each([
    "Europe/Paris",
    "America/Argentina/Buenos_Aires",
    "UTC",
    "Etc/UTC",
    "GMT",
    "Etc/GMT+5",
    "US/Eastern",
    "Asia/Kolkata",
  ])("accepts the time zone %j", (timezone) => {
    const json = synthStack(fn({ schedule: { expression: "rate(1 hour)", timezone } }));
    expect(only(json, "aws_scheduler_schedule")[1].schedule_expression_timezone).toBe(timezone);
  });

  test("accepts every time zone of the IANA list Node ships", () => {
    const refused = Intl.supportedValuesOf("timeZone").filter((zone) => !checkTimeZone(zone).ok);
    expect(refused).toEqual([]);
  });

  test("refuses a schedule that is not an object, or has other keys", () => {
    expectInvalid({ schedule: "rate(1 hour)" }, "schedule", "allowed is { expression, timezone? }");
    expectInvalid({ schedule: { expression: "rate(1 hour)", tz: "UTC" } }, "schedule", 'unknown key "tz"');
  });

  test("refuses a role name too long for the schedule's role", () =>
    expectInvalid(
      { roleName: "r".repeat(60), schedule: { expression: "rate(1 hour)" } },
      "schedule",
      "longer than IAM's 64 characters",
    ));

  test("leaves an expression known only at plan to Scheduler", () => {
    expect(() =>
      synthStack((stack) => {
        const topic = new SnsTopic(stack, "t", { name: "t" });
        fn({ schedule: { expression: topic.name } })(stack);
      }),
    ).not.toThrow();
  });
});

describe("snsTopicArns", () => {
  const json = synthStack(fn({ snsTopicArns: [TOPIC, OTHER_TOPIC] }));
  const [fnName] = only(json, "aws_lambda_function");
  const permissions = resources(json, "aws_lambda_permission");
  const subscriptions = resources(json, "aws_sns_topic_subscription");

  test("one permission per topic: lambda:InvokeFunction for sns.amazonaws.com, scoped by source_arn to that topic", () => {
    expect(permissions.map(([, p]) => p)).toEqual([
      {
        statement_id: "sns-topic-1",
        action: "lambda:InvokeFunction",
        function_name: ref("aws_lambda_function", fnName, "function_name"),
        principal: "sns.amazonaws.com",
        source_arn: TOPIC,
      },
      {
        statement_id: "sns-topic-2",
        action: "lambda:InvokeFunction",
        function_name: ref("aws_lambda_function", fnName, "function_name"),
        principal: "sns.amazonaws.com",
        source_arn: OTHER_TOPIC,
      },
    ]);
  });

  test("one lambda subscription per topic to the function, made after its permission", () => {
    expect(subscriptions.map(([, s]) => [s.topic_arn, s.protocol, s.endpoint])).toEqual([
      [TOPIC, "lambda", ref("aws_lambda_function", fnName, "arn")],
      [OTHER_TOPIC, "lambda", ref("aws_lambda_function", fnName, "arn")],
    ]);
    subscriptions.forEach(([, s], index) => {
      expect(s.depends_on).toEqual([`aws_lambda_permission.${permissions[index]![0]}`]);
    });
  });

  test("pins the construct ids, per topic in list order", () => {
    expect(permissions.map(([name]) => name)).toEqual([
      expect.stringMatching(/^fn_Sns_Topic1_Permission_/),
      expect.stringMatching(/^fn_Sns_Topic2_Permission_/),
    ]);
    expect(subscriptions.map(([name]) => name)).toEqual([
      expect.stringMatching(/^fn_Sns_Topic1_Subscription_/),
      expect.stringMatching(/^fn_Sns_Topic2_Subscription_/),
    ]);
  });

  test("takes a topic of the same stack by its arn attribute", () => {
    const withTopic = synthStack((stack) => {
      const topic = new SnsTopic(stack, "alarms", { name: "alarms" });
      fn({ snsTopicArns: [topic.arn] })(stack);
    });
    const [topicName] = only(withTopic, "aws_sns_topic");
    expect(only(withTopic, "aws_lambda_permission")[1].source_arn).toBe(ref("aws_sns_topic", topicName, "arn"));
  });

  test.each([
    ["arn:aws:sns:eu-west-1:123456789012:*", "a wildcard would let other topics invoke the function"],
    ["arn:aws:sns:eu-west-1:*:alarms", "a wildcard"],
    ["arn:aws:sns:eu-west-1:123456789012:alarm?", "a wildcard"],
    ["*", "a wildcard"],
    ["arn:aws:sns:eu-west-1:123456789012:alarms.fifo", "a FIFO topic delivers to SQS queues only"],
    ["arn:aws:sqs:eu-west-1:123456789012:alarms", "allowed is a topic ARN"],
    ["alarms", "allowed is a topic ARN"],
  ])("refuses %j", (arn, fragment) => expectInvalid({ snsTopicArns: [arn] }, "snsTopicArns", fragment));

  test("refuses a topic listed twice, and a list that is not an array", () => {
    expectInvalid({ snsTopicArns: [TOPIC, TOPIC] }, "snsTopicArns", "is listed twice");
    expectInvalid({ snsTopicArns: TOPIC }, "snsTopicArns", "allowed is an array of SNS topic ARNs");
  });

  test("without topics there is no subscription and no permission", () => {
    const plain = synthStack(fn({ snsTopicArns: [] }));
    expect(resources(plain, "aws_sns_topic_subscription")).toEqual([]);
    expect(resources(plain, "aws_lambda_permission")).toEqual([]);
  });
});
