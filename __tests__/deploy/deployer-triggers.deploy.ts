/**
 * The deploy policy of a stack using both of the construct's triggers, held against real
 * runs: a schedule (EventBridge Scheduler group, schedule and the role it invokes as), an SNS
 * subscription with its Lambda permission, a function URL, an SNS topic as dead-letter
 * target, and the topics themselves (the stack's own, as in the sns-python example). The real
 * Terraform and AWS provider apply, plan, update (new code, a tag added and removed, the key
 * policy, a new schedule expression) and destroy it against moto through the recording proxy
 * (the re-apply and the refresh are recorded on the environments' stacks); every
 * IAM request a call makes must be allowed by the policy `--deployer` writes for the stack,
 * and every action the policy allows must have been asked for by a call. This is how the
 * calls of these resource types were recorded (audit/deployer/grants.ts).
 */
import type { RecordedRequest } from "../../audit/deployer/api-calls";
import type { ObservedComparison } from "../../audit/deployer/observed";
import { PLACEHOLDER_VALUE } from "../../common/naming";
import { synthTriggersApp } from "../helpers/triggers-stack";
import { CleanUp } from "./helpers/concurrent-runs";
import { recordDeployRuns, type RecordedRuns, withFirstStatementRenamed } from "./helpers/recorded-runs";

const NAME = "triggers-dev";
const BUDGET_MS = 20 * 60_000;

let phases: RecordedRuns["phases"] = [];
let recorded: readonly RecordedRequest[] = [];
let comparison: ObservedComparison;
const cleanup = new CleanUp();

beforeAll(async () => {
  ({ phases, recorded, comparison } = await recordDeployRuns(
    {
      name: NAME,
      synth: (outdir, endpoint) => synthTriggersApp(outdir, [NAME], endpoint),
      lean: true,
      // The key policy a renamed statement, the schedule a new expression.
      release: {
        what: "key policy, the schedule's expression",
        edit: (json) => {
          for (const key of Object.values(json.resource.aws_kms_key) as Array<Record<string, string>>)
            key.policy = withFirstStatementRenamed(key.policy!);
          for (const schedule of Object.values(json.resource.aws_scheduler_schedule) as Array<Record<string, string>>)
            schedule.schedule_expression = "rate(2 hours)";
        },
      },
    },
    cleanup,
  ));
}, BUDGET_MS);

afterAll(() => cleanup.run());

test("the runs went through the recording proxy: every phase made calls, the triggers' among them", () => {
  for (const p of phases.filter((p) => p.phase !== "init")) expect([p.phase, p.calls > 0]).toEqual([p.phase, true]);
  const operations = new Set(comparison.calls.map((c) => c.operation));
  for (const operation of [
    "scheduler:CreateScheduleGroup",
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
    "sns:CreateTopic",
    "sns:Subscribe",
    "sns:Unsubscribe",
    "lambda:AddPermission",
    "lambda:RemovePermission",
    "lambda:CreateFunctionUrlConfig",
    "lambda:DeleteFunctionUrlConfig",
  ])
    expect([operation, operations.has(operation)]).toEqual([operation, true]);
});

test("the recording holds identifiers only: not the placeholder, not a schedule's input or a policy", () => {
  expect(recorded.map((r) => JSON.stringify(r)).join("\n")).not.toContain(PLACEHOLDER_VALUE);
  const carriers = ["Value", "ZipFile", "Code", "Environment", "Policy", "PolicyDocument", "AssumeRolePolicyDocument"];
  expect(recorded.flatMap((r) => Object.keys(r.body).filter((field) => carriers.includes(field)))).toEqual([]);
  const targets = recorded.map((r) => r.body.Target).filter((t) => t !== undefined);
  expect(targets.length).toBeGreaterThan(0);
  for (const t of targets) expect(Object.keys(t as object).sort()).toEqual(["Arn", "RoleArn"]);
});

test("every request a real run made is allowed by the stack's deploy policy", () => {
  expect(comparison.denied).toEqual([]);
});

test("every action the deploy policy allows was asked for by some run: nothing in it is guessed", () => {
  expect(comparison.unexercised).toEqual([]);
});
