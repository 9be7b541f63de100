/**
 * Seed 004's shape deployed against moto with the real Terraform and AWS provider: a function
 * and the web servers' instance role of the same app read one Secrets Manager secret through a
 * VPC endpoint whose security group admits both, and a role of another account is granted too.
 * The apply makes every grant (role policy, key policy, the secret's resource policy, the
 * endpoint's rules), a second plan changes nothing, and the web role's own session reads the
 * secret through the runtime loader.
 *
 * Then the other account, as its owner would: it makes the role `reporting`, attaches exactly
 * the identity policy the stack wrote out for it, and that role's session reads the secret by
 * its ARN through the runtime loader; a role of that account the secret's policies do not name,
 * and `reporting` without the identity policy, are refused, and so is `reporting` once the
 * deployed key policy no longer names it.
 *
 * moto 5.2.5 cannot make that decision itself: it serves a request from the backend of the
 * caller's account (moto/secretsmanager/responses.py: `secretsmanager_backends[self.current_account]`),
 * so a principal of another account never reaches the secret of the first (a test below shows
 * it); and under its IAM enforcement a Secrets Manager request's resource is "*" and no resource
 * policy, key policy or condition is evaluated (moto/iam/access_control.py). So the reads across
 * accounts go through the cross-account gate (helpers/cross-account-gate.ts): it decides as AWS
 * does, with the audit's policy engine, on the policies as moto stores them after this apply,
 * and lets moto serve, as the owner's account, only what it allowed.
 */
