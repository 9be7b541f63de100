/**
 * The deploy policy of a stack using both of the construct's triggers, held against real
 * runs: a schedule (EventBridge Scheduler group, schedule and the role it invokes as), an SNS
 * subscription with its Lambda permission, a function URL, an SNS topic as dead-letter
 * target, and the topics themselves (the stack's own, as in the sns-python example). The real
 * Terraform and AWS provider apply, re-apply, plan, refresh, update (new code, a tag added and
 * removed, the key policy, a new schedule expression) and destroy it against moto through the recording proxy; every
 * IAM request a call makes must be allowed by the policy `--deployer` writes for the stack,
 * and every action the policy allows must have been asked for by a call. This is how the
 * calls of these resource types were recorded (audit/deployer/grants.ts).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RecordedRequest } from "../../audit/deployer/api-calls";
import { compareWithRuns, type ObservedComparison } from "../../audit/deployer/observed";
import { deployerPolicy } from "../../audit/deployer/policy";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { PLACEHOLDER_VALUE } from "../../common/naming";
import { deterministicZip, readZip } from "../../constructs/zip";
import { synthTriggersApp } from "../helpers/triggers-stack";
import { DeployedStack } from "./helpers/deployed-stack";
import { CleanUp } from "./helpers/concurrent-runs";
import { startRecordingProxy } from "./helpers/recording-proxy";
import { editJson, terraformAsync } from "./helpers/terraform-async";

const NAME = "triggers-dev";
const BUDGET_MS = 20 * 60_000;

let phases: Array<{ phase: string; calls: number; ms: number }> = [];
let recorded: RecordedRequest[] = [];
let comparison: ObservedComparison;
const cleanup = new CleanUp();

/**
 * A new release: the zip gains a file, every resource a tag, the key policy a renamed
 * statement, the schedule a new expression.
 */
function newRelease(stack: DeployedStack): void {
  editJson(stack, (json) => {
    for (const fn of Object.values(json.resource.aws_lambda_function) as Array<Record<string, string>>) {
      const zipPath = path.join(stack.stackDir, fn.filename!);
      const zip = deterministicZip([
        ...readZip(fs.readFileSync(zipPath)),
        { name: "RELEASE", data: Buffer.from("2\n") },
      ]);
      fs.writeFileSync(zipPath, zip);
      fn.source_code_hash = createHash("sha256").update(zip).digest("base64");
    }
    for (const key of Object.values(json.resource.aws_kms_key) as Array<Record<string, string>>) {
      const policy = JSON.parse(key.policy!);
      policy.Statement[0].Sid = `${policy.Statement[0].Sid}Release2`;
      key.policy = JSON.stringify(policy);
    }
    for (const schedule of Object.values(json.resource.aws_scheduler_schedule) as Array<Record<string, string>>)
      schedule.schedule_expression = "rate(2 hours)";
    Object.assign(json.provider.aws[0].default_tags[0].tags, { release: "2" });
  });
}

beforeAll(async () => {
  const tools: Tools = loadTools();
  const moto = await startMoto(tools);
  cleanup.push(() => moto.stop());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-recording-triggers-"));
  const proxy = await startRecordingProxy(moto.url, path.join(dir, "calls.jsonl"));
  cleanup.push(() => proxy.stop());
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deploy-triggers-"));
  synthTriggersApp(outdir, [NAME], proxy.url);
  // The stack as synthesized (the copy applied differs only in the provider pin).
  const synthesized = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", NAME, "cdk.tf.json"), "utf8"));
  const stack = new DeployedStack(tools, { ...moto, url: proxy.url, port: proxy.port } as Moto, outdir, NAME);
  cleanup.push(() => {
    const keep = process.env.DEPLOYER_RECORDINGS_DIR;
    if (keep) fs.copyFileSync(path.join(dir, "calls.jsonl"), path.join(keep, `${NAME}.jsonl`));
    if (!process.env.KEEP_DEPLOY_DIRS) {
      stack.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const phase = async (name: string, work: () => Promise<unknown>) => {
    const before = proxy.recorded().length;
    const started = Date.now();
    await work();
    phases.push({ phase: name, calls: proxy.recorded().length - before, ms: Date.now() - started });
  };
  const apply = () => terraformAsync(stack, ["apply", "-auto-approve", "-input=false", "-no-color"]);
  phases = [];
  await phase("init", () => terraformAsync(stack, ["init", "-input=false", "-no-color"]));
  await phase("apply", apply);
  await phase("re-apply", apply);
  await phase("plan", () => terraformAsync(stack, ["plan", "-input=false", "-no-color"], [0]));
  await phase("refresh", () =>
    terraformAsync(stack, ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"]),
  );
  newRelease(stack);
  await phase("update (new code, a tag added, key policy, the schedule's expression)", apply);
  editJson(stack, (json) => {
    delete json.provider.aws[0].default_tags[0].tags.release;
  });
  await phase("update (the tag removed)", apply);
  await phase("destroy", () => terraformAsync(stack, ["destroy", "-auto-approve", "-input=false", "-no-color"]));
  recorded = proxy.recorded();
  const policy = deployerPolicy({ name: NAME, json: synthesized });
  comparison = await compareWithRuns(policy, { name: NAME, json: synthesized }, recorded);
  process.stdout.write(
    `${NAME}: ${phases.map((p) => `${p.phase} ${p.calls} calls ${(p.ms / 1000).toFixed(1)} s`).join("; ")}\n`,
  );
  const counts = new Map<string, number>();
  for (const call of comparison.calls) counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
  process.stdout.write(
    `${NAME} calls: ${[...counts.entries()]
      .sort()
      .map(([operation, n]) => `${operation} ${n}`)
      .join(", ")}\n`,
  );
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
