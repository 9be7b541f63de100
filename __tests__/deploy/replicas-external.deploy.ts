/**
 * Replicas and external secrets, deployed for real with Terraform and the AWS provider against
 * moto: a function's Secrets Manager secret replicated to a second region, with a key there;
 * the value set on the primary with the CLI and read through the runtime loader in the
 * replica's region; and a function that reads another app's secret (created here beside the
 * stack, in a third region, under a key of its own) by ARN, as its deployed environment says.
 */
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { SecureLambda } from "../../constructs";
import { App, AwsProvider, LocalBackend, TerraformStack } from "../../constructs/tf";
import { createSecretsLoader, type Send } from "../../lambda-src/secrets";
import { sendHttp } from "../../lambda-src/secrets/http-send";
import { DeployedStack, untoleratedChanges } from "./helpers/deployed-stack";

const STACK = "reach";
const PRIMARY = "eu-west-1";
const REPLICA = "eu-central-1";
const PARTNER_REGION = "us-east-1";
const HELLO = path.join(__dirname, "..", "fixtures", "hello.ts");
// Obviously fake values, searched for in every file Terraform wrote.
const TOKEN = "fake-replica-token-deploy-6a1f";
const PARTNER_TOKEN = "fake-partner-token-deploy-c93e";
const SERVICES = ["cloudwatchlogs", "iam", "kms", "lambda", "secretsmanager", "ssm", "sts"];
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

let tools: Tools;
let moto: Moto;
let stack: DeployedStack;
let partner: { arn: string; keyArn: string };

/** The app under test: written here, as a user's app would be, with the provider's endpoints at moto. */
function synthesize(outdir: string): void {
  const app = new App({ outdir });
  const tf = new TerraformStack(app, STACK);
  // The state in the stack's directory, not in the working directory (cdktf's default).
  new LocalBackend(tf, { path: "terraform.tfstate" });
  new AwsProvider(tf, "aws", {
    region: PRIMARY,
    accessKey: "test",
    secretKey: "test",
    skipMetadataApiCheck: "true",
    endpoints: [Object.fromEntries(SERVICES.map((service) => [service, moto.url]))],
  });
  new SecureLambda(tf, "api", {
    functionName: "reach-api",
    entry: HELLO,
    secrets: ["token"],
    store: "secretsmanager",
    replicaRegions: [REPLICA],
  });
  new SecureLambda(tf, "reader", {
    functionName: "reach-reader",
    entry: HELLO,
    externalSecrets: [{ name: "partner_token", arn: partner.arn, keyArn: partner.keyArn }],
  });
  app.synth();
}

/** A send that records the region each request was signed for, then sends it over the network. */
function recording(regions: string[]): Send {
  return (request) => {
    const authorization = String(request.headers.authorization ?? "");
    regions.push(/Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(authorization)?.[1] ?? "?");
    return sendHttp(request);
  };
}

/** Runs `body` with the process environment of a function in `region`, its AWS calls at moto. */
async function inRegion<T>(region: string, body: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, stack.env, { AWS_REGION: region, AWS_DEFAULT_REGION: region });
  try {
    return await body();
  } finally {
    process.env = saved;
  }
}

beforeAll(async () => {
  tools = loadTools();
  moto = await startMoto(tools);
  // Another app's secret, in another region, under a key of that app.
  const kms = new KMSClient({ region: PARTNER_REGION, endpoint: moto.url, credentials });
  const keyArn = (await kms.send(new CreateKeyCommand({ Description: "partner app" }))).KeyMetadata!.Arn!;
  const sm = new SecretsManagerClient({ region: PARTNER_REGION, endpoint: moto.url, credentials });
  const created = await sm.send(
    new CreateSecretCommand({ Name: "partner/token", KmsKeyId: keyArn, SecretString: PARTNER_TOKEN }),
  );
  partner = { arn: created.ARN!, keyArn };
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deploy-reach-"));
  synthesize(outdir);
  stack = new DeployedStack(tools, moto, outdir, STACK);
}, 300_000);

afterAll(async () => {
  await moto?.stop();
  if (!process.env.KEEP_DEPLOY_DIRS) stack?.remove();
});

test("cdktf deploy creates the secret with its replica, and a key in the replica's region", async () => {
  stack.deploy();
  const primary = new SecretsManagerClient({ region: PRIMARY, endpoint: moto.url, credentials });
  const described = await primary.send(new DescribeSecretCommand({ SecretId: "reach-api/secrets" }));
  expect(described.ReplicationStatus?.map((r) => [r.Region, r.Status])).toEqual([[REPLICA, "InSync"]]);
  const replica = new SecretsManagerClient({ region: REPLICA, endpoint: moto.url, credentials });
  const there = await replica.send(new DescribeSecretCommand({ SecretId: "reach-api/secrets" }));
  expect(there.PrimaryRegion).toBe(PRIMARY);
  const keys = stack.stateOf("aws_kms_key").map((key) => key.region);
  expect(keys.sort()).toEqual([PRIMARY, PRIMARY, REPLICA].sort());
});

