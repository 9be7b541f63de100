/**
 * The two seed systems' example apps tried as a new user would, against moto: each example's
 * own build (Go to bootstrap, Python's dependencies into build/), `npm pack` of the library
 * installed once beside copies of both apps, `cdktf synth` and `cdktf deploy` of each; then
 * the schedule, the subscription and the permissions read back from moto as synthesized;
 * the package's CLI (`npx --no secure-lambda set`, the value on stdin) sets their secrets; the
 * Python handler (the deployed zip, its deployed environment, boto3 from a directory of its
 * own) and the Go handler (`go test -tags deployed`, the deployed environment) read from moto,
 * refusing the placeholder before the values are set and reading them after; no file of
 * synthesis or state holds a value; destroy.
 *
 * moto 5.2.5 has no CloudWatch alarm API (PutMetricAlarm): the sns-python stack's alarm, the
 * one resource that publishes to the topic, is taken out of the JSON before deploy; the topic,
 * its subscription and the permission, which this suite is about, are deployed as synthesized.
 */
import { GetPolicyCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { AwsClient } from "aws4fetch";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { startHttpReceiver, type HttpReceiver } from "../helpers/http-receiver";
import { runProcess } from "../helpers/run-process";
import {
  deployedEnvironment,
  lambdaRuntimeEnv,
  runDeployedPythonHandler,
  snsAlarmEvent,
} from "./helpers/deployed-python";
import { DeployedStack } from "./helpers/deployed-stack";

const ROOT = path.join(__dirname, "..", "..");
const CDKTF_CLI = path.join(ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf");
const REGION = "eu-west-1";
const GO = { example: "scheduled-go", stack: "scheduled-go", fn: "scheduled-go-notifier" };
const PY = { example: "sns-python", stack: "sns-python", fn: "sns-python-alerts" };
// Obviously fake, distinctive values to search every file for.
const GITHUB_TOKEN = "fake-scheduled-go-github-token-7c1d";
const CHAT_TOKEN = "fake-scheduled-go-chat-token-93ab0e";
const WEBHOOK_PATH = "/services/fake-sns-python-webhook-5f2e";
// The services the examples' stacks use, pointed at moto.
const SERVICES = [
  "cloudwatch",
  "cloudwatchlogs",
  "iam",
  "kms",
  "lambda",
  "scheduler",
  "secretsmanager",
  "sns",
  "ssm",
  "sts",
];

let tools: Tools;
let moto: Moto;
let dir: string;
let receiver: HttpReceiver;
const apps: Record<string, string> = {};
const stacks: Record<string, DeployedStack> = {};
let lambda: LambdaClient;

const baseEnv = () => ({ ...process.env, CHECKPOINT_DISABLE: "1", npm_config_update_notifier: "false" });

async function mustRun(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = baseEnv(),
): Promise<string> {
  const result = await runProcess(command, args, { cwd, env });
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.code}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  return result.stdout;
}

/** `npx --no secure-lambda <args>` in an app, the value on stdin. */
function secureLambda(app: string, stack: DeployedStack, args: readonly string[], stdin: string) {
  return runProcess("npx", ["--no", "secure-lambda", ...args], {
    cwd: app,
    env: { ...baseEnv(), ...stack.env },
    stdin,
  });
}

/** The Python handler from the deployed zip, run with the deployed environment on an SNS event holding one alarm. */
function runPythonHandler() {
  return runDeployedPythonHandler({
    stack: stacks[PY.stack]!,
    lambda,
    functionName: PY.fn,
    region: REGION,
    endpoint: { AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url },
    boto3Dir: path.join(ROOT, "examples", PY.example, ".local-deps"),
    event: snsAlarmEvent("sns-python-errors"),
  });
}

/** `go test -tags deployed` calling the Go handler with the deployed environment, expecting `expect`. */
async function runGoHandler(expect: Record<string, string>) {
  const stack = stacks[GO.stack]!;
  return runProcess("go", ["test", "-tags", "deployed", "-count=1", "-run", "^TestDeployedHandler$", "-v", "."], {
    cwd: path.join(ROOT, "examples", GO.example, "function"),
    env: {
      ...(await deployedEnvironment(lambda, GO.fn)),
      ...lambdaRuntimeEnv(stack, REGION, { AWS_ENDPOINT_URL_SSM: moto.url }),
      ...expect,
      GOPATH: process.env.GOPATH ?? path.join(os.homedir(), "go"),
      GOCACHE: process.env.GOCACHE ?? path.join(os.homedir(), ".cache", "go-build"),
      GOFLAGS: "-buildvcs=false",
    },
  });
}

/** A signed request to moto for a service the repository has no SDK client of. */
function aws(service: string) {
  return new AwsClient({ accessKeyId: "test", secretAccessKey: "test", service, region: REGION });
}

beforeAll(async () => {
  tools = loadTools();
  moto = await startMoto(tools);
  receiver = await startHttpReceiver();
  receiver.respond("POST", WEBHOOK_PATH, { json: { ok: true } });
  lambda = new LambdaClient({
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deploy-examples-"));
  // Each example's own build, as its README says, and boto3 for running the Python one here.
  for (const { example } of [GO, PY])
    await mustRun("npm", ["run", "--silent", "build"], path.join(ROOT, "examples", example));
  await mustRun(
    "python3",
    [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--no-compile",
      "--target",
      path.join(ROOT, "examples", PY.example, ".local-deps"),
      "boto3",
    ],
    ROOT,
    { ...baseEnv(), PIP_ROOT_USER_ACTION: "ignore" },
  );
  const [packed] = JSON.parse(await mustRun("npm", ["pack", "--json", "--pack-destination", dir], ROOT)) as Array<{
    filename: string;
  }>;
  // One install for both apps (the same dependencies): each app links to it.
  const shared = path.join(dir, "apps");
  fs.mkdirSync(shared);
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "examples", GO.example, "package.json"), "utf8"));
  fs.writeFileSync(
    path.join(shared, "package.json"),
    JSON.stringify({
      name: "examples",
      private: true,
      dependencies: { ...manifest.dependencies, "secure-lambda": `file:${path.join(dir, packed!.filename)}` },
      devDependencies: manifest.devDependencies,
    }),
  );
  await mustRun("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], shared);
  for (const { example } of [GO, PY]) {
    const app = path.join(shared, example);
    fs.cpSync(path.join(ROOT, "examples", example), app, {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|cdktf\.out|\.local-deps|function)$/.test(source),
    });
    fs.symlinkSync(path.join(shared, "node_modules"), path.join(app, "node_modules"), "dir");
    apps[example] = app;
  }
}, 420_000);

