/**
 * The consumer example tried as a new user would: `npm pack` the library, install the
 * tarball into a fresh copy of examples/consumer (its own cdktf), `cdktf synth`, apply
 * against moto with `cdktf deploy`, then the package's own CLI: `printf ... | npx
 * secure-lambda set`, `import` of a PEM key, `status`; and each deployed function's bundle
 * reads its value from moto. The app uses a parameterPrefix of its own and one function on
 * each store: the CLI finds all of it in the synthesis.
 *
 * cdktf synth and deploy run this repository's cdktf-cli in the app's directory (installing
 * one more copy there would only cost minutes); everything the app imports is its own.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { CLI_RECORD_KEY } from "../../common/cli-record";
import { editedCopy, shareFirstKeyWith } from "../helpers/break-stack";
import { docBlocks, shellCommands, withoutComment } from "../helpers/doc-blocks";
import { runProcess } from "../helpers/run-process";
import { DeployedStack, pointProviderAtMoto } from "./helpers/deployed-stack";

const ROOT = path.join(__dirname, "..", "..");
const CDKTF_CLI = path.join(ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf");
const STACK = "consumer";
const REPORTER = "consumer-reporter";
const SIGNER = "consumer-signer";
const PARAMETER = "/consumer/reporter/github_token";
const REGION = "eu-west-1";
// Obviously fake, distinctive values to search every file for.
const TOKEN = "fake-consumer-deploy-token-4e8a";
const PEM_LINE = "fakeConsumerDeployKey0c7d";
const PEM = ["-----BEGIN FAKE KEY-----", PEM_LINE, "second+line/=", "-----END FAKE KEY-----"].join("\n");
// The services the example's stack uses, pointed at moto as the local stack points them at LocalStack.
const SERVICES = ["cloudwatchlogs", "iam", "kms", "lambda", "secretsmanager", "ssm", "sts"];

let tools: Tools;
let moto: Moto;
let dir: string;
let app: string;
let stack: DeployedStack;

function run(command: string, args: readonly string[], cwd: string, stdin?: string) {
  return runProcess(command, args, {
    cwd,
    stdin,
    env: { ...process.env, ...(stack?.env ?? {}), CHECKPOINT_DISABLE: "1", npm_config_update_notifier: "false" },
  });
}

async function mustRun(command: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.code}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  return result.stdout;
}

/** `npx --no secure-lambda <args>` in the app, as the README says (npx never fetches it), the value on stdin. */
function secureLambda(args: readonly string[], stdin = "") {
  return run("npx", ["--no", "secure-lambda", ...args], app, stdin);
}

beforeAll(async () => {
  tools = loadTools();
  moto = await startMoto(tools);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deploy-consumer-"));
  const [packed] = JSON.parse(await mustRun("npm", ["pack", "--json", "--pack-destination", dir], ROOT)) as Array<{
    filename: string;
  }>;
  app = path.join(dir, "app");
  fs.cpSync(path.join(ROOT, "examples", "consumer"), app, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|cdktf\.out)$/.test(source),
  });
  const manifestPath = path.join(app, "package.json");
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  manifest.dependencies["secure-lambda"] = `file:${path.join(dir, packed!.filename)}`;
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  await mustRun("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], app);
}, 300_000);

