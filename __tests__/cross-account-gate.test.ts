/**
 * The cross-account gate (helpers/cross-account-gate.ts), which the deploy suite puts in front
 * of moto to make AWS's decision on a Secrets Manager read across accounts: it decides with
 * the audit's policy engine on the policies it is given, answers a refusal as Secrets Manager
 * does, and lets through, as the owner's account, only what both sides allow. Here the
 * policies are the documents the construct writes for seed 004's partner reader, and moto is
 * a loopback fake that records what reaches it; the runtime loader is the client.
 */
import * as http from "node:http";
import { createSecretsLoader, SecretAccessDeniedError } from "../lambda-src/secrets";
import { sendHttp } from "../lambda-src/secrets/http-send";
import type { PolicyDocument } from "../audit/subjects";
import {
  type Caller,
  type CrossAccountGate,
  type DeployedPolicies,
  startCrossAccountGate,
} from "./helpers/cross-account-gate";
import { closeServer, listenOnLoopback } from "./helpers/loopback";
import { useOfflineAws } from "./helpers/offline-aws";

const OWNER = "123456789012";
const PARTNER = "210987654321";
const REGION = "eu-west-1";
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${OWNER}:secret:payments/secrets-AbCdEf`;
const KEY_ARN = `arn:aws:kms:${REGION}:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const READER = `arn:aws:iam::${PARTNER}:role/reporting`;
const VALUE = "fake-stripe-key-gate-unit-7a2c";

const session = (role: string, account = PARTNER): Caller => ({
  arn: `arn:aws:sts::${account}:assumed-role/${role}/s-1`,
  account,
  principalArn: `arn:aws:iam::${account}:role/${role}`,
});

// The documents SecretReaders writes for a reader of another account (constructs/secret-readers.ts).
const identityPolicy: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ReadGrantedSecret",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [SECRET_ARN],
      Condition: { StringEquals: { "secretsmanager:VersionStage": "AWSCURRENT" } },
    },
    {
      Sid: "DecryptGrantedSecretThroughSecretsManager",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [KEY_ARN],
      Condition: {
        StringEquals: {
          "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com`,
          "kms:EncryptionContext:SecretARN": SECRET_ARN,
        },
      },
    },
  ],
};
const resourcePolicy = (principal = READER): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Reader1ReadsCurrentValues",
      Effect: "Allow",
      Principal: { AWS: principal },
      Action: ["secretsmanager:GetSecretValue"],
      Resource: "*",
      Condition: { StringEquals: { "secretsmanager:VersionStage": "AWSCURRENT" } },
    },
  ],
});
const keyPolicy = (
  principal = READER,
  secretPattern = `arn:aws:secretsmanager:${REGION}:${OWNER}:secret:payments/secrets-??????`,
) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "EnableRootAccess",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${OWNER}:root` },
      Action: "kms:*",
      Resource: "*",
    },
    {
      Sid: "Reader1DecryptsThroughSecretsManager",
      Effect: "Allow",
      Principal: { AWS: principal },
      Action: ["kms:Decrypt"],
      Resource: "*",
      Condition: {
        StringEquals: { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:SecretARN": secretPattern },
      },
    },
  ],
});

interface World {
  callers: Record<string, Caller>;
  identity: Record<string, PolicyDocument[]>;
  resourcePolicy?: PolicyDocument;
  keyPolicy?: PolicyDocument;
  kmsKeyId?: string;
  callerLookups: number;
}

function policiesOf(world: World): DeployedPolicies {
  return {
    async caller({ accessKeyId }) {
      world.callerLookups++;
      const caller = world.callers[accessKeyId];
      if (!caller) throw new Error(`no caller has the access key ${accessKeyId}`);
      return caller;
    },
    async identityPolicies(caller) {
      return world.identity[caller.principalArn] ?? [];
    },
    async secret(arn) {
      return {
        arn,
        ...(world.kmsKeyId ? { kmsKeyId: world.kmsKeyId } : {}),
        ...(world.resourcePolicy ? { resourcePolicy: world.resourcePolicy } : {}),
        versionIdsToStages: { "v-1": ["AWSCURRENT"], "v-0": ["AWSPREVIOUS"] },
      };
    },
    async key(keyId) {
      return keyId === KEY_ARN && world.keyPolicy ? { arn: KEY_ARN, policy: world.keyPolicy } : undefined;
    },
  };
}

/** A loopback moto that answers GetSecretValue with the value, and records the account each request asked as. */
interface FakeMoto {
  url: string;
  accounts: Array<string | undefined>;
  close(): Promise<void>;
}

async function startFakeMoto(hang = false): Promise<FakeMoto> {
  const accounts: Array<string | undefined> = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      accounts.push(request.headers["x-moto-account-id"] as string | undefined);
      if (hang) return;
      response.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      response.end(
        JSON.stringify({
          ARN: SECRET_ARN,
          Name: "payments/secrets",
          VersionId: "v-1",
          VersionStages: ["AWSCURRENT"],
          SecretString: JSON.stringify({ stripe_key: VALUE }),
        }),
      );
    });
  });
  const url = await listenOnLoopback(server);
  return { url, accounts, close: () => closeServer(server) };
}

const saved = { ...process.env };
let moto: FakeMoto;
let gate: CrossAccountGate | undefined;
let world: World;

beforeEach(async () => {
  moto = await startFakeMoto();
  world = {
    callers: { PARTNERKEY: session("reporting"), OTHERKEY: session("other"), OWNERKEY: session("web", OWNER) },
    identity: {
      [READER]: [identityPolicy],
      [`arn:aws:iam::${PARTNER}:role/other`]: [identityPolicy],
    },
    resourcePolicy: resourcePolicy(),
    keyPolicy: keyPolicy(),
    kmsKeyId: KEY_ARN,
    callerLookups: 0,
  };
});

afterEach(async () => {
  process.env = { ...saved };
  await gate?.stop();
  gate = undefined;
  await moto.close();
});

async function open(options: { timeoutMs?: number } = {}): Promise<CrossAccountGate> {
  gate = await startCrossAccountGate({ upstream: moto.url, policies: policiesOf(world), ...options });
  return gate;
}

/** The runtime loader of a reader whose session signs with `accessKeyId`, reading `secretId` through the gate. */
function loaderAs(accessKeyId: string, secretId = SECRET_ARN) {
  useOfflineAws({ AWS_ENDPOINT_URL_SECRETS_MANAGER: gate!.url });
  Object.assign(process.env, { AWS_REGION: REGION, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SESSION_TOKEN: "fake-token" });
  return createSecretsLoader(["stripe_key"], { send: sendHttp, env: { SECRETS_MANAGER_SECRET_ID: secretId } });
}

function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** A raw Secrets Manager request to the gate, as a signed client sends it (the gate reads the signature's scope). */
async function post(action: string, body: Record<string, unknown>, accessKeyId = "PARTNERKEY") {
  const response = await fetch(gate!.url, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `secretsmanager.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261206/${REGION}/secretsmanager/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get("x-amzn-errortype"), body: await response.text() };
}