afterAll(async () => {
  await receiver?.close();
  await moto?.stop();
  if (!process.env.KEEP_DEPLOY_DIRS && dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("cdktf synth writes both stacks, each function's code zipped from its build directory", async () => {
  for (const { example, stack, fn } of [GO, PY]) {
    await mustRun(process.execPath, [CDKTF_CLI, "synth", "--no-color"], apps[example]!);
    const json = JSON.parse(
      fs.readFileSync(path.join(apps[example]!, "cdktf.out", "stacks", stack, "cdk.tf.json"), "utf8"),
    );
    expect(
      Object.values(json.resource.aws_lambda_function as Record<string, any>).map((f) => [
        f.function_name,
        f.filename.split("/")[1],
      ]),
    ).toEqual([[fn, expect.stringMatching(/^Code-[0-9a-f]{12}_Code_/)]]);
  }
});

test("cdktf deploy applies both to moto (the alarm left out: moto has no CloudWatch alarm API)", () => {
  for (const { example, stack: name } of [GO, PY]) {
    const outdir = path.join(apps[example]!, "cdktf.out");
    const file = path.join(outdir, "stacks", name, "cdk.tf.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    Object.assign(json.provider.aws[0], {
      access_key: "test",
      secret_key: "test",
      skip_metadata_api_check: "true",
      endpoints: [Object.fromEntries(SERVICES.map((service) => [service, moto.url]))],
    });
    delete json.resource.aws_cloudwatch_metric_alarm;
    fs.writeFileSync(file, JSON.stringify(json, null, 2));
    const stack = new DeployedStack(tools, moto, outdir, name, apps[example]!);
    stack.deploy();
    stacks[name] = stack;
  }
  expect(stacks[GO.stack]!.stateOf("aws_lambda_function").map((f) => [f.function_name, f.runtime, f.handler])).toEqual([
    [GO.fn, "provided.al2023", "bootstrap"],
  ]);
  expect(stacks[PY.stack]!.stateOf("aws_lambda_function").map((f) => [f.function_name, f.runtime, f.handler])).toEqual([
    [PY.fn, "python3.13", "app.handler"],
  ]);
});

test("the schedule exists as synthesized: its expression and time zone, the function as target, its own role", async () => {
  const stack = stacks[GO.stack]!;
  const [fn] = stack.stateOf("aws_lambda_function");
  const role = stack.stateOf("aws_iam_role").find((r) => r.name === `${GO.fn}-schedule`)!;
  const response = await aws("scheduler").fetch(`${moto.url}/schedules/${GO.fn}?groupName=${GO.fn}`);
  expect(response.status).toBe(200);
  const schedule = (await response.json()) as Record<string, any>;
  expect(schedule).toMatchObject({
    Name: GO.fn,
    GroupName: GO.fn,
    ScheduleExpression: "cron(0 8 ? * MON-FRI *)",
    ScheduleExpressionTimezone: "Europe/Paris",
    Target: { Arn: fn!.arn, RoleArn: role.arn },
  });
  const [policy] = stack.stateOf("aws_iam_role_policy").filter((p) => p.role === role.name || p.role === role.id);
  expect(JSON.parse(policy!.policy as string).Statement).toEqual([
    { Sid: "InvokeThisFunctionOnly", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [fn!.arn] },
  ]);
});

test("the subscription and the permission exist as synthesized: the topic's, for the function, scoped to that topic", async () => {
  const stack = stacks[PY.stack]!;
  const [fn] = stack.stateOf("aws_lambda_function");
  const [topic] = stack.stateOf("aws_sns_topic");
  const body = new URLSearchParams({
    Action: "ListSubscriptionsByTopic",
    TopicArn: String(topic!.arn),
    Version: "2010-03-31",
  }).toString();
  const response = await aws("sns").fetch(moto.url, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  const xml = await response.text();
  expect(
    [...xml.matchAll(/<Protocol>([^<]+)<\/Protocol>\s*<Endpoint>([^<]+)<\/Endpoint>/g)].map((m) => [m[1], m[2]]),
  ).toEqual([["lambda", fn!.arn]]);
  const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: PY.fn }))).Policy ?? "{}");
  expect(policy.Statement).toEqual([
    expect.objectContaining({
      Sid: "sns-topic-1",
      Effect: "Allow",
      Principal: { Service: "sns.amazonaws.com" },
      Action: "lambda:InvokeFunction",
      Condition: { ArnLike: { "AWS:SourceArn": topic!.arn } },
    }),
  ]);
});

