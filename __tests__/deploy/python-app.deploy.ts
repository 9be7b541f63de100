/**
 * examples/sns-python-py, seed 002's system written in Python, tried as a Python user would, against moto: the
 * cdktf-flavour wheel `npm run package` built installed into a virtual environment with `cdktf` and
 * `cdktf-cdktf-provider-aws` from PyPI (scripts/package.sh's, in .package/, so the 59 MB provider wheel is installed
 * once), the function's code built by the example's build.sh, `cdktf synth` running `python3 main.py` in the
 * activated environment, `cdktf deploy`; then the wheel's own `secure-lambda` script (what a Python user has: the
 * wheel installs the package's bin into the environment, run by jsii with Node) sets the webhook URL, and the handler
 * from the deployed zip posts the alarm to a loopback stand-in. The leak guard refuses a token in a Python app's
 * function environment with a Python exception that names the variable and never the token.
 *
 * moto 5.2.5 has no CloudWatch alarm API (PutMetricAlarm): the alarm is taken out of the JSON before deploy, as in
 * examples.deploy.ts; the topic, its subscription and the permission are deployed as synthesized.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { filesUnder, loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { docBlocks, shellCommands, withoutComment } from "../helpers/doc-blocks";
import { FAKE } from "../helpers/fake-tokens";
import { startHttpReceiver, type HttpReceiver } from "../helpers/http-receiver";
import { runProcess } from "../helpers/run-process";
import { runDeployedPythonHandler, snsAlarmEvent } from "./helpers/deployed-python";
import { DeployedStack, pointProviderAtMoto } from "./helpers/deployed-stack";
import { packageFile, packageVenvBin } from "./helpers/packages";

const ROOT = path.join(__dirname, "..", "..");
const CDKTF_CLI = path.join(ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf");
const REGION = "eu-west-1";
const STACK = "sns-python-py";
const FN = "sns-python-py-alerts";
const WEBHOOK_PATH = "/services/fake-sns-python-py-webhook-3d9a";
const TOKEN = FAKE["Slack token"];
const SERVICES = ["cloudwatch", "cloudwatchlogs", "iam", "kms", "lambda", "secretsmanager", "sns", "ssm", "sts"];

let tools: Tools;
let moto: Moto;
let receiver: HttpReceiver;
let dir: string;
let app: string;
let venvBin: string;
let stack: DeployedStack;
let lambda: LambdaClient;

/** The commands of docs/cdk-terrain.md's block for this app (its marker names this file), without comments. */
const documented = (): string[] => {
  const blocks = docBlocks().filter((b) => b.kind === "deploy" && b.detail.includes("python-app.deploy.ts"));
  if (blocks.length !== 1) throw new Error(`docs name this test in ${blocks.length} deploy blocks, not 1`);
  return shellCommands(blocks[0]!.body).map(withoutComment);
};

/** The environment of a shell with the package's virtual environment activated. */
const activated = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  ...extra,
  VIRTUAL_ENV: path.dirname(venvBin),
  PATH: [venvBin, process.env.PATH ?? ""].join(path.delimiter),
  CHECKPOINT_DISABLE: "1",
  PIP_DISABLE_PIP_VERSION_CHECK: "1",
  PIP_ROOT_USER_ACTION: "ignore",
});

async function mustRun(command: string, args: readonly string[], cwd: string, env = activated()): Promise<string> {
  const started = Date.now();
  const result = await runProcess(command, args, { cwd, env });
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.code}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  process.stdout.write(`${path.basename(command)} ${args.slice(0, 2).join(" ")}: ${Date.now() - started} ms\n`);
  return result.stdout;
}

