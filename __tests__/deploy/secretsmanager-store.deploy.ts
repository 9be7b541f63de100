/**
 * A real deploy of the stg environment (Secrets Manager) with the real Terraform or
 * OpenTofu and AWS provider, against moto: apply, set the values out of band several
 * times, apply again, and prove that the placeholder version can never take AWSCURRENT
 * back, that no value reached a file, and that the deployed bundle reads the values.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import * as os from "node:os";
import { Readable } from "node:stream";
import { CLI_RECORD_KEY } from "../../common/cli-record";
import { createSecretsLoader, SecretNotSetError } from "../../lambda-src/secrets";
import { sendHttp } from "../../lambda-src/secrets/http-send";
import { editStack, offlineEnv, runCli } from "../helpers/cli-app";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { environments, type FunctionConfig } from "../../config/environments";
import { PLACEHOLDER_STAGE, PLACEHOLDER_VALUE } from "../../common/naming";
import { startHttpReceiver, type HttpReceiver } from "../helpers/http-receiver";
import { DeployedStack, reportTolerated, untoleratedChanges } from "./helpers/deployed-stack";

const ENV = "stg";
const FUNCTION = "notifier-stg";
const SECRET_ID = `${FUNCTION}/secrets`;
const REPO = "octo-org/octo-repo";
const TOKENS = ["fake-gh-token-deploy-sm-1-e07c", "fake-gh-token-deploy-sm-2-51aa"];
const WEBHOOK_SECRET_PART = "fake-slack-hook-deploy-sm-77b0";
const WEBHOOK_PATH = `/services/T0FAKE/B0FAKE/${WEBHOOK_SECRET_PART}`;

let tools: Tools;
let moto: Moto;
let receiver: HttpReceiver;
let stack: DeployedStack;
let sm: SecretsManagerClient;
let lambda: LambdaClient;

beforeAll(async () => {
  tools = loadTools();
  moto = await startMoto(tools);
  receiver = await startHttpReceiver();
  const stg = environments.stg;
  const notifier = stg.functions[0] as FunctionConfig;
  stack = DeployedStack.synthesize(tools, moto, ENV, {
    ...stg,
    functions: [{ ...notifier, environment: { ...notifier.environment, GITHUB_API_URL: receiver.url } }],
  });
  const config = {
    region: stg.region,
    endpoint: moto.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  sm = new SecretsManagerClient(config);
  lambda = new LambdaClient(config);
});

afterAll(async () => {
  await Promise.allSettled([moto?.stop(), receiver?.close()]);
  if (!process.env.KEEP_DEPLOY_DIRS) stack?.remove();
});

async function current(): Promise<Record<string, string>> {
  return JSON.parse(
    (await sm.send(new GetSecretValueCommand({ SecretId: SECRET_ID, VersionStage: "AWSCURRENT" }))).SecretString ??
      "{}",
  );
}

async function stagesByVersion(): Promise<Record<string, string[]>> {
  const versions =
    (await sm.send(new ListSecretVersionIdsCommand({ SecretId: SECRET_ID, IncludeDeprecated: true }))).Versions ?? [];
  return Object.fromEntries(versions.map((v) => [v.VersionId ?? "", [...(v.VersionStages ?? [])].sort()]));
}

function terraformVersionId(): string {
  const [version] = stack.stateOf("aws_secretsmanager_secret_version") as Array<{ version_id: string }>;
  return version!.version_id;
}

test("init and apply create the secret, its placeholder version labelled with our stage and current, and the function", async () => {
  stack.deploy();
  const described = await sm.send(new DescribeSecretCommand({ SecretId: SECRET_ID }));
  const [key] = stack.stateOf("aws_kms_key") as Array<{ arn: string }>;
  expect(described.KmsKeyId).toBe(key!.arn);
  expect(await stagesByVersion()).toEqual({ [terraformVersionId()]: ["AWSCURRENT", PLACEHOLDER_STAGE] });
  expect(await current()).toEqual({ github_token: PLACEHOLDER_VALUE, slack_webhook_url: PLACEHOLDER_VALUE });
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION }));
  expect(config.Environment?.Variables).toEqual({
    GITHUB_API_URL: receiver.url,
    GITHUB_REPOSITORY: REPO,
    SECRETS_MANAGER_SECRET_ID: SECRET_ID,
    // The loader's budget, from the function's 10 s timeout.
    SECRETS_LOADER_TIMEOUT_MS: "9000",
  });
});

test("the state holds no secret string, not even the placeholder JSON: secret_string_wo is write-only", () => {
  const [version] = stack.stateOf("aws_secretsmanager_secret_version");
  expect(version).toMatchObject({ has_secret_string_wo: true, secret_string_wo: null, secret_string_wo_version: 1 });
  expect(version!.secret_string ?? "").toBe("");
  expect(fs.readFileSync(path.join(stack.stackDir, "terraform.tfstate"), "utf8")).not.toContain(PLACEHOLDER_VALUE);
});

test("set three times: AWSCURRENT moves to the CLI's versions; Terraform's version keeps its own label, so it is never deprecated", async () => {
  for (const [secret, value] of [
    ["github_token", TOKENS[0]],
    ["slack_webhook_url", `${receiver.url}${WEBHOOK_PATH}`],
    ["github_token", TOKENS[1]],
  ] as const) {
    const run = await stack.secrets(["set", ENV, FUNCTION, secret], value!);
    expect([run.code, run.stderr]).toEqual([0, ""]);
  }
  expect(await current()).toEqual({ github_token: TOKENS[1], slack_webhook_url: `${receiver.url}${WEBHOOK_PATH}` });
  // Without our label the first version would now carry none, and Secrets Manager could delete it.
  expect((await stagesByVersion())[terraformVersionId()]).toEqual([PLACEHOLDER_STAGE]);
  expect((await stack.secrets(["status", ENV])).code).toBe(0);
});

test("history then rollback of github_token: its first value is current again, the webhook kept, with the compare-and-set of set", async () => {
  const history = await stack.secrets(["history", ENV, FUNCTION, "github_token", "--json"]);
  expect(history.code).toBe(0);
  const versions = JSON.parse(history.stdout).versions as Array<{
    state: string;
    changed: boolean;
    current: boolean;
    labels: string[];
  }>;
  expect(versions.map((v) => [v.state, v.changed, v.current])).toEqual([
    ["placeholder", true, false],
    ["set", true, false],
    ["set", false, false],
    ["set", true, true],
  ]);
  expect(versions[0]!.labels).toContain(PLACEHOLDER_STAGE);
  const rollback = await stack.secrets(["rollback", ENV, FUNCTION, "github_token"]);
  expect([rollback.code, rollback.stderr]).toEqual([0, ""]);
  expect(rollback.stdout).toMatch(
    new RegExp(`^${SECRET_ID} key github_token: rolled back to the value of version \\S+, now version \\S+\\n$`),
  );
  expect(await current()).toEqual({ github_token: TOKENS[0], slack_webhook_url: `${receiver.url}${WEBHOOK_PATH}` });
  // Terraform's version still keeps only its own label.
  expect((await stagesByVersion())[terraformVersionId()]).toEqual([PLACEHOLDER_STAGE]);
  for (const run of [history, rollback]) expect(run.stdout + run.stderr).not.toMatch(/fake-gh-token|fake-slack/);
});

test("a plan then changes nothing but what moto does not model; an apply keeps the values", async () => {
  const { changes } = stack.plan("after-set.tfplan");
  expect(untoleratedChanges(changes)).toEqual([]);
  reportTolerated(changes);
  expect(changes.filter((c) => c.type.startsWith("aws_secretsmanager_"))).toEqual([]);
  stack.ok(["apply", "-auto-approve", "-input=false", "-no-color", "after-set.tfplan"]);
  expect(untoleratedChanges(stack.plan("after-apply.tfplan").changes)).toEqual([]);
  expect((await current()).github_token).toBe(TOKENS[0]);
});

test("even if the placeholder version were gone, Terraform's new one could not take AWSCURRENT from the real values", async () => {
  const [address] = stack
    .ok(["state", "list"])
    .stdout.split("\n")
    .filter((line) => line.startsWith("aws_secretsmanager_secret_version."));
  const before = terraformVersionId();
  stack.ok(["state", "rm", "-no-color", address!]);
  stack.ok(["apply", "-auto-approve", "-input=false", "-no-color"]);
  const after = terraformVersionId();
  expect(after).not.toBe(before);
  expect((await stagesByVersion())[after]).toEqual([PLACEHOLDER_STAGE]);
  expect((await current()).github_token).toBe(TOKENS[0]);
});

test("no file Terraform or cdktf wrote holds a real value: state, its backup, the saved plans and their show -json", () => {
  expect(stack.filesHolding([...TOKENS, WEBHOOK_SECRET_PART])).toEqual([]);
  // And those files were there to be searched.
  expect(fs.readdirSync(stack.stackDir)).toEqual(
    expect.arrayContaining([
      "terraform.tfstate",
      "terraform.tfstate.backup",
      "after-set.tfplan",
      "after-set.tfplan.json",
    ]),
  );
});

test("the deployed bundle, run with its deployed environment, reads the current values from moto (the rolled-back token)", async () => {
  receiver.respond("GET", `/repos/${REPO}`, { json: { full_name: REPO, open_issues_count: 3 } });
  receiver.respond("POST", WEBHOOK_PATH, { json: { ok: true } });
  const run = await stack.invokeDeployed(lambda, FUNCTION, environments.stg.region, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url,
  });
  expect(run.results).toEqual([{ ok: true, value: { openIssues: 3 } }]);
  expect(receiver.requests[0]?.headers.authorization).toBe(`Bearer ${TOKENS[0]}`);
  expect(run.stdout + run.stderr).not.toContain(TOKENS[0]);
});

describe("hostile input, against moto", () => {
  const cli = (args: readonly string[], stdin: string | Buffer = "", outdir = stack.outdir) =>
    runCli(outdir, args, {
      stdin: typeof stdin === "string" ? stdin : Readable.from([stdin]),
      env: { ...offlineEnv(), ...stack.env },
    });

  test("bytes that are not UTF-8, a byte-order mark and the placeholder with a tab are refused; the secret is untouched", async () => {
    const before = await stagesByVersion();
    for (const [stdin, message] of [
      [Buffer.from([0x9f, 0x12, 0xff]), "is not valid UTF-8 text"],
      [Buffer.from([0xef, 0xbb, 0xbf, 0x61]), "byte-order mark"],
      [`\t${PLACEHOLDER_VALUE}`, "refusing the placeholder"],
    ] as const) {
      const run = await cli(["set", ENV, FUNCTION, "github_token"], stdin);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    }
    expect(await stagesByVersion()).toEqual(before);
  });

  test("a record naming a secret by ARN of another account is refused before any call", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-record-"));
    try {
      fs.cpSync(stack.outdir, copy, { recursive: true });
      const arn = `arn:aws:secretsmanager:${environments.stg.region}:210987654321:secret:${SECRET_ID}-AbCdEf`;
      editStack(copy, ENV, (json) => {
        for (const secret of json["//"].metadata[CLI_RECORD_KEY].functions[0].secrets) secret.secretId = arn;
      });
      const run = await cli(["set", ENV, FUNCTION, "github_token"], "fake-overwrite", copy);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("does not match its resources");
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  test("the loader never serves the placeholder with a tab or a no-break space", async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, stack.env, {
        AWS_REGION: environments.stg.region,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url,
      });
      for (const disguise of [`${PLACEHOLDER_VALUE}\t`, `\u00a0${PLACEHOLDER_VALUE}`]) {
        // Written and made current as the CLI does it (moto moves AWSCURRENT reliably only this way).
        const from = (await sm.send(new GetSecretValueCommand({ SecretId: SECRET_ID, VersionStage: "AWSCURRENT" })))
          .VersionId;
        const put = await sm.send(
          new PutSecretValueCommand({
            SecretId: SECRET_ID,
            SecretString: JSON.stringify({ ...(await current()), github_token: disguise }),
            VersionStages: ["FAKE-DISGUISE"],
          }),
        );
        await sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId: SECRET_ID,
            VersionStage: "AWSCURRENT",
            MoveToVersionId: put.VersionId,
            RemoveFromVersionId: from,
          }),
        );
        const loader = createSecretsLoader(["github_token"], {
          send: sendHttp,
          env: { SECRETS_MANAGER_SECRET_ID: SECRET_ID },
        });
        await expect(loader.get("github_token")).rejects.toBeInstanceOf(SecretNotSetError);
      }
      const status = await cli(["status", ENV, "--json"]);
      expect(JSON.parse(status.stdout).secrets[0].state).toBe("placeholder");
    } finally {
      process.env = saved;
    }
  });
});

test("destroy removes the stack", async () => {
  stack.ok(["destroy", "-auto-approve", "-input=false", "-no-color"]);
  await expect(sm.send(new GetSecretValueCommand({ SecretId: SECRET_ID }))).rejects.toThrow();
});