afterAll(async () => {
  await moto?.stop();
  if (!process.env.KEEP_DEPLOY_DIRS && dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("cdktf synth writes the stack, with every SecureLambda's record for the CLI in its metadata", async () => {
  await mustRun(process.execPath, [CDKTF_CLI, "synth", "--no-color"], app);
  const file = path.join(app, "cdktf.out", "stacks", STACK, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  const record = json["//"].metadata[CLI_RECORD_KEY];
  expect(record.functions.map((f: { functionName: string; store: string }) => [f.functionName, f.store])).toEqual([
    [REPORTER, "ssm"],
    [SIGNER, "secretsmanager"],
  ]);
  expect(record.functions[0].secrets).toEqual([{ name: "github_token", parameterName: PARAMETER }]);
});

test("npx --no secure-lambda audit passes on the app, fails on a copy widened by a partner account in the key policy, and --deployer writes its policy", async () => {
  const audit = (args: readonly string[]) => secureLambda(["audit", ...args]);
  const clean = await audit([]);
  expect({ code: clean.code, stderr: clean.stderr }).toEqual({ code: 0, stderr: "" });
  expect(clean.stdout).toMatch(/access: \d+ requests, 0 findings, 0 resources that could grant access not read/);

  let address = "";
  const widened = editedCopy(path.join(app, "cdktf.out"), path.join(dir, "widened.out"), STACK, (json) => {
    address = shareFirstKeyWith(json, "444455556666");
  });
  const failed = await audit(["--synthesized", widened]);
  expect(failed.code).toBe(1);
  expect(failed.stdout).toContain(
    `FINDING ${STACK} / ${REPORTER}: any principal of account 444455556666 may kms:Decrypt on key arn:aws:kms:`,
  );
  expect(failed.stdout).toContain(`granted by ${STACK}: aws_kms_key.${address}.policy`);

  const out = path.join(dir, "deployer.json");
  const deployer = await audit(["--synthesized", widened, "--deployer", STACK, "--policy-out", out]);
  expect({ code: deployer.code, stderr: deployer.stderr }).toEqual({ code: 0, stderr: "" });
  expect(JSON.parse(fs.readFileSync(out, "utf8")).Version).toBe("2012-10-17");
});

test("docs/audit.md's `secure-lambda audit` commands run in the app as written, its stack for `dev`", async () => {
  const [block] = docBlocks().filter((b) => b.file === "docs/audit.md" && b.kind === "deploy");
  const commands = shellCommands(block!.body)
    .map(withoutComment)
    .filter((c) => c.startsWith("npx --no secure-lambda audit"));
  expect(commands.length).toBeGreaterThanOrEqual(4);
  for (const command of commands) {
    const args = command
      .split(/\s+/)
      .slice(3)
      .map((a) => (a === "dev" ? STACK : a === "other.out" ? "cdktf.out" : a));
    const result = await secureLambda(args);
    // With --json, stdout is the JSON alone and the line saying the posture scan was not run goes to stderr.
    const stderr = result.stderr.replace(/^\s*posture scan: not run: .*\n/m, "").trim();
    expect({ command, code: result.code, stderr }).toEqual({ command, code: 0, stderr: "" });
    if (args.includes("--json")) expect(JSON.parse(result.stdout).ok).toBe(true);
    const out = args[args.indexOf("--policy-out") + 1];
    if (args.includes("--policy-out"))
      expect(JSON.parse(fs.readFileSync(path.join(app, out!), "utf8")).Version).toBe("2012-10-17");
  }
});

test("cdktf deploy applies it to moto (the provider pointed at moto, as a local stack is, and the mirror's provider build)", () => {
  const outdir = path.join(app, "cdktf.out");
  pointProviderAtMoto(path.join(outdir, "stacks", STACK, "cdk.tf.json"), moto.url, SERVICES);
  stack = new DeployedStack(tools, moto, outdir, STACK, app);
  stack.deploy();
  expect(stack.stateOf("aws_lambda_function").map((f) => f.function_name)).toEqual([REPORTER, SIGNER]);
});

test("status finds both functions from cdktf.out and says their values are not set", async () => {
  const status = await secureLambda(["status"]);
  expect(status.code).toBe(1);
  expect(status.stdout).toMatch(
    new RegExp(`${STACK}\\s+${REPORTER}\\s+github_token\\s+placeholder \\(never set\\)\\s+v1\\s+\\S+\\s+${PARAMETER}`),
  );
  expect(status.stdout).toMatch(new RegExp(`${STACK}\\s+${SIGNER}\\s+signing_key\\s+placeholder \\(never set\\)`));
});

test("printf ... | npx secure-lambda set writes the token; import writes the PEM key; status then exits 0", async () => {
  const set = await secureLambda(["set", STACK, REPORTER, "github_token"], TOKEN);
  expect([set.code, set.stdout, set.stderr]).toEqual([0, `${PARAMETER}: set, version 2\n`, ""]);
  const imported = await secureLambda(["import", STACK, SIGNER], `signing_key="${PEM}"\n`);
  expect([imported.code, imported.stderr]).toEqual([0, ""]);
  const status = await secureLambda(["status", "--json"]);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout).ready).toBe(true);
  for (const r of [set, imported, status]) expect(r.stdout + r.stderr).not.toMatch(/fake-consumer|fakeConsumer/);
});

test("each deployed function's bundle reads its value from moto through the runtime loader", async () => {
  const lambda = new LambdaClient({
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const reporter = await stack.invokeDeployed(lambda, REPORTER, REGION, { AWS_ENDPOINT_URL_SSM: moto.url });
  expect(reporter.results).toEqual([{ ok: true, value: { tokenLength: TOKEN.length } }]);
  const signer = await stack.invokeDeployed(lambda, SIGNER, REGION, { AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url });
  expect(signer.results).toEqual([{ ok: true, value: { keyLines: 4 } }]);
});

test("no file of the app's synthesis or state holds a value", () => {
  expect(stack.filesHolding([TOKEN, PEM_LINE])).toEqual([]);
  // cdktf's default backend: the state beside the app, searched too.
  expect(stack.stateFile).toBe(path.join(app, `terraform.${STACK}.tfstate`));
  expect(fs.existsSync(stack.stateFile)).toBe(true);
});

test("destroy removes the stack", () => {
  stack.ok(["destroy", "-auto-approve", "-input=false", "-no-color"]);
  expect(stack.stateOf("aws_lambda_function")).toEqual([]);
});
