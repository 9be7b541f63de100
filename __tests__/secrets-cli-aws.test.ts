import { createServer, type Server } from "node:http";
import { awsSettings } from "../cli/aws-settings";
import { DEFAULT_NETWORK, type NetworkSettings, ssmClientFor } from "../cli/clients";
import type { SynthesizedStack } from "../cli/synthesis";
import { PLACEHOLDER_VALUE } from "../common/naming";
import {
  type CliRun,
  editStack,
  offlineEnv,
  pointProviderAt,
  type RunCliOptions,
  runCli,
  synthesizeApp,
} from "./helpers/cli-app";
import { closeServer, listenOnLoopback } from "./helpers/loopback";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { startStsServer, type StsServer } from "./helpers/sts-server";

const TOKEN = "fake-aws-settings-token-8d2f";
const PARAMETER = "/notifier-prod/github_token";
const PROD_ACCOUNT = "111122223333";
const DEV_ACCOUNT = "444455556666";

let outdir: string;
let ssm: SsmServer;
let sts: StsServer;

function cli(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  return runCli(outdir, args, options);
}

beforeAll(() => {
  outdir = synthesizeApp([
    {
      name: "prod",
      provider: { region: "eu-west-1", allowedAccountIds: [PROD_ACCOUNT] },
      functions: [{ functionName: "notifier-prod", secrets: ["github_token"] }],
    },
  ]);
});

beforeEach(async () => {
  [ssm, sts] = await Promise.all([
    startSsmServer({ region: "eu-west-1" }),
    startStsServer({ accountId: PROD_ACCOUNT }),
  ]);
  pointProviderAt(outdir, "prod", { ssm: ssm.url, sts: sts.url });
  ssm.putParameter(PARAMETER, PLACEHOLDER_VALUE, { keyId: "alias/notifier-prod" });
});
afterEach(async () => {
  await Promise.all([ssm.close(), sts.close()]);
});

function stackWith(provider: Record<string, unknown> | undefined): SynthesizedStack {
  return { name: "prod", file: "cdk.tf.json", functions: [], provider };
}

