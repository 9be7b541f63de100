/**
 * The README's walkthrough, run as written: every command of its blocks, in order, in an
 * empty directory, by bash (each command in the directory and with the exports the ones
 * before it left), every file block written where it says; then the secrets CLI page's
 * examples in the same app; against moto.
 *
 * What the test gives that the README leaves to the reader's machine, and nothing more:
 * - the tarball, `npm pack` of this working tree in `secure-lambda/` beside the app (the
 *   README builds it in a clone);
 * - AWS: moto's endpoint and test credentials in the environment (AWS_ENDPOINT_URL, which
 *   the provider, the CLI and the SDK all read), as a reader's credentials would be;
 * - Terraform: the tools' binary, and a CLI configuration whose filesystem mirror holds the
 *   tools' AWS provider build under its release number (`6.48.0-dev` as `6.48.0`: Terraform
 *   matches a prerelease only by an exact constraint, and the README's stack keeps its range);
 *   `providers lock`, which cdktf deploy runs and which asks the registry, reads that mirror;
 * - npm: the local cache first (`npm_config_prefer_offline`);
 * - the values typed at the CLI's prompt (on stdin), `pbpaste` and `secrets.env`.
 * moto runs Lambda functions only in Docker, so "read" runs the deployed zip with the
 * deployed environment against moto, as the other deploy suites do.
 */
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fakeAwsEnvironment, filesUnder, loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { extractZip } from "../../scripts/extract-zip";
import { type DocBlock, docBlocks, fileOf, ROOT, shellCommands } from "../helpers/doc-blocks";
import { invokeInChild, lambdaEnvironment } from "../helpers/invoke-bundle";
import { runProcess, type ProcessRun } from "../helpers/run-process";

const REGION = "eu-west-1";
// Obviously fake values of three lengths, to tell which one the function read.
const TOKEN = "fake-walkthrough-token-5b1e";
const IMPORTED_TOKEN = "fake-walkthrough-imported-token-9d0c4a";
const WEBHOOK = "https://hooks.example.invalid/fake-walkthrough-webhook-7c2d";
const PASTED_WEBHOOK = "https://hooks.example.invalid/fake-walkthrough-pasted-3e8f";
const VALUES = [TOKEN, IMPORTED_TOKEN, WEBHOOK, PASTED_WEBHOOK];

const blocks = docBlocks();
const readme = blocks.filter((b) => b.file === "README.md");
const setup = readme.filter((b) => b.kind === "walkthrough-setup");
const walkthrough = readme.filter((b) => b.kind === "walkthrough");
const isDestroy = (b: DocBlock) => /cdktf destroy/.test(b.body);
const cliPage = blocks.filter((b) => b.kind === "walkthrough-app");

let tools: Tools;
let moto: Moto;
let dir: string;
let env: Record<string, string>;
/** The shell's state between commands: its directory and its exports. */
let cwd: string;
const stateFile = () => path.join(dir, ".shell-state");

/** What the reader types at a prompt: the value of the secret the command sets. */
function typed(command: string): string {
  const secret = / set dev notifier (\w+)/.exec(command)?.[1];
  return secret === "github_token" ? TOKEN : secret === "slack_webhook_url" ? WEBHOOK : "";
}

/** One command, as written, by bash, in the directory and with the exports the last one left. */
async function shell(command: string, stdin = ""): Promise<ProcessRun> {
  const state = stateFile();
  const script = [
    `[ -f ${state} ] && . ${state}`,
    `cd "${cwd}"`,
    "set -o pipefail",
    command,
    "__rc=$?",
    `{ export -p; echo "cd \\"$(pwd)\\""; } > ${state}.next`,
    "exit $__rc",
  ].join("\n");
  const run = await runProcess("bash", ["-c", script], { cwd, env, stdin });
  const next = `${state}.next`;
  if (fs.existsSync(next)) {
    const text = fs.readFileSync(next, "utf8");
    cwd = /^cd "(.*)"$/m.exec(text)?.[1] ?? cwd;
    fs.writeFileSync(
      state,
      text
        .split("\n")
        .filter((l) => !l.startsWith("cd "))
        .join("\n"),
    );
  }
  return run;
}

