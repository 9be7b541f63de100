/**
 * The two seed systems as example apps (npm run test:examples, after each example's build):
 * each app's own main.ts, run in this process with `secure-lambda` mapped to constructs/
 * (jest.examples.config.js), synthesizes what its README says, its code zipped from its
 * build/ directory byte for byte the same on every synth, with nothing vendored the function
 * does not need.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { auditStacks } from "../../audit/audit";
import { readSynthesizedStacks } from "../../audit/terraform-json";
import { PLACEHOLDER_VALUE } from "../../common/naming";
import { readZip } from "../../constructs/zip";

const EXAMPLES = path.join(__dirname, "..", "..", "examples");

/** Runs an example's main.ts into a fresh output directory and returns its stack's JSON and directory. */
function synthExample(example: string, stack: string): { json: any; stackDir: string; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `secure-lambda-example-${example}-`));
  const previous = process.env.CDKTF_OUTDIR;
  process.env.CDKTF_OUTDIR = outdir;
  try {
    jest.isolateModules(() => {
      require(path.join(EXAMPLES, example, "main.ts"));
    });
  } finally {
    if (previous === undefined) delete process.env.CDKTF_OUTDIR;
    else process.env.CDKTF_OUTDIR = previous;
  }
  const stackDir = path.join(outdir, "stacks", stack);
  return { json: JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")), stackDir, outdir };
}

const bodies = (json: any, type: string): any[] => Object.values(json.resource[type] ?? {});
const zipOf = (stackDir: string, fn: any): Buffer => fs.readFileSync(path.join(stackDir, fn.filename));

describe("examples/scheduled-go", () => {
  const first = synthExample("scheduled-go", "scheduled-go");
  const [fn] = bodies(first.json, "aws_lambda_function");

  test("is a provided.al2023 function on x86_64 running bootstrap, with its two SSM secrets' names only", () => {
    expect(fn).toMatchObject({
      function_name: "scheduled-go-notifier",
      runtime: "provided.al2023",
      handler: "bootstrap",
      architectures: ["x86_64"],
    });
    expect(fn.environment.variables).toMatchObject({
      GITHUB_TOKEN_PARAM_NAME: "/scheduled-go-notifier/github_token",
      CHAT_TOKEN_PARAM_NAME: "/scheduled-go-notifier/chat_token",
    });
    expect(
      bodies(first.json, "aws_ssm_parameter")
        .map((p) => p.name)
        .sort(),
    ).toEqual(["/scheduled-go-notifier/chat_token", "/scheduled-go-notifier/github_token"]);
  });

  test("its zip holds only bootstrap, executable", () => {
    expect(readZip(zipOf(first.stackDir, fn)).map((e) => [e.name, e.executable === true])).toEqual([
      ["bootstrap", true],
    ]);
  });

  test("runs weekday mornings, Paris time, through its own schedule and role", () => {
    const [schedule] = bodies(first.json, "aws_scheduler_schedule");
    expect(schedule).toMatchObject({
      schedule_expression: "cron(0 8 ? * MON-FRI *)",
      schedule_expression_timezone: "Europe/Paris",
    });
    expect(bodies(first.json, "aws_iam_role").map((r) => r.name)).toEqual([
      "scheduled-go-notifier",
      "scheduled-go-notifier-schedule",
    ]);
  });

  test("npm run audit's rows all hold, the schedule's among them", async () => {
    const report = await auditStacks(readSynthesizedStacks(first.outdir));
    const results = report.functions.flatMap((f) => f.sets.flatMap((set) => set.results));
    expect(results.filter((r) => !r.ok).map((r) => r.check.describe)).toEqual([]);
    // The access analysis: nobody beyond the intended readers, nothing it does not read.
    expect(report.access.findings).toEqual([]);
    expect(report.unread).toEqual([]);
    expect(report.functions.flatMap((f) => f.sets.map((set) => set.name))).toContain("invoke (schedule)");
  });

  test("a second synth gives the same zip, byte for byte", () => {
    const second = synthExample("scheduled-go", "scheduled-go");
    const [again] = bodies(second.json, "aws_lambda_function");
    expect(zipOf(second.stackDir, again).equals(zipOf(first.stackDir, fn))).toBe(true);
    expect(again.source_code_hash).toBe(createHash("sha256").update(zipOf(first.stackDir, fn)).digest("base64"));
  });
});

