/**
 * The prod environment as configured (protected, its accountId, its S3 state backend),
 * applied to a moto that plays its account: the state goes to S3 encrypted and holds no
 * value, another account is refused, destroy is refused by prevent_destroy, and the audit
 * passes on the JSON applied.
 */
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import * as fs from "node:fs";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { runAuditCli } from "../../audit/cli";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { environments } from "../../config/environments";
import { DeployedStack, untoleratedChanges } from "./helpers/deployed-stack";

const ENV = "prod";
const FUNCTION = "notifier-prod";
const PROD = environments.prod;
const STATE_KEY = `secure-lambda/${ENV}/terraform.tfstate`;
const TOKEN = "fake-gh-token-deploy-prod-0d4f";

let tools: Tools;
let moto: Moto;
let stack: DeployedStack;

function s3(at: Moto): S3Client {
  return new S3Client({
    region: PROD.region,
    endpoint: at.url,
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}

/** The state bucket, as the README asks the user to create it (versioned), in moto's S3. */
async function createStateBucket(at: Moto): Promise<void> {
  const Bucket = PROD.stateBackend.bucket;
  await s3(at).send(
    new CreateBucketCommand({
      Bucket,
      CreateBucketConfiguration: { LocationConstraint: PROD.region as BucketLocationConstraint },
    }),
  );
  await s3(at).send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
}

/**
 * Prod, synthesized with its endpoints at `at` and its S3 backend's too (the backend has
 * endpoints of its own): the backend block is the one more place an endpoint is edited.
 * The app refuses a protected environment with a local endpoint, so the stack class is used.
 */
function prodAt(at: Moto): DeployedStack {
  const deployed = DeployedStack.synthesizeUnchecked(tools, at, ENV, PROD);
  const file = path.join(deployed.stackDir, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  Object.assign(json.terraform.backend.s3, {
    endpoints: { s3: at.url, sts: at.url, iam: at.url },
    use_path_style: true,
    skip_metadata_api_check: true,
  });
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return deployed;
}

beforeAll(async () => {
  tools = loadTools();
  moto = await startMoto(tools, { accountId: PROD.accountId });
  await createStateBucket(moto);
  stack = prodAt(moto);
});

afterAll(async () => {
  await moto?.stop();
  if (!process.env.KEEP_DEPLOY_DIRS) stack?.remove();
});

test("prod's settings are applied unchanged: protected, its account only, state in S3 encrypted and locked", () => {
  const json = JSON.parse(fs.readFileSync(path.join(stack.stackDir, "cdk.tf.json"), "utf8"));
  expect(json.terraform.backend.s3).toMatchObject({
    bucket: PROD.stateBackend.bucket,
    key: STATE_KEY,
    encrypt: true,
    use_lockfile: true,
  });
  expect(json.provider.aws[0].allowed_account_ids).toEqual([PROD.accountId]);
});

test("a moto of another account is refused before any change: allowed_account_ids", async () => {
  const other = await startMoto(tools);
  try {
    await createStateBucket(other);
    const elsewhere = prodAt(other);
    try {
      elsewhere.ok(["init", "-input=false", "-no-color"]);
      const plan = elsewhere.run(["plan", "-input=false", "-no-color"]);
      expect(plan.code).toBe(1);
      expect(plan.stderr).toMatch(/AWS account ID not allowed: 123456789012/);
      // The secrets CLI keeps the same promise: prod cannot be written with another account's credentials.
      const set = await elsewhere.secrets(["set", ENV, FUNCTION, "github_token"], TOKEN);
      expect(set.code).toBe(1);
      expect(set.stderr).toBe(
        `error: the credentials are of account 123456789012, but stack "${ENV}" may be written only in ${PROD.accountId} (its provider's allowed_account_ids): nothing was written; use credentials of ${PROD.accountId}\n`,
      );
    } finally {
      elsewhere.remove();
    }
  } finally {
    await other.stop();
  }
});

test("applies with cdktf deploy; the state is in the S3 bucket, encrypted, not in the stack directory", async () => {
  stack.deploy();
  const head = await s3(moto).send(new HeadObjectCommand({ Bucket: PROD.stateBackend.bucket, Key: STATE_KEY }));
  expect(head.ServerSideEncryption).toBe("AES256");
  expect(fs.existsSync(path.join(stack.stackDir, "terraform.tfstate"))).toBe(false);
});

test("after the value is set, a plan changes nothing but what moto does not model, and the state in S3 holds no value", async () => {
  const set = await stack.secrets(["set", ENV, FUNCTION, "github_token"], TOKEN);
  expect([set.code, set.stderr]).toEqual([0, ""]);
  const { changes } = stack.plan("after-set.tfplan");
  expect(untoleratedChanges(changes)).toEqual([]);
  expect(changes.filter((c) => c.type === "aws_ssm_parameter")).toEqual([]);
  fs.writeFileSync(path.join(stack.stackDir, "pulled.tfstate"), stack.ok(["state", "pull"]).stdout);
  expect(stack.filesHolding([TOKEN])).toEqual([]);
  const ssm = new SSMClient({
    region: PROD.region,
    endpoint: moto.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  expect(
    (await ssm.send(new GetParameterCommand({ Name: `/${FUNCTION}/github_token`, WithDecryption: true }))).Parameter
      ?.Value,
  ).toBe(TOKEN);
});

test("destroy is refused by prevent_destroy, before anything is destroyed", () => {
  const destroy = stack.run(["destroy", "-auto-approve", "-input=false", "-no-color"]);
  expect(destroy.code).not.toBe(0);
  expect(destroy.stderr).toMatch(/Instance cannot be destroyed/);
  expect(destroy.stderr).toMatch(/prevent_destroy/);
  expect(stack.ok(["state", "list"]).stdout).toMatch(/aws_ssm_parameter\./);
});

test("npm run audit passes on the synthesized JSON the suite applies", async () => {
  let printed = "";
  const out = new PassThrough().on("data", (d: Buffer) => (printed += d.toString()));
  // Named: the directory holds prod alone, so skips for other stacks' resources go unused (not stale).
  const code = await runAuditCli(["--synthesized", stack.outdir, ENV], { stdout: out, stderr: out });
  expect([code, printed]).toEqual([0, expect.stringMatching(/0 unexpected/)]);
});