beforeAll(async () => {
  // The wheel the docs install, which must be the one npm run package built.
  const install = documented().find((c) => /^pip install \S+\.whl$/.test(c));
  const wheel = path.resolve(
    ROOT,
    "examples",
    "sns-python-py",
    install?.split(" ")[2] ?? "(no pip install of a wheel)",
  );
  expect(wheel).toBe(packageFile("cdktf", "python", ".whl"));
  venvBin = packageVenvBin("cdktf");
  tools = loadTools();
  moto = await startMoto(tools);
  receiver = await startHttpReceiver();
  receiver.respond("POST", WEBHOOK_PATH, { json: { ok: true } });
  lambda = new LambdaClient({
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deploy-python-app-"));
  // The example and the function it builds from, at the same relative places as in the repository.
  app = path.join(dir, "examples", "sns-python-py");
  for (const source of ["sns-python-py", path.join("sns-python", "function")])
    fs.cpSync(path.join(ROOT, "examples", source), path.join(dir, "examples", source), {
      recursive: true,
      filter: (file) => !/[\\/](build|cdktf\.out|__pycache__)$/.test(file),
    });
  // As the README says: the framework from PyPI (already there: a no-op), then this build's wheel, replacing any other.
  await mustRun("pip", ["install", "--quiet", "-r", "requirements.txt"], app);
  await mustRun("pip", ["install", "--quiet", "--no-deps", "--force-reinstall", wheel], app);
  await mustRun("bash", ["build.sh"], app);
  // boto3 for running the handler here (Lambda's runtime provides it), in a directory of its own.
  await mustRun(
    "python3",
    ["-m", "pip", "install", "--quiet", "--no-compile", "--target", "python-deps", "boto3"],
    dir,
  );
}, 420_000);

afterAll(async () => {
  await receiver?.close();
  await moto?.stop();
  if (!process.env.KEEP_DEPLOY_DIRS && dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("cdktf synth runs the Python app: SecureLambda with the function from `code`, the topic, Secrets Manager", async () => {
  await mustRun(process.execPath, [CDKTF_CLI, "synth", "--no-color"], app);
  const json = JSON.parse(fs.readFileSync(path.join(app, "cdktf.out", "stacks", STACK, "cdk.tf.json"), "utf8"));
  const [fn] = Object.values(json.resource.aws_lambda_function as Record<string, Record<string, unknown>>);
  expect([fn!.function_name, fn!.runtime, fn!.handler]).toEqual([FN, "python3.13", "app.handler"]);
  expect(Object.keys(json.resource)).toEqual(
    expect.arrayContaining([
      "aws_secretsmanager_secret",
      "aws_sns_topic",
      "aws_sns_topic_subscription",
      "aws_lambda_permission",
      "aws_cloudwatch_metric_alarm",
    ]),
  );
});

test("cdktf deploy applies it to moto (the alarm left out: moto has no CloudWatch alarm API)", () => {
  const outdir = path.join(app, "cdktf.out");
  pointProviderAtMoto(path.join(outdir, "stacks", STACK, "cdk.tf.json"), moto.url, SERVICES, (json) => {
    delete json.resource.aws_cloudwatch_metric_alarm;
  });
  stack = new DeployedStack(tools, moto, outdir, STACK, app);
  stack.deploy();
  expect(stack.stateOf("aws_lambda_function").map((f) => [f.function_name, f.runtime])).toEqual([[FN, "python3.13"]]);
  expect(stack.stateOf("aws_sns_topic_subscription").map((s) => s.protocol)).toEqual(["lambda"]);
});

test("the wheel's own secure-lambda script sets the webhook URL as the docs say, the value on stdin", async () => {
  const piped = documented().find((c) => c.includes("| secure-lambda set"));
  const [command, ...args] = (piped?.split("|")[1] ?? "").trim().split(/\s+/);
  expect([command, ...args]).toEqual(["secure-lambda", "set", STACK, FN, "slack_webhook_url"]);
  const set = await runProcess(command!, args, {
    cwd: app,
    env: activated(stack.env),
    stdin: `${receiver.url}${WEBHOOK_PATH}`,
  });
  // jsii's kernel prints Node 20's end-of-life notice (lines of `!!`) on stderr; nothing else may be there.
  expect([set.code, set.stdout, set.stderr.replace(/^b?'?!!.*\n/gm, "")]).toEqual([
    0,
    expect.stringMatching(new RegExp(`^${FN}/secrets key slack_webhook_url: set, version [0-9a-f-]{36}\n$`)),
    "",
  ]);
});

test("the handler from the deployed zip reads the URL from Secrets Manager and posts the alarm to it", async () => {
  const run = await runDeployedPythonHandler({
    stack,
    lambda,
    functionName: FN,
    region: REGION,
    endpoint: { AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url },
    boto3Dir: path.join(dir, "python-deps"),
    event: snsAlarmEvent("sns-python-py-errors"),
  });
  expect([run.code, run.stdout.trim().split("\n").pop()]).toEqual([0, '{"posted": 1}']);
  expect(receiver.requests.map((r) => [r.method, r.path, JSON.parse(r.body)])).toEqual([
    ["POST", WEBHOOK_PATH, { text: "sns-python-py-errors is ALARM: Threshold Crossed" }],
  ]);
  expect(run.stdout + run.stderr).not.toContain(WEBHOOK_PATH);
  expect(stack.filesHolding([WEBHOOK_PATH])).toEqual([]);
});

test("the leak guard refuses a token in a Python app's function environment: a Python exception naming the variable, never the token", async () => {
  // A stack class of the app's own, as Python apps write them, with the token in its function's environment. The
  // token reaches the script through its environment, not its arguments.
  const script = [
    "import os, sys",
    "from cdktf import App, TerraformStack",
    "from cdktf_cdktf_provider_aws.provider import AwsProvider",
    "from secure_lambda import FunctionCode, LambdaRuntime, SecureLambda",
    "class LeakyStack(TerraformStack):",
    "    def __init__(self, scope, id):",
    "        super().__init__(scope, id)",
    '        AwsProvider(self, "aws", region="eu-west-1")',
    '        SecureLambda(self, "alerts", function_name="leaky-alerts", handler="app.handler",',
    '                     code=FunctionCode(directory=os.path.abspath("build")), runtime=LambdaRuntime.PYTHON_3_13,',
    '                     environment={"SLACK_BOT_TOKEN": os.environ["LEAKY_VALUE"]})',
    "app = App(outdir=sys.argv[1])",
    'LeakyStack(app, "leaky")',
    "app.synth()",
  ].join("\n");
  const outdir = path.join(dir, "leaky.out");
  const run = await runProcess("python", ["-c", script, outdir], { cwd: app, env: activated({ LEAKY_VALUE: TOKEN }) });
  expect(run.code).toBe(1);
  // The uncaught exception as Python prints it: jsii's RuntimeError with the guard's message.
  expect(run.stderr).toMatch(
    /^RuntimeError: SecretLeakError: secret-leak guard: stack "leaky" would put secrets into infrastructure code:$/m,
  );
  expect(run.stderr).toMatch(
    /^ {2}- aws_lambda_function\.\S+ \(leaky\/alerts\/Function\), variable SLACK_BOT_TOKEN: looks like a Slack token/m,
  );
  for (const text of [run.stdout, run.stderr]) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.slice(-16));
  }
  // Nothing written holds it: no cdk.tf.json at all.
  expect(filesUnder(outdir).filter((file) => fs.readFileSync(file, "latin1").includes(TOKEN))).toEqual([]);
  expect(fs.existsSync(path.join(outdir, "stacks", "leaky", "cdk.tf.json"))).toBe(false);
});
