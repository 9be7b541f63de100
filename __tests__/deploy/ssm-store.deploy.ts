/**
 * A real deploy of the dev environment (Parameter Store) with the real Terraform or
 * OpenTofu and AWS provider, against moto: apply, set the real values out of band,
 * apply again, and prove that no value reached a state or plan file and that the
 * deployed bundle reads the values.
 */
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
} from "@aws-sdk/client-kms";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeParametersCommand, GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import * as os from "node:os";
import { Readable } from "node:stream";
import { ssmStoreClient } from "../../cli/ssm-store";
import type { SsmTarget } from "../../cli/targets";
import { CLI_RECORD_KEY } from "../../common/cli-record";
import { createSecretsLoader, SecretNotSetError } from "../../lambda-src/secrets";
import { sendHttp } from "../../lambda-src/secrets/http-send";
import { editStack, offlineEnv, runCli } from "../helpers/cli-app";
import * as fs from "node:fs";
import * as path from "node:path";
import { environments, type FunctionConfig } from "../../config/environments";
import { PLACEHOLDER_VALUE } from "../../common/naming";
import { AWS_PROVIDER_CONSTRAINT } from "../../constructs/aws-provider-version";
import { releaseOf, satisfiesConstraint } from "../../constructs/version-constraint";
import { startHttpReceiver, type HttpReceiver } from "../helpers/http-receiver";
import { DeployedStack, reportTolerated, untoleratedChanges } from "./helpers/deployed-stack";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";

const ENV = "dev";
const FUNCTION = "notifier-dev";
const REPO = "octo-org/octo-repo";
// Obviously fake, distinctive values to search every file for.
const TOKEN = "fake-gh-token-deploy-5b1e0c";
// A second value set over the first, then rolled back: the function must read TOKEN again.
const TOKEN_MISTYPED = "fake-gh-token-deploy-mistyped-77aa";
const WEBHOOK_SECRET_PART = "fake-slack-hook-deploy-a93d";
const WEBHOOK_PATH = `/services/T0FAKE/B0FAKE/${WEBHOOK_SECRET_PART}`;
const PARAMETERS = [`/${FUNCTION}/github_token`, `/${FUNCTION}/slack_webhook_url`];

let tools: Tools;
let moto: Moto;
let receiver: HttpReceiver;
let stack: DeployedStack;
let clients: { ssm: SSMClient; kms: KMSClient; iam: IAMClient; lambda: LambdaClient; logs: CloudWatchLogsClient };