import {
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { GetKeyPolicyCommand, KMSClient, ListKeysCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import {
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { App, LocalBackend, Subnet, Vpc } from "../../constructs/tf";
import { createSecretsLoader, SecretAccessDeniedError } from "../../lambda-src/secrets";
import { sendHttp } from "../../lambda-src/secrets/http-send";
import { startCrossAccountGate, type CrossAccountGate } from "../helpers/cross-account-gate";
import { inAccount, motoPolicies } from "../helpers/moto-policies";
import { buildSeedApp } from "../helpers/seed-004-app";
import { DeployedStack, reportTolerated, untoleratedChanges } from "./helpers/deployed-stack";

const ACCOUNT = "123456789012"; // moto's
const REGION = "eu-west-1";
const PARTNER = "210987654321";
const PARTNER_READER = `arn:aws:iam::${PARTNER}:role/reporting`;
const SECRET_ID = "payments/secrets";
const VALUE = "fake-stripe-key-deploy-readers-5e1d";
const SERVICES = ["cloudwatchlogs", "ec2", "iam", "kms", "lambda", "secretsmanager", "ssm", "sts"];

let tools: Tools;
let moto: Moto;
let stack: DeployedStack;
let gate: CrossAccountGate;
let config: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };

beforeAll(async () => {
  tools = loadTools();
  moto = await startMoto(tools);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deploy-seed004-"));
  const app = new App({ outdir });
  const seed = buildSeedApp(app, {
    accountId: ACCOUNT,
    otherReaders: [PARTNER_READER],
    provider: {
      region: REGION,
      accessKey: "test",
      secretKey: "test",
      skipMetadataApiCheck: "true",
      endpoints: [Object.fromEntries(SERVICES.map((service) => [service, moto.url]))],
    },
    network: (s) => {
      const vpc = new Vpc(s, "vpc", { cidrBlock: "10.40.0.0/16", enableDnsHostnames: true, enableDnsSupport: true });
      const subnets = ["a", "b"].map(
        (zone, i) =>
          new Subnet(s, `subnet-${zone}`, {
            vpcId: vpc.id,
            cidrBlock: `10.40.${i}.0/24`,
            availabilityZone: `${REGION}${zone}`,
          }),
      );
      return { vpcId: vpc.id, subnetIds: subnets.map((subnet) => subnet.id) };
    },
  });
  // The state in the stack's directory, removed with it: cdktf's default local backend would keep
  // it in the directory synth runs in (this repository), where the next run would find it.
  new LocalBackend(seed.stack, { path: "terraform.tfstate" });
  app.synth();
  stack = new DeployedStack(tools, moto, outdir, "seed004");
  config = { region: REGION, endpoint: moto.url, credentials: { accessKeyId: "test", secretAccessKey: "test" } };
  gate = await startCrossAccountGate({ upstream: moto.url, policies: motoPolicies(moto.url) });
});

afterAll(async () => {
  await gate?.stop();
  await moto?.stop();
  if (!process.env.KEEP_DEPLOY_DIRS) stack?.remove();
});

test("cdktf deploy makes the function, the endpoint and every reader's grant", () => {
  stack.deploy();
  const rules = stack.stateOf("aws_vpc_security_group_ingress_rule");
  const groups = Object.fromEntries(stack.stateOf("aws_security_group").map((g) => [String(g.name), String(g.id)]));
  // The endpoint's group admits HTTPS from the function's group and from the web servers' group.
  expect(rules.map((r) => r.referenced_security_group_id).sort()).toEqual([groups.payments, groups.web].sort());
  expect(new Set(rules.map((r) => `${r.ip_protocol}/${r.from_port}-${r.to_port}`))).toEqual(new Set(["tcp/443-443"]));
});

test("the grants are deployed: the web role's policy, the key policy and the secret's resource policy", async () => {
  const iam = new IAMClient(config);
  const rolePolicy = await iam.send(new GetRolePolicyCommand({ RoleName: "web", PolicyName: "payments-secrets-read" }));
  const identity = JSON.parse(decodeURIComponent(rolePolicy.PolicyDocument ?? "{}"));
  expect(identity.Statement.map((s: { Action: string[] }) => s.Action)).toEqual([
    ["secretsmanager:GetSecretValue"],
    ["kms:Decrypt"],
  ]);

  const kms = new KMSClient(config);
  const [key] = (await kms.send(new ListKeysCommand({}))).Keys ?? [];
  const keyPolicy = JSON.parse(
    (await kms.send(new GetKeyPolicyCommand({ KeyId: key!.KeyId, PolicyName: "default" }))).Policy ?? "{}",
  );
  const readers = keyPolicy.Statement.filter((s: { Sid: string }) => s.Sid.startsWith("Reader"));
  expect(readers.map((s: { Principal: { AWS: string } }) => s.Principal.AWS)).toEqual([
    `arn:aws:iam::${ACCOUNT}:role/web`,
    PARTNER_READER,
  ]);
  for (const statement of readers)
    expect(statement.Condition).toEqual({
      StringEquals: { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` },
      StringLike: {
        "kms:EncryptionContext:SecretARN": `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:payments/secrets-??????`,
      },
    });

  const sm = new SecretsManagerClient(config);
  const resourcePolicy = JSON.parse(
    (await sm.send(new GetResourcePolicyCommand({ SecretId: SECRET_ID }))).ResourcePolicy ?? "{}",
  );
  expect(resourcePolicy.Statement).toEqual([
    expect.objectContaining({
      Principal: { AWS: PARTNER_READER },
      Action: ["secretsmanager:GetSecretValue"],
      Condition: { StringEquals: { "secretsmanager:VersionStage": "AWSCURRENT" } },
    }),
  ]);
});

test("a second plan changes nothing", () => {
  const { changes } = stack.plan();
  reportTolerated(changes);
  // SecretsEndpoints' group-referencing rules come back from moto 5.2.5 without their description
  // (moto/ec2/models/security_groups.py reads a rule's description from its CIDR range only):
  // a drift of moto's, in resources this issue did not change.
  const mine = untoleratedChanges(changes).filter(
    (c) => !(c.type === "aws_vpc_security_group_ingress_rule" && c.attributes.join() === "description"),
  );
  expect(mine).toEqual([]);
});

test("the web servers' role, in a session of its own, reads the secret through the runtime loader", async () => {
  const sm = new SecretsManagerClient(config);
  const from = (await sm.send(new GetSecretValueCommand({ SecretId: SECRET_ID, VersionStage: "AWSCURRENT" })))
    .VersionId;
  const put = await sm.send(
    new PutSecretValueCommand({
      SecretId: SECRET_ID,
      SecretString: JSON.stringify({ stripe_key: VALUE }),
      VersionStages: ["FAKE-SET"],
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
  const session = await new STSClient(config).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/web`, RoleSessionName: "i-0123456789abcdef0" }),
  );
  const saved = { ...process.env };
  try {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: session.Credentials!.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: session.Credentials!.SecretAccessKey,
      AWS_SESSION_TOKEN: session.Credentials!.SessionToken,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url,
    });
    const loader = createSecretsLoader(["stripe_key"], {
      send: sendHttp,
      env: { SECRETS_MANAGER_SECRET_ID: SECRET_ID },
    });
    expect(await loader.get("stripe_key")).toBe(VALUE);
  } finally {
    process.env = saved;
  }
});

/** A session's credentials, as STS gives them. */
type Session = { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };

/** The partner account's IAM, as its owner uses it: moto keeps the account apart by this header. */
const partnerIam = () => inAccount(new IAMClient(config), PARTNER);

/** The identity policy the stack wrote out for the partner's reader (an output: this stack cannot attach it). */
function partnerIdentityPolicy(): string {
  const state = JSON.parse(fs.readFileSync(stack.stateFile, "utf8")) as { outputs: Record<string, { value: string }> };
  return state.outputs[`payments-reader-${PARTNER}-role-reporting`]!.value;
}

/** Makes role `name` in the partner account, with `policy` attached inline when given, and a session of it. */
async function partnerRole(name: string, policy?: string): Promise<Session> {
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: "sts:AssumeRole" }],
  };
  await partnerIam().send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  if (policy)
    await partnerIam().send(
      new PutRolePolicyCommand({ RoleName: name, PolicyName: "payments-secrets-read", PolicyDocument: policy }),
    );
  return sessionOf(name);
}