test("a replica adds to the state only its region, key, status and dates: nothing secret", () => {
  const [secret] = stack.stateOf("aws_secretsmanager_secret");
  const replicas = secret!.replica as Record<string, unknown>[];
  expect(replicas).toHaveLength(1);
  expect(Object.keys(replicas[0]!).sort()).toEqual(
    ["kms_key_id", "last_accessed_date", "region", "status", "status_message"].sort(),
  );
  expect(replicas[0]!.region).toBe(REPLICA);
});

test("the CLI sets the value on the primary; the loader in the replica's region reads it from the replica there", async () => {
  const set = await stack.secrets(["set", STACK, "reach-api", "token"], TOKEN);
  expect({ code: set.code, stderr: set.stderr }).toEqual({ code: 0, stderr: "" });
  const lambda = new LambdaClient({ region: PRIMARY, endpoint: moto.url, credentials });
  const environment = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "reach-api" })))
    .Environment?.Variables;
  const regions: string[] = [];
  const value = await inRegion(REPLICA, () =>
    createSecretsLoader(["token"], { send: recording(regions), env: environment }).get("token"),
  );
  expect(value).toBe(TOKEN);
  expect(regions).toEqual([REPLICA]);
});

test("status shows the replica's state, and the external secret as set", async () => {
  const status = await stack.secrets(["status", STACK, "--json"]);
  expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 0, stderr: "" });
  const report = JSON.parse(status.stdout);
  expect(report.ready).toBe(true);
  expect(report.replicas).toEqual([
    expect.objectContaining({ functionName: "reach-api", region: REPLICA, state: "InSync" }),
  ]);
  expect(report.external).toEqual([
    { stack: STACK, functionName: "reach-reader", secret: "partner_token", arn: partner.arn, state: "set" },
  ]);
  const text = await stack.secrets(["status", STACK]);
  expect(text.stdout).toContain(`replica in ${REPLICA}: InSync`);
  expect(text.stdout).toContain("partner_token  external: set");
});

test("the reader's deployed environment names the other app's secret by ARN; the loader reads it in the ARN's region", async () => {
  const lambda = new LambdaClient({ region: PRIMARY, endpoint: moto.url, credentials });
  const environment = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "reach-reader" })))
    .Environment?.Variables;
  expect(environment?.PARTNER_TOKEN_SECRET_ARN).toBe(partner.arn);
  const regions: string[] = [];
  const value = await inRegion(PRIMARY, () =>
    createSecretsLoader(["partner_token"], { send: recording(regions), env: environment }).get("partner_token"),
  );
  expect(value).toBe(PARTNER_TOKEN);
  expect(regions).toEqual([PARTNER_REGION]);
});

test("moto keeps accounts apart: the credentials of a second account's role do not reach the first account's secret", async () => {
  const sts = new STSClient({ region: PRIMARY, endpoint: moto.url, credentials });
  const assumed = await sts.send(
    new AssumeRoleCommand({ RoleArn: "arn:aws:iam::444455556666:role/partner-reader", RoleSessionName: "probe" }),
  );
  const other = new SecretsManagerClient({
    region: PARTNER_REGION,
    endpoint: moto.url,
    credentials: {
      accessKeyId: assumed.Credentials!.AccessKeyId!,
      secretAccessKey: assumed.Credentials!.SecretAccessKey!,
      sessionToken: assumed.Credentials!.SessionToken!,
    },
  });
  await expect(other.send(new GetSecretValueCommand({ SecretId: partner.arn }))).rejects.toThrow(
    /can't find the specified secret/i,
  );
});

test("a plan after the apply changes nothing but what moto does not give back", () => {
  const { changes } = stack.plan();
  // moto 5.2.5's ReplicaSecret reports KmsKeyId "alias/aws/secretsmanager" whatever key the
  // replica was created with (moto/secretsmanager/models.py), so the replica block always differs.
  const untolerated = untoleratedChanges(changes).filter(
    (c) =>
      !(c.type === "aws_secretsmanager_secret" && c.actions.join() === "update" && c.attributes.join() === "replica"),
  );
  expect(untolerated.map((c) => `${c.address} ${c.actions.join("+")} ${c.attributes.join(",")}`)).toEqual([]);
});

test("no value reached a file Terraform or the CLI wrote", () => {
  expect(stack.filesHolding([TOKEN, PARTNER_TOKEN])).toEqual([]);
});