describe("where the CLI calls AWS: the stack's provider block, as Terraform reads it", () => {
  test("the provider's endpoint comes first, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL", () => {
    const env = { AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:2", AWS_ENDPOINT_URL: "http://127.0.0.1:3" };
    expect(
      awsSettings(stackWith({ region: "eu-west-1", endpoints: [{ ssm: "http://127.0.0.1:1" }] }), env).endpoints,
    ).toEqual({
      ssm: "http://127.0.0.1:1",
      secretsmanager: "http://127.0.0.1:3",
      sts: "http://127.0.0.1:3",
    });
    expect(awsSettings(stackWith({ region: "eu-west-1" }), env).endpoints.ssm).toBe("http://127.0.0.1:2");
    expect(awsSettings(stackWith({ region: "eu-west-1" }), {}).endpoints).toEqual({
      ssm: undefined,
      secretsmanager: undefined,
      sts: undefined,
    });
  });

  test("the provider's region; without one, AWS_REGION; one known only at plan needs AWS_REGION", () => {
    expect(awsSettings(stackWith({ region: "ap-south-1" }), { AWS_REGION: "us-east-1" }).region).toBe("ap-south-1");
    expect(awsSettings(stackWith({}), { AWS_REGION: "us-east-1" }).region).toBe("us-east-1");
    expect(awsSettings(stackWith({ region: "${var.region}" }), { AWS_REGION: "us-east-2" }).region).toBe("us-east-2");
    expect(() => awsSettings(stackWith({ region: "${var.region}" }), {})).toThrow(
      `stack "prod"'s provider region is known only at plan (a Terraform expression): set AWS_REGION to the region it deploys to`,
    );
  });

  test("the provider's own keys (the local stack's test keys) before AWS_ACCESS_KEY_ID, else the SDK's chain and the profile", async () => {
    const env = { AWS_ACCESS_KEY_ID: "from-env", AWS_SECRET_ACCESS_KEY: "from-env-secret", AWS_PROFILE: "team" };
    expect(awsSettings(stackWith({ access_key: "test", secret_key: "test" }), env)).toMatchObject({
      credentials: { accessKeyId: "test" },
      profile: "team",
    });
    expect(awsSettings(stackWith({ profile: "prod-admin" }), env)).toMatchObject({
      credentials: { accessKeyId: "from-env" },
      profile: "prod-admin",
    });
    expect(awsSettings(stackWith({}), { AWS_PROFILE: "sso-dev" })).toMatchObject({
      credentials: undefined,
      profile: "sso-dev",
    });
    // End to end: the fakes know only the test keys, so a call signed with the env's keys would be refused.
    editStack(outdir, "prod", (json) =>
      Object.assign(json.provider.aws[0], { access_key: "test", secret_key: "test" }),
    );
    try {
      const result = await cli(["status", "prod"], {
        env: offlineEnv({ AWS_ACCESS_KEY_ID: "wrong", AWS_SECRET_ACCESS_KEY: "wrong" }),
      });
      expect(result.stdout).toContain("prod: 1 of 1 secrets are not set");
    } finally {
      editStack(outdir, "prod", (json) => {
        delete json.provider.aws[0].access_key;
        delete json.provider.aws[0].secret_key;
      });
    }
  });

  test("refuses a provider that assumes a role, which the CLI would not follow", () => {
    expect(() =>
      awsSettings(
        stackWith({ region: "eu-west-1", assume_role: [{ role_arn: "arn:aws:iam::111122223333:role/deploy" }] }),
        {},
      ),
    ).toThrow(/assumes a role \(assume_role\), which the CLI does not follow: run it with that role's credentials/);
  });

  test("takes the stack's default provider, not an aliased one", async () => {
    editStack(outdir, "prod", (json) => {
      json.provider.aws.unshift({
        alias: "elsewhere",
        region: "us-west-2",
        endpoints: [{ ssm: "http://127.0.0.1:9" }],
      });
    });
    try {
      const result = await cli(["status", "prod"]);
      expect(result.stdout).toContain("prod: 1 of 1 secrets are not set");
      expect(ssm.calls[0]!.signature.region).toBe("eu-west-1");
    } finally {
      editStack(outdir, "prod", (json) => json.provider.aws.shift());
    }
    expect(() => awsSettings(stackWith(undefined), {})).toThrow(/has no AWS provider block/);
  });

  test("every client has a connection and a request timeout that fails the call, and a bounded number of tries", async () => {
    expect(DEFAULT_NETWORK).toEqual({ connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 3 });
    const client = ssmClientFor(awsSettings(stackWith({ region: "eu-west-1" }), {}));
    expect(await client.config.maxAttempts()).toBe(3);
    const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
    expect(await handler.configProvider).toMatchObject({
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      throwOnRequestTimeout: true,
    });
  });
});

describe("the account guard", () => {
  test("refuses credentials of another account than allowed_account_ids, naming both, before writing anything", async () => {
    sts.setAccount(DEV_ACCOUNT);
    const result = await cli(["set", "prod", "notifier-prod", "github_token"], { stdin: TOKEN });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: the credentials are of account ${DEV_ACCOUNT}, but stack "prod" may be written only in ${PROD_ACCOUNT} (its provider's allowed_account_ids): nothing was written; use credentials of ${PROD_ACCOUNT}\n`,
    });
    expect(ssm.calls).toHaveLength(0);
    expect(sts.callCount("GetCallerIdentity")).toBe(1);
  });

  test.each([
    ["rollback", ["rollback", "prod", "notifier-prod", "github_token"], undefined],
    ["import", ["import", "prod"], `github_token=${TOKEN}\n`],
  ])("guards %s too", async (_, args, stdin) => {
    sts.setAccount(DEV_ACCOUNT);
    const result = await cli(args, { stdin });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `the credentials are of account ${DEV_ACCOUNT}, but stack "prod" may be written only in ${PROD_ACCOUNT}`,
    );
    expect(ssm.calls).toHaveLength(0);
  });

  test("writes with credentials of the allowed account", async () => {
    const result = await cli(["set", "prod", "notifier-prod", "github_token"], { stdin: TOKEN });
    expect(result).toEqual({ code: 0, stdout: `${PARAMETER}: set, version 2\n`, stderr: "" });
    expect(sts.callCount("GetCallerIdentity")).toBe(1);
  });

  test("refuses an account of forbidden_account_ids", async () => {
    editStack(outdir, "prod", (json) => {
      delete json.provider.aws[0].allowed_account_ids;
      json.provider.aws[0].forbidden_account_ids = [PROD_ACCOUNT];
    });
    try {
      const result = await cli(["set", "prod", "notifier-prod", "github_token"], { stdin: TOKEN });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `the credentials are of account ${PROD_ACCOUNT}, which stack "prod" must never be written in (its provider's forbidden_account_ids)`,
      );
      expect(ssm.callCount("PutParameter")).toBe(0);
    } finally {
      editStack(outdir, "prod", (json) => {
        delete json.provider.aws[0].forbidden_account_ids;
        json.provider.aws[0].allowed_account_ids = [PROD_ACCOUNT];
      });
    }
  });

  test("refuses when STS refuses the credentials, saying STS", async () => {
    sts.failNext("GetCallerIdentity", {
      code: "InvalidClientTokenId",
      message: "The security token included in the request is invalid.",
      status: 403,
    });
    const result = await cli(["set", "prod", "notifier-prod", "github_token"], { stdin: TOKEN });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: InvalidClientTokenId for the account of the credentials (sts:GetCallerIdentity): The security token included in the request is invalid.\n",
    );
    expect(ssm.calls).toHaveLength(0);
  });
});