test("lets a role of another account read when its identity policy, the resource policy and the key policy allow it, as the owner", async () => {
  await open();
  expect(await loaderAs("PARTNERKEY").get("stripe_key")).toBe(VALUE);
  expect(moto.accounts).toEqual([OWNER]);
  expect(gate!.decisions()).toEqual([
    { caller: session("reporting").arn, secretArn: SECRET_ARN, owner: OWNER, allowed: true },
  ]);
});

test("passes a request of the secret's own account through unchanged, as moto's own account", async () => {
  await open();
  expect(await loaderAs("OWNERKEY").get("stripe_key")).toBe(VALUE);
  expect(moto.accounts).toEqual([undefined]);
  expect(gate!.decisions()).toEqual([]);
});

test("passes a request by name, and any other service's, through without asking who calls", async () => {
  await open();
  expect(await loaderAs("PARTNERKEY", "payments/secrets").get("stripe_key")).toBe(VALUE);
  const ssm = await fetch(gate!.url, { method: "POST", headers: { "x-amz-target": "AmazonSSM.GetParameters" } });
  expect(ssm.status).toBe(200);
  expect(moto.accounts).toEqual([undefined, undefined]);
  expect(world.callerLookups).toBe(0);
});

test("refuses a role of that account the resource policy does not name, as Secrets Manager does, and moto never sees it", async () => {
  await open();
  const error = await failure(loaderAs("OTHERKEY").get("stripe_key"));
  expect(error).toBeInstanceOf(SecretAccessDeniedError);
  expect(error).toMatchObject({ deniedBy: "iam", awsErrorName: "AccessDeniedException", secretId: SECRET_ARN });
  expect(String(error)).not.toContain(VALUE);
  expect(moto.accounts).toEqual([]);
  const answer = await post("GetSecretValue", { SecretId: SECRET_ARN, VersionStage: "AWSCURRENT" }, "OTHERKEY");
  expect(answer.status).toBe(400);
  expect(answer.type).toBe("AccessDeniedException");
  expect(JSON.parse(answer.body)).toEqual({
    __type: "AccessDeniedException",
    Message:
      `User: ${session("other").arn} is not authorized to perform: secretsmanager:GetSecretValue on resource: ` +
      `${SECRET_ARN} because no resource-based policy allows the secretsmanager:GetSecretValue action`,
  });
});

