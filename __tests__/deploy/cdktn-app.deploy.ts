/**
 * examples/cdktn-consumer, a TypeScript app on CDK Terrain (cdktn 0.24, @cdktn/provider-aws), tried as a user of
 * cdktn would: `npm install` with the cdktn flavour's tarball that `npm run package` built
 * (dist/cdktn/js/secure-lambda-cdktn@<version>.jsii.tgz, the file the example names), `cdktn synth` and `cdktn deploy`
 * with the app's own cdktn-cli against moto, then `npx --no secure-lambda set` (the tarball's bin) writes its secret,
 * read back from moto, and the deployed bundle reads it through `secure-lambda-cdktn/runtime`.
 *
 * cdktn-cli 0.24 needs Node >= 22.19: the app's commands run on the Node 22 that `npm run test:node-versions`
 * installs (CI runs it before the deploy suite).
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { docBlocks, shellCommands, withoutComment } from "../helpers/doc-blocks";
import { runProcess } from "../helpers/run-process";
import { DeployedStack, pointProviderAtMoto } from "./helpers/deployed-stack";
import { nodeBin } from "./helpers/packages";

const ROOT = path.join(__dirname, "..", "..");
const EXAMPLE = path.join(ROOT, "examples", "cdktn-consumer");
const STACK = "cdktn-consumer";
const FN = "cdktn-consumer-reporter";
const REGION = "eu-west-1";
// An obviously fake, distinctive value to search every file for.
const TOKEN = "fake-cdktn-consumer-token-61f0";
const SERVICES = ["cloudwatchlogs", "iam", "kms", "lambda", "ssm", "sts"];

let tools: Tools;
let moto: Moto;
let dir: string;
let app: string;
let node22: string;
let stack: DeployedStack;

/** The environment of a user on Node 22, with the tools' Terraform. */
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  ...extra,
  PATH: [node22, process.env.PATH ?? ""].join(path.delimiter),
  CHECKPOINT_DISABLE: "1",
  npm_config_update_notifier: "false",
  TERRAFORM_BINARY_NAME: tools.terraform,
  TF_CLI_CONFIG_FILE: tools.cliConfig,
});

async function mustRun(command: string, args: readonly string[], extra: Record<string, string> = {}) {
  const started = Date.now();
  const result = await runProcess(command, args, { cwd: app, env: env(extra) });
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.code}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  process.stdout.write(`${command} ${args.slice(0, 3).join(" ")}: ${Date.now() - started} ms\n`);
  return result;
}

beforeAll(async () => {
  // The tarball the example names, exactly: a flavour published under another name fails here or at its import.
  const manifest = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "package.json"), "utf8"));
  const tarball = path.resolve(EXAMPLE, String(manifest.dependencies["secure-lambda-cdktn"]).replace(/^file:/, ""));
  if (!fs.existsSync(tarball))
    throw new Error(
      `${path.relative(ROOT, tarball)}, which examples/cdktn-consumer installs, is missing: run \`npm run package\` first (CI runs it before \`npm run test:deploy\`)`,
    );
  node22 = nodeBin(22);
  tools = loadTools();
  moto = await startMoto(tools);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deploy-cdktn-app-"));
  app = path.join(dir, "app");
  fs.cpSync(EXAMPLE, app, { recursive: true, filter: (file) => !/[\\/](node_modules|cdktf\.out)$/.test(file) });
  manifest.dependencies["secure-lambda-cdktn"] = `file:${tarball}`;
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify(manifest, null, 2));
  await mustRun("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"]);
}, 300_000);

