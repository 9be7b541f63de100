/**
 * The audit's invoke rows for the triggers: the schedule's role and the subscribed topic may
 * invoke the function; another function, another schedule group, another topic, a rule and
 * another account may not. Each way of widening a trigger's policy makes a named row fail.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { auditStacks, type AuditReport } from "../audit/audit";
import { readSynthesizedStacks, type StackJson, type SynthesizedStack } from "../audit/terraform-json";
import { SecureLambda } from "../constructs";
import { App, AwsProvider, SnsTopic, TerraformStack } from "../constructs/tf";
import { HELLO_ENTRY } from "./helpers/synth";

let outdir: string;
let stacks: SynthesizedStack[];
let report: AuditReport;

beforeAll(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-triggers-"));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "triggers");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new SecureLambda(stack, "scheduled", {
    functionName: "scheduled",
    entry: HELLO_ENTRY,
    schedule: { expression: "rate(1 hour)" },
  });
  const topic = new SnsTopic(stack, "alarms", { name: "alarms" });
  new SecureLambda(stack, "alerted", { functionName: "alerted", entry: HELLO_ENTRY, snsTopicArns: [topic.arn] });
  app.synth();
  stacks = readSynthesizedStacks(outdir);
  report = await auditStacks(stacks);
}, 60_000);

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

function rows(audit: AuditReport, functionName: string) {
  const fn = audit.functions.find((f) => f.subject.functionName === functionName);
  if (!fn) throw new Error(`no function ${functionName} in the audit`);
  return fn.sets.flatMap((s) => s.results);
}

function row(audit: AuditReport, functionName: string, describe: string) {
  const found = rows(audit, functionName).find((r) => r.check.describe.startsWith(describe));
  if (!found) throw new Error(`no row starting with ${JSON.stringify(describe)} for ${functionName}`);
  return found;
}

/** The stack with its JSON changed by `change`, audited again. */
async function auditChanged(change: (json: any) => void): Promise<AuditReport> {
  const changed = stacks.map((stack) => ({ name: stack.name, json: structuredClone(stack.json) as StackJson }));
  change(changed[0]!.json);
  return auditStacks(changed);
}

const byName = (json: any, type: string, name: string) =>
  Object.values(json.resource[type] as Record<string, any>).find((r) => r.name === name);

test("every row of both functions comes out as expected", () => {
  const wrong = report.functions.flatMap((f) => f.sets.flatMap((s) => s.results)).filter((r) => !r.ok);
  expect(wrong.map((r) => `${r.check.describe}: ${r.result} ${r.error ?? ""}`)).toEqual([]);
  expect(report.errors).toEqual([]);
});

describe("schedule", () => {
  test("its role may invoke the function, and no other function", () => {
    expect(row(report, "scheduled", "lambda:InvokeFunction by aws_scheduler_schedule.")).toMatchObject({
      result: "allowed",
      ok: true,
    });
    expect(row(report, "scheduled", "lambda:InvokeFunction of another function by")).toMatchObject({
      result: "denied",
      ok: true,
    });
  });

  test("only Scheduler may become its role, for this account and its own group", () => {
    expect(
      row(
        report,
        "scheduled",
        "sts:AssumeRole of scheduled-schedule by scheduler.amazonaws.com for schedule group scheduled",
      ),
    ).toMatchObject({
      result: "allowed",
      ok: true,
    });
    for (const denied of ["for another schedule group", "for another account"]) {
      expect(
        row(report, "scheduled", `sts:AssumeRole of scheduled-schedule by scheduler.amazonaws.com ${denied}`),
      ).toMatchObject({
        result: "denied",
        ok: true,
      });
    }
    expect(row(report, "scheduled", "sts:AssumeRole of scheduled-schedule by events.amazonaws.com")).toMatchObject({
      result: "denied",
      ok: true,
    });
  });

  test("a rule, Scheduler itself, and any topic may not invoke the function", () => {
    for (const denied of [
      "lambda:InvokeFunction by events.amazonaws.com for a rule of this account",
      "lambda:InvokeFunction by scheduler.amazonaws.com itself",
      "lambda:InvokeFunction by sns.amazonaws.com for a topic of this account no permission names",
    ]) {
      expect(row(report, "scheduled", denied)).toMatchObject({ result: "denied", ok: true });
    }
  });

  test("a role policy widened to every function fails the other-function row", async () => {
    const audit = await auditChanged((json) => {
      const policy = byName(json, "aws_iam_role_policy", "scheduled-schedule");
      policy.policy = JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: ["*"] }],
      });
    });
    expect(row(audit, "scheduled", "lambda:InvokeFunction of another function by")).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });

  test("a trust without the schedule group fails the other-group row; without the account, the other-account row", async () => {
    const withoutArn = await auditChanged((json) => {
      const role = byName(json, "aws_iam_role", "scheduled-schedule");
      const trust = JSON.parse(role.assume_role_policy);
      delete trust.Statement[0].Condition.StringEquals["aws:SourceArn"];
      role.assume_role_policy = JSON.stringify(trust);
    });
    expect(
      row(
        withoutArn,
        "scheduled",
        "sts:AssumeRole of scheduled-schedule by scheduler.amazonaws.com for another schedule group",
      ),
    ).toMatchObject({
      result: "allowed",
      ok: false,
    });
    const withoutCondition = await auditChanged((json) => {
      const role = byName(json, "aws_iam_role", "scheduled-schedule");
      const trust = JSON.parse(role.assume_role_policy);
      delete trust.Statement[0].Condition;
      role.assume_role_policy = JSON.stringify(trust);
    });
    expect(
      row(
        withoutCondition,
        "scheduled",
        "sts:AssumeRole of scheduled-schedule by scheduler.amazonaws.com for another account",
      ),
    ).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });
});

describe("snsTopicArns", () => {
  test("the topic may invoke the function; another topic and another account's may not", () => {
    expect(
      row(
        report,
        "alerted",
        "lambda:InvokeFunction by sns.amazonaws.com for arn:aws:sns:eu-west-1:123456789012:alarms (granted by",
      ),
    ).toMatchObject({
      result: "allowed",
      ok: true,
    });
    expect(row(report, "alerted", "lambda:InvokeFunction by sns.amazonaws.com for another source than")).toMatchObject({
      result: "denied",
      ok: true,
    });
    expect(
      row(report, "alerted", "lambda:InvokeFunction by sns.amazonaws.com on behalf of another account"),
    ).toMatchObject({ result: "denied", ok: true });
    expect(
      row(report, "alerted", "lambda:InvokeFunction by events.amazonaws.com for a rule of this account"),
    ).toMatchObject({ result: "denied", ok: true });
  });

  test("a permission without source_arn fails the unnamed-topic row", async () => {
    const audit = await auditChanged((json) => {
      for (const permission of Object.values(json.resource.aws_lambda_permission as Record<string, any>))
        delete permission.source_arn;
    });
    expect(
      row(
        audit,
        "alerted",
        "lambda:InvokeFunction by sns.amazonaws.com for a topic of this account no permission names",
      ),
    ).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });

  test("a permission with a wildcard source fails the other-topic row", async () => {
    const audit = await auditChanged((json) => {
      for (const permission of Object.values(json.resource.aws_lambda_permission as Record<string, any>)) {
        permission.source_arn = "arn:aws:sns:eu-west-1:123456789012:*";
      }
    });
    expect(row(audit, "alerted", "lambda:InvokeFunction by sns.amazonaws.com for another source than")).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });
});