describe("examples/sns-python", () => {
  const first = synthExample("sns-python", "sns-python");
  const [fn] = bodies(first.json, "aws_lambda_function");
  const entries = readZip(zipOf(first.stackDir, fn)).map((e) => e.name);

  test("is a python3.13 function running app.handler, with its Secrets Manager secret's id only", () => {
    expect(fn).toMatchObject({ function_name: "sns-python-alerts", runtime: "python3.13", handler: "app.handler" });
    expect(fn.environment.variables).toMatchObject({ SECRETS_MANAGER_SECRET_ID: "sns-python-alerts/secrets" });
  });

  test("is subscribed to the alarm's topic, which alone may invoke it", () => {
    const [topicName] = Object.keys(first.json.resource.aws_sns_topic);
    const topicArn = `\${aws_sns_topic.${topicName}.arn}`;
    expect(bodies(first.json, "aws_sns_topic_subscription").map((s) => [s.topic_arn, s.protocol])).toEqual([
      [topicArn, "lambda"],
    ]);
    expect(bodies(first.json, "aws_lambda_permission").map((p) => [p.principal, p.source_arn])).toEqual([
      ["sns.amazonaws.com", topicArn],
    ]);
    expect(bodies(first.json, "aws_cloudwatch_metric_alarm")[0].alarm_actions).toEqual([topicArn]);
  });

  test("its zip holds app.py and Powertools, and neither boto3 nor botocore (Lambda's runtime has them)", () => {
    expect(entries).toContain("app.py");
    expect(entries.some((e) => e.startsWith("aws_lambda_powertools/utilities/parameters/"))).toBe(true);
    expect(entries.filter((e) => /^(boto3|botocore|s3transfer)\//.test(e))).toEqual([]);
    expect(entries.filter((e) => e.endsWith(".pyc"))).toEqual([]);
  });

  test("npm run audit's rows all hold: the topic may invoke, another topic may not", async () => {
    const report = await auditStacks(readSynthesizedStacks(first.outdir));
    const results = report.functions.flatMap((f) => f.sets.flatMap((set) => set.results));
    expect(results.filter((r) => !r.ok).map((r) => r.check.describe)).toEqual([]);
    // The access analysis: nobody beyond the intended readers, nothing it does not read.
    expect(report.access.findings).toEqual([]);
    expect(report.unread).toEqual([]);
    expect(
      results
        .filter((r) => r.check.describe.includes("sns.amazonaws.com"))
        .map((r) => [r.check.describe.replace(/ \(granted by .*\)$/, ""), r.result]),
    ).toEqual([
      ["lambda:InvokeFunction by sns.amazonaws.com for another account's topic", "denied"],
      ["lambda:InvokeFunction by sns.amazonaws.com for a topic of this account no permission names", "denied"],
      [
        "lambda:InvokeFunction by sns.amazonaws.com for arn:aws:sns:eu-west-1:123456789012:sns-python-alarms",
        "allowed",
      ],
      [
        "lambda:InvokeFunction by sns.amazonaws.com for another source than arn:aws:sns:eu-west-1:123456789012:sns-python-alarms",
        "denied",
      ],
      ["lambda:InvokeFunction by sns.amazonaws.com on behalf of another account", "denied"],
    ]);
  });

  test("a second synth gives the same zip, byte for byte", () => {
    const second = synthExample("sns-python", "sns-python");
    const [again] = bodies(second.json, "aws_lambda_function");
    expect(zipOf(second.stackDir, again).equals(zipOf(first.stackDir, fn))).toBe(true);
  });
});

test("both functions refuse the very placeholder the construct writes", () => {
  expect(fs.readFileSync(path.join(EXAMPLES, "scheduled-go", "function", "secrets.go"), "utf8")).toContain(
    `const Placeholder = "${PLACEHOLDER_VALUE}"`,
  );
  expect(fs.readFileSync(path.join(EXAMPLES, "sns-python", "function", "app.py"), "utf8")).toContain(
    `PLACEHOLDER = "${PLACEHOLDER_VALUE}"`,
  );
});