const misbehavingServers: Server[] = [];
afterEach(async () => {
  // Closed here too: a test that fails while a call hangs must not keep jest from exiting.
  await Promise.all(misbehavingServers.splice(0).map((server) => closeServer(server)));
});

/** A loopback server that accepts every request and answers none, or drops each connection. */
async function misbehaving(kind: "silent" | "reset"): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((req) => {
    requests++;
    if (kind === "reset") req.socket.destroy();
  });
  misbehavingServers.push(server);
  const url = await listenOnLoopback(server);
  return { url, requests: () => requests };
}

describe("faults: every call has a timeout and a bounded number of tries", () => {
  const FAST: NetworkSettings = { connectionTimeoutMs: 500, requestTimeoutMs: 300, maxAttempts: 2 };

  test.each([
    ["never answers", "silent" as const, /TimeoutError/],
    ["drops every connection", "reset" as const, /socket hang up|ECONNRESET/],
  ])(
    "an endpoint that %s fails after maxAttempts tries, within the timeouts, with the parameter named",
    async (_, kind, message) => {
      const server = await misbehaving(kind);
      pointProviderAt(outdir, "prod", { ssm: server.url, sts: sts.url });
      const started = Date.now();
      const result = await cli(["status", "prod"], { network: FAST });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain(PARAMETER);
      expect(server.requests()).toBe(FAST.maxAttempts);
    },
    // A call that never ends fails the test here, not at jest's minute.
    10_000,
  );

  test("throttling and 5xx answers are retried, and the call succeeds within its tries", async () => {
    ssm.failNext("GetParameters", { code: "ThrottlingException", message: "Rate exceeded" });
    ssm.failNext("GetParameters", { code: "InternalServerError", message: "try again", status: 500 });
    const result = await cli(["status", "prod"], { network: { ...FAST, maxAttempts: 3 } });
    expect(result.stdout).toContain("prod: 1 of 1 secrets are not set");
    expect(ssm.callCount("GetParameters")).toBe(3);
  });

  test("throttling that outlasts the tries fails with the service's code, after exactly maxAttempts calls", async () => {
    ssm.failNext("GetParameters", { code: "ThrottlingException", message: "Rate exceeded", times: 10 });
    const result = await cli(["status", "prod"], { network: FAST });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: ThrottlingException for ${PARAMETER}: Rate exceeded\n`);
    expect(ssm.callCount("GetParameters")).toBe(FAST.maxAttempts);
  });

  test("a write is not repeated after a denial: only transient failures are retried", async () => {
    ssm.failNext("PutParameter", {
      code: "AccessDeniedException",
      message: "not authorized to perform ssm:PutParameter",
    });
    const result = await cli(["set", "prod", "notifier-prod", "github_token"], { stdin: TOKEN, network: FAST });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`access denied by IAM for ${PARAMETER}`);
    expect(ssm.callCount("PutParameter")).toBe(1);
  });
});