afterAll(async () => {
  await moto?.stop();
  if (!process.env.KEEP_DEPLOY_DIRS && dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("npm install puts secure-lambda-cdktn beside cdktn and its provider, and no cdktf", () => {
  const installed = (name: string) => {
    const file = path.join(app, "node_modules", name, "package.json");
    return fs.existsSync(file)
      ? (JSON.parse(fs.readFileSync(file, "utf8")) as { name: string; version: string })
      : null;
  };
  expect(installed("secure-lambda-cdktn")).toMatchObject({ name: "secure-lambda-cdktn" });
  expect(installed("cdktn")?.version).toBe("0.24.0");
  expect(installed("@cdktn/provider-aws")?.version).toMatch(/^25\./);
  expect([installed("cdktf"), installed("@cdktf/provider-aws"), installed("secure-lambda")]).toEqual([
    null,
    null,
    null,
  ]);
});

test("the app type-checks against cdktn's declarations and the package's (one framework's types, not two)", async () => {
  await mustRun("npm", ["run", "--silent", "typecheck"]);
});

test("cdktn synth writes the stack: the function bundled from its entry, its parameter, its key", async () => {
  await mustRun("npx", ["--no", "cdktn", "synth", "--no-color"]);
  const json = JSON.parse(fs.readFileSync(path.join(app, "cdktf.out", "stacks", STACK, "cdk.tf.json"), "utf8"));
  const [fn] = Object.values(json.resource.aws_lambda_function as Record<string, Record<string, unknown>>);
  expect([fn!.function_name, fn!.runtime]).toEqual([FN, "nodejs22.x"]);
  expect(Object.keys(json.resource)).toEqual(expect.arrayContaining(["aws_ssm_parameter", "aws_kms_key"]));
});

test("cdktn deploy applies it to moto (the provider pointed at moto, as a local stack is)", () => {
  const outdir = path.join(app, "cdktf.out");
  pointProviderAtMoto(path.join(outdir, "stacks", STACK, "cdk.tf.json"), moto.url, SERVICES);
  stack = new DeployedStack(tools, moto, outdir, STACK, app);
  const started = Date.now();
  stack.deploy([path.join(node22, "node"), path.join(app, "node_modules", "cdktn-cli", "bundle", "bin", "cdktn")], {
    PATH: env().PATH ?? "",
  });
  process.stdout.write(`cdktn deploy: ${Date.now() - started} ms\n`);
  expect(stack.stateOf("aws_lambda_function").map((f) => f.function_name)).toEqual([FN]);
});

test("npx --no secure-lambda set writes the secret as the docs say, the value on stdin; moto holds it", async () => {
  // docs/cdk-terrain.md's block for this app (its marker names this file): its set command, as written.
  const [block] = docBlocks().filter((b) => b.kind === "deploy" && b.detail.includes("cdktn-app.deploy.ts"));
  const piped = shellCommands(block?.body ?? "")
    .map(withoutComment)
    .find((c) => c.includes("| npx --no secure-lambda set"));
  const [command, ...args] = (piped?.split("|")[1] ?? "").trim().split(/\s+/);
  expect([command, ...args]).toEqual(["npx", "--no", "secure-lambda", "set", STACK, FN, "github_token"]);
  const set = await runProcess(command!, args, {
    cwd: app,
    env: env(stack.env),
    stdin: TOKEN,
  });
  const parameter = `/${FN}/github_token`;
  expect([set.code, set.stdout, set.stderr]).toEqual([0, `${parameter}: set, version 2\n`, ""]);
  const ssm = new SSMClient({
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const read = await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
  expect([read.Parameter?.Type, read.Parameter?.Version, read.Parameter?.Value === TOKEN]).toEqual([
    "SecureString",
    2,
    true,
  ]);
});

test("the deployed bundle reads it through secure-lambda-cdktn/runtime; no file of synthesis or state holds it", async () => {
  const lambda = new LambdaClient({
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const run = await stack.invokeDeployed(lambda, FN, REGION, { AWS_ENDPOINT_URL_SSM: moto.url });
  expect(run.results).toEqual([{ ok: true, value: { tokenLength: TOKEN.length } }]);
  expect(stack.filesHolding([TOKEN])).toEqual([]);
});