async function runBlock(block: DocBlock, stdinOf: (command: string) => string = typed): Promise<void> {
  const file = fileOf(block);
  if (file) {
    fs.mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true });
    fs.writeFileSync(path.join(cwd, file), `${block.body}\n`);
    return;
  }
  for (const command of shellCommands(block.body)) {
    const run = await shell(command, stdinOf(command));
    if (run.code !== 0)
      throw new Error(
        `${block.file}:${block.line}: \`${command}\` exited ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`,
      );
  }
}

/** The deployed function run as Lambda would: its zip (Lambda's CodeSha256) and its environment, from moto. */
async function readDeployed(app: string): Promise<unknown> {
  const lambda = new LambdaClient({
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const deployed = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "notifier" }));
  const state = JSON.parse(fs.readFileSync(path.join(app, "terraform.dev.tfstate"), "utf8"));
  const fn = state.resources.find((r: { type: string }) => r.type === "aws_lambda_function");
  const zipPath = path.join(app, "cdktf.out", "stacks", "dev", fn.instances[0].attributes.filename);
  expect(createHash("sha256").update(fs.readFileSync(zipPath)).digest("base64")).toBe(deployed.CodeSha256);
  const bundle = {
    functionName: "notifier",
    zipPath,
    bundleDir: extractZip(zipPath, fs.mkdtempSync(path.join(dir, "unzipped-"))),
    handlerExport: (deployed.Handler ?? "").split(".")[1] ?? "",
    runtime: deployed.Runtime ?? "",
    environment: deployed.Environment?.Variables ?? {},
  };
  const run = await invokeInChild(bundle, {
    extraEnv: lambdaEnvironment(bundle, {
      region: REGION,
      endpoint: { AWS_ENDPOINT_URL_SSM: moto.url },
      noConfigDir: dir,
    }),
  });
  return run.results;
}

/** A CLI configuration and a mirror with the tools' provider under its release number. */
function terraformFor(tools: Tools): Record<string, string> {
  const mirror = path.join(dir, "mirror");
  const source = fs.readFileSync(tools.cliConfig, "utf8");
  const toolsMirror = /path\s*=\s*"([^"]+)"/.exec(source)?.[1];
  if (!toolsMirror) throw new Error(`no filesystem mirror in ${tools.cliConfig}`);
  const release = tools.awsProvider.replace(/-.*$/, "");
  for (const host of ["registry.terraform.io", "registry.opentofu.org"]) {
    const built = path.join(toolsMirror, host, "hashicorp", "aws", tools.awsProvider, "linux_amd64");
    if (!fs.existsSync(built)) continue;
    const target = path.join(mirror, host, "hashicorp", "aws", release, "linux_amd64");
    fs.mkdirSync(target, { recursive: true });
    for (const file of fs.readdirSync(built))
      fs.symlinkSync(path.join(built, file), path.join(target, file.replace(tools.awsProvider, release)));
  }
  const cliConfig = path.join(dir, "terraform.rc");
  fs.writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\ndisable_checkpoint = true\n`,
  );
  // cdktf deploy runs `providers lock`, which asks the registry unless told to read a mirror.
  const wrapper = path.join(dir, "bin", "terraform");
  fs.writeFileSync(
    wrapper,
    [
      "#!/usr/bin/env bash",
      `if [ "$1" = providers ] && [ "$2" = lock ]; then shift 2; exec "${tools.terraform}" providers lock -fs-mirror="${mirror}" "$@"; fi`,
      `exec "${tools.terraform}" "$@"`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return { TF_CLI_CONFIG_FILE: cliConfig, TERRAFORM_BINARY_NAME: wrapper, CDKTF_DISABLE_PLUGIN_CACHE_ENV: "true" };
}

beforeAll(async () => {
  tools = loadTools();
  moto = await startMoto(tools);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-walkthrough-"));
  fs.mkdirSync(path.join(dir, "bin"));
  fs.writeFileSync(path.join(dir, "bin", "pbpaste"), `#!/bin/sh\nprintf '%s' '${PASTED_WEBHOOK}'\n`, { mode: 0o755 });
  const terraform = terraformFor(tools);
  const passed = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_(config|package|lifecycle)_/.test(k)),
  );
  env = {
    ...(passed as Record<string, string>),
    ...fakeAwsEnvironment(moto.url, dir),
    ...terraform,
    PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
    npm_config_prefer_offline: "true",
    npm_config_update_notifier: "false",
    npm_config_audit: "false",
    npm_config_fund: "false",
  };
  cwd = dir;
}, 120_000);