test("refuses the named role without its identity policy: across accounts, both sides must allow", async () => {
  world.identity[READER] = [];
  await open();
  const error = await failure(loaderAs("PARTNERKEY").get("stripe_key"));
  expect(error).toMatchObject({ deniedBy: "iam", awsErrorName: "AccessDeniedException" });
  expect(gate!.decisions()[0]?.message).toContain("because no identity-based policy allows");
  expect(moto.accounts).toEqual([]);
});

test("refuses the read when the secret has no resource policy", async () => {
  delete world.resourcePolicy;
  await open();
  expect(await failure(loaderAs("PARTNERKEY").get("stripe_key"))).toMatchObject({ deniedBy: "iam" });
  expect(moto.accounts).toEqual([]);
});

test("refuses a version stage the policies do not allow (the loader names AWSCURRENT; an older value may have leaked)", async () => {
  await open();
  const answer = await post("GetSecretValue", { SecretId: SECRET_ARN, VersionStage: "AWSPREVIOUS" });
  expect(answer.type).toBe("AccessDeniedException");
  const unnamed = await post("GetSecretValue", { SecretId: SECRET_ARN });
  expect(unnamed.type).toBe("AccessDeniedException");
  expect(moto.accounts).toEqual([]);
});

test("refuses with 'Access to KMS is not allowed' when the key policy does not name the reader", async () => {
  world.keyPolicy = keyPolicy(`arn:aws:iam::${PARTNER}:role/someone-else`);
  await open();
  const error = await failure(loaderAs("PARTNERKEY").get("stripe_key"));
  expect(error).toBeInstanceOf(SecretAccessDeniedError);
  expect(error).toMatchObject({ deniedBy: "kms", awsErrorName: "AccessDeniedException" });
  expect(String(error)).not.toContain(VALUE);
  expect(gate!.decisions()).toEqual([
    expect.objectContaining({ allowed: false, deniedBy: "key", message: "Access to KMS is not allowed" }),
  ]);
  expect(moto.accounts).toEqual([]);
});

test("refuses when the key statement is for another secret, or the secret uses aws/secretsmanager", async () => {
  world.keyPolicy = keyPolicy(READER, `arn:aws:secretsmanager:${REGION}:${OWNER}:secret:billing/secrets-??????`);
  await open();
  expect(await failure(loaderAs("PARTNERKEY").get("stripe_key"))).toMatchObject({ deniedBy: "kms" });
  world.keyPolicy = keyPolicy();
  delete world.kmsKeyId;
  expect(await failure(loaderAs("PARTNERKEY").get("stripe_key"))).toMatchObject({ deniedBy: "kms" });
  expect(moto.accounts).toEqual([]);
});

test("asks the key with the encryption context Secrets Manager sends: the secret's ARN and the version's id", async () => {
  const onlyVersion = (versionId: string): PolicyDocument => {
    const policy = keyPolicy() as { Statement: Array<{ Condition?: Record<string, Record<string, string>> }> };
    const reader = policy.Statement[1]!;
    reader.Condition = {
      ...reader.Condition,
      StringEquals: { ...reader.Condition!.StringEquals, "kms:EncryptionContext:SecretVersionId": versionId },
    };
    return policy as PolicyDocument;
  };
  world.keyPolicy = onlyVersion("v-0");
  await open();
  expect(await failure(loaderAs("PARTNERKEY").get("stripe_key"))).toMatchObject({ deniedBy: "kms" });
  world.keyPolicy = onlyVersion("v-1");
  expect(await loaderAs("PARTNERKEY").get("stripe_key")).toBe(VALUE);
});

test("refuses any other action on another account's secret as not stood in for", async () => {
  await open();
  const answer = await post("DescribeSecret", { SecretId: SECRET_ARN });
  expect(answer.status).toBe(501);
  expect(answer.type).toBe("CrossAccountGateUnsupported");
  expect(moto.accounts).toEqual([]);
});

test("answers a failure of its own reads as the gate's, never as AWS's decision", async () => {
  await open();
  const answer = await post("GetSecretValue", { SecretId: SECRET_ARN, VersionStage: "AWSCURRENT" }, "UNKNOWNKEY");
  expect(answer.status).toBe(500);
  expect(answer.type).toBe("CrossAccountGateError");
  expect(JSON.parse(answer.body).Message).toContain("no caller has the access key UNKNOWNKEY");
});

test("gives up on moto after its timeout", async () => {
  await moto.close();
  moto = await startFakeMoto(true);
  await open({ timeoutMs: 300 });
  const started = Date.now();
  const answer = await post("GetSecretValue", { SecretId: SECRET_ARN, VersionStage: "AWSCURRENT" });
  expect(answer.status).toBe(502);
  expect(JSON.parse(answer.body).Message).toBe("moto did not answer within 300 ms");
  expect(Date.now() - started).toBeLessThan(5_000);
});