async function sessionOf(name: string): Promise<Session> {
  const assumed = await new STSClient(config).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${PARTNER}:role/${name}`, RoleSessionName: `${name}-report` }),
  );
  return assumed.Credentials!;
}

/** The secret's ARN, as the partner names it (by name, the secret would be looked up in its own account). */
function secretArn(): string {
  return String(stack.stateOf("aws_secretsmanager_secret")[0]!.arn);
}

/** What the runtime loader, in `session` and with Secrets Manager at `endpoint`, makes of the secret by its ARN. */
async function readAs(session: Session, endpoint = gate.url): Promise<string | unknown> {
  const saved = { ...process.env };
  try {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: session.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: session.SecretAccessKey,
      AWS_SESSION_TOKEN: session.SessionToken,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    });
    // `send` given: a loader with a cache of its own, so no reader is served another's read.
    const loader = createSecretsLoader(["stripe_key"], {
      send: sendHttp,
      env: { SECRETS_MANAGER_SECRET_ID: secretArn() },
    });
    return await loader.get("stripe_key").catch((error: unknown) => error);
  } finally {
    process.env = saved;
  }
}

/** A refusal through the loader: typed, by whom, naming the secret and never the value. */
function expectRefused(outcome: unknown, deniedBy: "iam" | "kms"): void {
  expect(outcome).toBeInstanceOf(SecretAccessDeniedError);
  expect(outcome).toMatchObject({ deniedBy, awsErrorName: "AccessDeniedException", secretId: secretArn() });
  expect(`${String(outcome)} ${JSON.stringify(outcome)}`).not.toContain(VALUE);
}

test("the identity policy written out for the partner's role names exactly the secret and its key", () => {
  const policy = JSON.parse(partnerIdentityPolicy());
  const [key] = stack.stateOf("aws_kms_key");
  expect(policy.Statement.map((s: { Action: string[]; Resource: string[] }) => [s.Action, s.Resource])).toEqual([
    [["secretsmanager:GetSecretValue"], [secretArn()]],
    [["kms:Decrypt"], [key!.arn]],
  ]);
});

test("moto alone serves the partner from the partner's own account: the secret is not found there", async () => {
  const session = await partnerRole("reporting", partnerIdentityPolicy());
  const outcome = await readAs(session, moto.url);
  expect(outcome).toMatchObject({ name: "SecretNotFoundError" });
});

test("the partner's role, with the identity policy the stack wrote for it, reads the secret through the loader", async () => {
  expect(await readAs(await sessionOf("reporting"))).toBe(VALUE);
  expect(gate.decisions().at(-1)).toEqual({
    caller: `arn:aws:sts::${PARTNER}:assumed-role/reporting/reporting-report`,
    secretArn: secretArn(),
    owner: ACCOUNT,
    allowed: true,
  });
});

test("a role of the partner account with the same identity policy, not named by the secret's policies, is refused", async () => {
  const outcome = await readAs(await partnerRole("other", partnerIdentityPolicy()));
  expectRefused(outcome, "iam");
  expect(gate.decisions().at(-1)).toMatchObject({ allowed: false, deniedBy: "secret" });
  expect(gate.decisions().at(-1)?.message).toContain("because no resource-based policy allows");
});

test("the partner's role without the identity policy attached is refused", async () => {
  const session = await sessionOf("reporting");
  await partnerIam().send(new DeleteRolePolicyCommand({ RoleName: "reporting", PolicyName: "payments-secrets-read" }));
  try {
    expectRefused(await readAs(session), "iam");
    expect(gate.decisions().at(-1)?.message).toContain("because no identity-based policy allows");
  } finally {
    await partnerIam().send(
      new PutRolePolicyCommand({
        RoleName: "reporting",
        PolicyName: "payments-secrets-read",
        PolicyDocument: partnerIdentityPolicy(),
      }),
    );
  }
  expect(await readAs(session)).toBe(VALUE);
});

test("the partner's role is refused by KMS once the deployed key policy no longer names it", async () => {
  const kms = new KMSClient(config);
  const [key] = stack.stateOf("aws_kms_key");
  const deployed = (await kms.send(new GetKeyPolicyCommand({ KeyId: String(key!.key_id), PolicyName: "default" })))
    .Policy!;
  const parsed = JSON.parse(deployed);
  const without = {
    ...parsed,
    Statement: parsed.Statement.filter((s: { Principal?: { AWS?: string } }) => s.Principal?.AWS !== PARTNER_READER),
  };
  expect(without.Statement.length).toBe(parsed.Statement.length - 1);
  const put = (policy: string) =>
    kms.send(new PutKeyPolicyCommand({ KeyId: String(key!.key_id), PolicyName: "default", Policy: policy }));
  await put(JSON.stringify(without));
  try {
    expectRefused(await readAs(await sessionOf("reporting")), "kms");
    expect(gate.decisions().at(-1)).toMatchObject({ allowed: false, deniedBy: "key" });
  } finally {
    await put(deployed);
  }
});