beforeAll(async () => {
  tools = loadTools();
  moto = await startMoto(tools);
  receiver = await startHttpReceiver();
  const dev = environments.dev;
  const notifier = dev.functions[0] as FunctionConfig;
  // The real dev configuration; only the plain GitHub API base URL points at a loopback fake.
  stack = DeployedStack.synthesize(tools, moto, ENV, {
    ...dev,
    functions: [{ ...notifier, environment: { ...notifier.environment, GITHUB_API_URL: receiver.url } }],
  });
  const config = {
    region: dev.region,
    endpoint: moto.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
  clients = {
    ssm: new SSMClient(config),
    kms: new KMSClient(config),
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
  };
});

afterAll(async () => {
  await Promise.allSettled([moto?.stop(), receiver?.close()]);
  if (!process.env.KEEP_DEPLOY_DIRS) stack?.remove();
});

async function parameterValue(name: string): Promise<string | undefined> {
  return (await clients.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value;
}

test("the deploy uses the tools npm run tools prepared, and names its one edit of the JSON", () => {
  expect(tools.terraformVersion.localeCompare("1.11.0", undefined, { numeric: true })).toBeGreaterThanOrEqual(0);
  const json = JSON.parse(fs.readFileSync(path.join(stack.stackDir, "cdk.tf.json"), "utf8"));
  expect(json.terraform.required_version).toBe(">= 1.11.0");
  expect(tools.awsProviderPinned).toBe(AWS_PROVIDER_CONSTRAINT);
  if (satisfiesConstraint(tools.awsProvider, AWS_PROVIDER_CONSTRAINT)) {
    // A release in the range: the stacks' own constraint is applied as it is.
    expect(stack.edit).toBeUndefined();
    expect(json.terraform.required_providers.aws.version).toBe(AWS_PROVIDER_CONSTRAINT);
  } else {
    // A prerelease (npm run tools says why): pinned exactly, and named.
    expect(stack.edit).toBe(`required_providers.aws.version ${AWS_PROVIDER_CONSTRAINT} -> ${tools.awsProvider}`);
    expect(json.terraform.required_providers.aws.version).toBe(tools.awsProvider);
  }
});

test("the provider build the suite runs is, by its release number, inside the range the stacks require", () => {
  expect(satisfiesConstraint(releaseOf(tools.awsProvider), AWS_PROVIDER_CONSTRAINT)).toBe(true);
});

test("init and apply create the stack", () => {
  stack.deploy();
  expect(stack.stateOf("aws_ssm_parameter")).toHaveLength(2);
});

test("moto holds the key with rotation and its policy, the parameters with the placeholder under that key, the role policy, the log group", async () => {
  const [key] = stack.stateOf("aws_kms_key") as Array<{ arn: string; key_id: string }>;
  expect((await clients.kms.send(new GetKeyRotationStatusCommand({ KeyId: key!.key_id }))).KeyRotationEnabled).toBe(
    true,
  );
  expect((await clients.kms.send(new DescribeKeyCommand({ KeyId: key!.key_id }))).KeyMetadata?.KeyManager).toBe(
    "CUSTOMER",
  );
  const aliases = (await clients.kms.send(new ListAliasesCommand({ KeyId: key!.key_id }))).Aliases ?? [];
  expect(aliases.map((a) => a.AliasName)).toContain(`alias/${FUNCTION}`);
  const keyPolicy = JSON.parse(
    (await clients.kms.send(new GetKeyPolicyCommand({ KeyId: key!.key_id, PolicyName: "default" }))).Policy ?? "{}",
  );
  expect(keyPolicy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
    "AccountAdministersKeyAndEnablesIamPolicies",
    "CloudWatchLogsEncryptsOwnLogGroups",
  ]);

  for (const name of PARAMETERS) {
    expect(await parameterValue(name)).toBe(PLACEHOLDER_VALUE);
    const [meta] =
      (
        await clients.ssm.send(
          new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [name] }] }),
        )
      ).Parameters ?? [];
    expect(meta).toMatchObject({ Type: "SecureString", KeyId: key!.arn });
  }

  const policies = (await clients.iam.send(new ListRolePoliciesCommand({ RoleName: FUNCTION }))).PolicyNames ?? [];
  expect(policies).toHaveLength(1);
  const document =
    (await clients.iam.send(new GetRolePolicyCommand({ RoleName: FUNCTION, PolicyName: policies[0] })))
      .PolicyDocument ?? "";
  const read = JSON.parse(decodeURIComponent(document)).Statement.find(
    (s: { Sid: string }) => s.Sid === "ReadOwnSecretParameters",
  );
  const parameterArns = (stack.stateOf("aws_ssm_parameter") as Array<{ arn: string }>).map((p) => p.arn).sort();
  expect([...read.Resource].sort()).toEqual(parameterArns);

  const groups =
    (await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${FUNCTION}` })))
      .logGroups ?? [];
  expect(groups).toEqual([
    expect.objectContaining({ logGroupName: `/aws/lambda/${FUNCTION}`, kmsKeyId: key!.arn, retentionInDays: 365 }),
  ]);
});

test("the function's environment holds parameter names only, encrypted with the key", async () => {
  const config = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION }));
  expect(config.Environment?.Variables).toEqual({
    GITHUB_API_URL: receiver.url,
    GITHUB_REPOSITORY: REPO,
    GITHUB_TOKEN_PARAM_NAME: PARAMETERS[0],
    SLACK_WEBHOOK_URL_PARAM_NAME: PARAMETERS[1],
    // The loader's budget, from the function's 10 s timeout.
    SECRETS_LOADER_TIMEOUT_MS: "9000",
  });
  const [key] = stack.stateOf("aws_kms_key") as Array<{ arn: string }>;
  expect(config.KMSKeyArn).toBe(key!.arn);
});

test("the state holds no value of a parameter, not even the placeholder: value_wo is write-only", () => {
  for (const parameter of stack.stateOf("aws_ssm_parameter")) {
    expect(parameter).toMatchObject({ has_value_wo: true, value_wo: null, value_wo_version: 1 });
    expect(parameter.value ?? "").toBe("");
    expect(parameter.insecure_value ?? "").toBe("");
  }
  expect(fs.readFileSync(path.join(stack.stackDir, "terraform.tfstate"), "utf8")).not.toContain(PLACEHOLDER_VALUE);
});

test("npm run secrets -- set writes the real values into the parameters Terraform created", async () => {
  const token = await stack.secrets(["set", ENV, FUNCTION, "github_token"], `${TOKEN}\n`);
  expect(token).toMatchObject({ code: 0, stdout: `${PARAMETERS[0]}: set, version 2\n` });
  const webhook = await stack.secrets(["set", ENV, FUNCTION, "slack_webhook_url"], `${receiver.url}${WEBHOOK_PATH}`);
  expect(webhook.code).toBe(0);
  expect(await parameterValue(PARAMETERS[0]!)).toBe(TOKEN);
  const status = await stack.secrets(["status", ENV]);
  expect(status.code).toBe(0);
  expect(status.stdout + status.stderr + token.stdout + token.stderr).not.toContain(TOKEN);
});

test("history then rollback after a second set: the first value is current again, as a new version, and no value is printed", async () => {
  expect((await stack.secrets(["set", ENV, FUNCTION, "github_token"], TOKEN_MISTYPED)).code).toBe(0);
  expect(await parameterValue(PARAMETERS[0]!)).toBe(TOKEN_MISTYPED);
  const history = await stack.secrets(["history", ENV, FUNCTION, "github_token", "--json"]);
  expect(history.code).toBe(0);
  const versions = JSON.parse(history.stdout).versions as Array<{
    version: string;
    state: string;
    current: boolean;
    writtenBy?: string;
  }>;
  expect(versions.map((v) => [v.version, v.state, v.current])).toEqual([
    ["1", "placeholder", false],
    ["2", "set", false],
    ["3", "set", true],
  ]);
  const rollback = await stack.secrets(["rollback", ENV, FUNCTION, "github_token"]);
  expect(rollback).toMatchObject({
    code: 0,
    stdout: `${PARAMETERS[0]}: rolled back to the value of version 2, now version 4\n`,
  });
  expect(await parameterValue(PARAMETERS[0]!)).toBe(TOKEN);
  const [meta] =
    (
      await clients.ssm.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [PARAMETERS[0]!] }],
        }),
      )
    ).Parameters ?? [];
  const [key] = stack.stateOf("aws_kms_key") as Array<{ arn: string }>;
  expect(meta).toMatchObject({ Type: "SecureString", KeyId: key!.arn, Version: 4 });
  for (const run of [history, rollback]) expect(run.stdout + run.stderr).not.toMatch(/fake-gh-token/);
});

test("after the values are set, a plan changes nothing but what moto does not model, and an apply keeps the values", async () => {
  const { changes } = stack.plan("after-set.tfplan");
  expect(untoleratedChanges(changes)).toEqual([]);
  reportTolerated(changes);
  expect(changes.filter((c) => c.type === "aws_ssm_parameter")).toEqual([]);
  stack.ok(["apply", "-auto-approve", "-input=false", "-no-color", "after-set.tfplan"]);
  const again = stack.plan("after-apply.tfplan");
  expect(untoleratedChanges(again.changes)).toEqual([]);
  expect(await parameterValue(PARAMETERS[0]!)).toBe(TOKEN);
  expect(await parameterValue(PARAMETERS[1]!)).toBe(`${receiver.url}${WEBHOOK_PATH}`);
});

test("no file Terraform or cdktf wrote holds a real value: state, its backup, the saved plans and their show -json", () => {
  expect(stack.filesHolding([TOKEN, TOKEN_MISTYPED, WEBHOOK_SECRET_PART])).toEqual([]);
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

test("the deployed bundle, run with its deployed environment, reads the real values from moto (the rolled-back token)", async () => {
  receiver.respond("GET", `/repos/${REPO}`, { json: { full_name: REPO, open_issues_count: 7 } });
  receiver.respond("POST", WEBHOOK_PATH, { json: { ok: true } });
  const run = await stack.invokeDeployed(clients.lambda, FUNCTION, environments.dev.region, {
    AWS_ENDPOINT_URL_SSM: moto.url,
  });
  expect(run.results).toEqual([{ ok: true, value: { openIssues: 7 } }]);
  const [github, slack] = receiver.requests;
  expect(github?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(slack).toMatchObject({ method: "POST", path: WEBHOOK_PATH });
  expect(run.stdout + run.stderr).not.toContain(TOKEN);
});

describe("hostile input, against moto", () => {
  const target: SsmTarget = {
    store: "ssm",
    stack: ENV,
    functionName: FUNCTION,
    secret: "github_token",
    parameterName: PARAMETERS[0]!,
  };
  const cli = (args: readonly string[], stdin: string | Buffer = "", outdir = stack.outdir) =>
    runCli(outdir, args, {
      stdin: typeof stdin === "string" ? stdin : Readable.from([stdin]),
      env: { ...offlineEnv(), ...stack.env },
    });
  const version = async (name: string) =>
    (await clients.ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Version;

  test("bytes that are not UTF-8, a byte-order mark and the placeholder with a newline are refused; the parameter is untouched", async () => {
    const before = await version(PARAMETERS[0]!);
    for (const [stdin, message] of [
      [Buffer.from([0x66, 0xff, 0xfe, 0x00]), "is not valid UTF-8 text"],
      [Buffer.from([0xef, 0xbb, 0xbf, 0x61]), "byte-order mark"],
      [`${PLACEHOLDER_VALUE}\n\n`, "refusing the placeholder"],
    ] as const) {
      const run = await cli(["set", ENV, FUNCTION, "github_token"], stdin);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    }
    expect(await version(PARAMETERS[0]!)).toBe(before);
    expect(await parameterValue(PARAMETERS[0]!)).toBe(TOKEN);
  });

  test("a record edited to name the function's other parameter is refused, status too; that parameter is untouched", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-record-"));
    try {
      fs.cpSync(stack.outdir, copy, { recursive: true });
      editStack(copy, ENV, (json) => {
        json["//"].metadata[CLI_RECORD_KEY].functions[0].secrets[0].parameterName = PARAMETERS[1];
      });
      for (const args of [["set", ENV, FUNCTION, "github_token"], ["status"]]) {
        const run = await cli(args, "fake-overwrite", copy);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain("does not match its resources");
      }
      expect(await parameterValue(PARAMETERS[1]!)).toBe(`${receiver.url}${WEBHOOK_PATH}`);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  test("a writer between set's read and its write, by moto's own versions: set exits 1 naming both; a write sent twice is noted", async () => {
    const before = Number(await version(PARAMETERS[0]!));
    let raced = false;
    const racing = {
      send: async (command: unknown) => {
        if (command instanceof PutParameterCommand && !raced) {
          raced = true;
          await clients.ssm.send(
            new PutParameterCommand({ ...command.input, Value: "fake-their-value-deploy", Overwrite: true }),
          );
        }
        return clients.ssm.send(command as PutParameterCommand);
      },
    } as unknown as SSMClient;
    await expect(ssmStoreClient(racing).set(target, TOKEN)).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringContaining(`another writer wrote v${before + 1} after this set read v${before}`),
    });
    const twice = {
      send: async (command: unknown) => {
        if (command instanceof PutParameterCommand) await clients.ssm.send(command);
        return clients.ssm.send(command as PutParameterCommand);
      },
    } as unknown as SSMClient;
    const result = await ssmStoreClient(twice).set(target, TOKEN);
    expect(result.note).toContain("the write was sent again after its answer was lost");
    expect(await parameterValue(PARAMETERS[0]!)).toBe(TOKEN);
  });

  test("the loader never serves the placeholder with a trailing newline or a leading space", async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, stack.env, { AWS_REGION: environments.dev.region, AWS_ENDPOINT_URL_SSM: moto.url });
      for (const disguise of [`${PLACEHOLDER_VALUE}\n`, ` ${PLACEHOLDER_VALUE}`]) {
        await clients.ssm.send(
          new PutParameterCommand({ Name: PARAMETERS[1], Value: disguise, Type: "SecureString", Overwrite: true }),
        );
        const loader = createSecretsLoader(["slack_webhook_url"], {
          send: sendHttp,
          env: { SLACK_WEBHOOK_URL_PARAM_NAME: PARAMETERS[1] },
        });
        await expect(loader.get("slack_webhook_url")).rejects.toBeInstanceOf(SecretNotSetError);
      }
      // And a status of the stack counts it as the placeholder.
      const status = await cli(["status", ENV, "--json"]);
      expect(JSON.parse(status.stdout).secrets[1].state).toBe("placeholder");
    } finally {
      process.env = saved;
    }
  });
});

test("destroy removes the stack", async () => {
  stack.ok(["destroy", "-auto-approve", "-input=false", "-no-color"]);
  await expect(parameterValue(PARAMETERS[0]!)).rejects.toMatchObject({ name: "ParameterNotFound" });
});