test("before any value is set, both handlers refuse the placeholder", async () => {
  const go = await runGoHandler({ EXPECT: "placeholder" });
  expect([go.code, go.stdout]).toEqual([0, expect.stringContaining("still holds the placeholder")]);
  const python = await runPythonHandler();
  expect(python.code).toBe(1);
  expect(python.stderr).toContain(
    "PlaceholderError: sns-python-alerts/secrets: key slack_webhook_url still holds the placeholder",
  );
  expect(receiver.requests).toEqual([]);
});

test("npx --no secure-lambda set writes each example's secrets, the values on stdin", async () => {
  const runs = [
    await secureLambda(apps[GO.example]!, stacks[GO.stack]!, ["set", GO.stack, GO.fn, "github_token"], GITHUB_TOKEN),
    await secureLambda(apps[GO.example]!, stacks[GO.stack]!, ["set", GO.stack, GO.fn, "chat_token"], CHAT_TOKEN),
    await secureLambda(
      apps[PY.example]!,
      stacks[PY.stack]!,
      ["set", PY.stack, PY.fn, "slack_webhook_url"],
      `${receiver.url}${WEBHOOK_PATH}`,
    ),
  ];
  expect(runs.map((r) => [r.code, r.stderr])).toEqual([
    [0, ""],
    [0, ""],
    [0, ""],
  ]);
  for (const r of runs) expect(r.stdout).not.toMatch(/fake-/);
});

test("the Go handler reads both real values from SSM", async () => {
  const go = await runGoHandler({
    EXPECT: "values",
    EXPECT_GITHUB_TOKEN_LENGTH: String(GITHUB_TOKEN.length),
    EXPECT_CHAT_TOKEN_LENGTH: String(CHAT_TOKEN.length),
  });
  expect([go.code, go.stdout]).toEqual([0, expect.stringContaining("--- PASS: TestDeployedHandler")]);
  expect(go.stdout + go.stderr).not.toMatch(/fake-scheduled-go/);
});

test("the Python handler reads the real webhook URL from Secrets Manager and posts the alarm to it", async () => {
  const python = await runPythonHandler();
  expect([python.code, python.stdout.trim().split("\n").pop()]).toEqual([0, '{"posted": 1}']);
  expect(receiver.requests.map((r) => [r.method, r.path, JSON.parse(r.body)])).toEqual([
    ["POST", WEBHOOK_PATH, { text: "sns-python-errors is ALARM: Threshold Crossed" }],
  ]);
  expect(python.stdout + python.stderr).not.toContain(WEBHOOK_PATH);
});

test("no file of either app's synthesis or state holds a value", () => {
  expect(stacks[GO.stack]!.filesHolding([GITHUB_TOKEN, CHAT_TOKEN])).toEqual([]);
  expect(stacks[PY.stack]!.filesHolding([WEBHOOK_PATH])).toEqual([]);
});

test("destroy removes both stacks", () => {
  for (const stack of Object.values(stacks)) {
    stack.ok(["destroy", "-auto-approve", "-input=false", "-no-color"]);
    expect(stack.stateOf("aws_lambda_function")).toEqual([]);
  }
});