afterAll(async () => {
  await moto?.stop();
  if (!process.env.KEEP_DEPLOY_DIRS && dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("the README builds the tarball with npm pack (here: of this working tree, into secure-lambda/ beside the app)", async () => {
  expect(setup).toHaveLength(1);
  expect(shellCommands(setup[0]!.body).at(-1)).toMatch(/npm pack$/);
  fs.mkdirSync(path.join(dir, "secure-lambda"));
  const pack = await runProcess("npm", ["pack", "--pack-destination", path.join(dir, "secure-lambda")], {
    cwd: ROOT,
    env: process.env,
  });
  expect(pack.code).toBe(0);
}, 120_000);

describe.each(walkthrough.filter((b) => !isDestroy(b)).map((b) => [`README.md:${b.line}`, b] as const))(
  "the walkthrough",
  (where, block) => {
    test(`${where} runs as written`, () => runBlock(block), 600_000);
  },
);

test("every secret is set, and the deployed function reads the token", async () => {
  const app = path.join(dir, "my-app");
  expect(cwd).toBe(app);
  expect(await readDeployed(app)).toEqual([{ ok: true, value: { tokenLength: TOKEN.length } }]);
});

test("docs/secrets-cli.md's examples run as written in the app: set, pbpaste, status, import, history, rollback, help", async () => {
  expect(cliPage).toHaveLength(1);
  fs.writeFileSync(path.join(cwd, "secrets.env"), `github_token=${IMPORTED_TOKEN}\n`);
  await runBlock(cliPage[0]!);
  // The import wrote the second token; the rollback made the first current again.
  expect(await readDeployed(cwd)).toEqual([{ ok: true, value: { tokenLength: TOKEN.length } }]);
  const status = await shell("npx --no secure-lambda status dev --json");
  expect(JSON.parse(status.stdout)).toMatchObject({ ready: true });
  expect(`${status.stdout}${status.stderr}`).not.toMatch(/fake-walkthrough/);
}, 300_000);

test("no file of the app (its synthesis, its state) holds a value", () => {
  const app = path.join(dir, "my-app");
  const holding = filesUnder(app)
    .filter((f) => !f.includes(`${path.sep}node_modules${path.sep}`) && path.basename(f) !== "secrets.env")
    .filter((f) => {
      const text = fs.readFileSync(f).toString("latin1");
      return VALUES.some((v) => text.includes(v));
    });
  expect(holding).toEqual([]);
});

describe.each(walkthrough.filter(isDestroy).map((b) => [`README.md:${b.line}`, b] as const))(
  "the walkthrough's clean-up",
  (where, block) => {
    test(`${where} runs as written, and the state holds no resource`, async () => {
      await runBlock(block);
      const state = JSON.parse(fs.readFileSync(path.join(cwd, "terraform.dev.tfstate"), "utf8"));
      expect(state.resources).toEqual([]);
    }, 600_000);
  },
);
