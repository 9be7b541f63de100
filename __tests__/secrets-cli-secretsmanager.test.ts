import { MAX_SET_ATTEMPTS, SET_STAGE } from "../cli/secretsmanager-store";
import { defaultSecretName, PLACEHOLDER_VALUE, placeholderSecretJson } from "../common/naming";
import { type CliRun as Run, type FixtureFunction, pointProviderAt, runCli, synthesizeApp } from "./helpers/cli-app";
import {
  AWSCURRENT,
  AWSPREVIOUS,
  faults,
  startSecretsManagerServer,
  type SecretsManagerServer,
} from "./helpers/secretsmanager-server";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";

// Obviously fake, but distinctive enough to find anywhere it leaks. The token has a quote
// and a backslash, so it looks different inside JSON than on its own.
const FAKE_TOKEN = 'fake-sm-token-"7c1f"\\a90e';
const FAKE_WEBHOOK = "https://example.invalid/fake-sm-webhook-3b5d";
const FAKE_API_KEY = "fake-sm-api-key-e62a";
const LEAKS = [FAKE_TOKEN, JSON.stringify(FAKE_TOKEN).slice(1, -1), "fake-sm-token", FAKE_WEBHOOK, FAKE_API_KEY];

const VAULT: FixtureFunction = {
  functionName: "vault-dev",
  secrets: ["github_token", "slack_webhook_url"],
  store: "secretsmanager",
};
const SECRET_ID = defaultSecretName(VAULT.functionName);
// A second stack of the same app: one more key on the same secret, an undeployed function, one on SSM.
const WIDE: FixtureFunction = { ...VAULT, secrets: ["github_token", "slack_webhook_url", "added_later"] };
const UNDEPLOYED: FixtureFunction = { functionName: "ghost-dev", secrets: ["api_key"], store: "secretsmanager" };
const ON_SSM: FixtureFunction = { functionName: "plain-dev", secrets: ["api_key"] };

let outdir: string;

beforeAll(() => {
  outdir = synthesizeApp([
    { name: "dev", functions: [VAULT] },
    { name: "wide", functions: [WIDE, UNDEPLOYED, ON_SSM] },
  ]);
});

let sm: SecretsManagerServer;
let ssm: SsmServer;

function cli(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return runCli(outdir, args, options);
}

function setToken(value = FAKE_TOKEN): Promise<Run> {
  return cli(["set", "dev", "vault-dev", "github_token"], { stdin: value });
}

/** The current JSON of the secret, parsed. */
function stored(secretId = SECRET_ID): Record<string, unknown> {
  return JSON.parse(sm.secretString(secretId) ?? "null") as Record<string, unknown>;
}

function currentVersion(secretId = SECRET_ID) {
  return sm.getSecret(secretId)!.versions.find((v) => v.stages.includes(AWSCURRENT))!;
}

/** No secret value in what the CLI printed, nor in any error the fake answered with. */
function expectNoLeak(...runs: Run[]): void {
  const seen = [...runs.flatMap((r) => [r.stdout, r.stderr]), ...sm.errors.map((e) => e.message)].join("\n");
  for (const leak of LEAKS) expect(seen).not.toContain(leak);
}

/** Another writer: PutSecretValue of the current JSON with `changes`, moving AWSCURRENT as the console would. */
function otherWriter(changes: Record<string, string>): void {
  sm.putSecretValue(SECRET_ID, JSON.stringify({ ...stored(), ...changes }));
}

beforeEach(async () => {
  sm = await startSecretsManagerServer({ region: "eu-west-1" });
  ssm = await startSsmServer({ region: "eu-west-1" });
  for (const stack of ["dev", "wide"]) pointProviderAt(outdir, stack, { secretsmanager: sm.url, ssm: ssm.url });
});
afterEach(async () => {
  await Promise.all([sm.close(), ssm.close()]);
});

describe("secrets set, store secretsmanager", () => {
  test("sets one key of the JSON, keeps the others, and prints the secret, key and new version", async () => {
    const initial = sm.createSecret(
      SECRET_ID,
      JSON.stringify({ github_token: PLACEHOLDER_VALUE, slack_webhook_url: FAKE_WEBHOOK }),
      {
        kmsKeyId: "alias/vault-dev",
      },
    );
    const result = await setToken();
    const current = currentVersion();
    expect(result).toEqual({
      code: 0,
      stdout: `${SECRET_ID} key github_token: set, version ${current.versionId}\n`,
      stderr: "",
    });
    expect(stored()).toEqual({ github_token: FAKE_TOKEN, slack_webhook_url: FAKE_WEBHOOK });
    expect(
      sm.getSecret(SECRET_ID)!.versions.find((v) => v.versionId === initial.versions[0]!.versionId)!.stages,
    ).toEqual([AWSPREVIOUS]);
    expectNoLeak(result);
  });

  test("writes under its own label first, then moves AWSCURRENT only from the version it read", async () => {
    const initial = sm.createSecret(SECRET_ID, placeholderSecretJson(VAULT.secrets));
    await setToken();
    expect(sm.calls.map((c) => c.action)).toEqual(["GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage"]);
    const put = sm.calls[1]!.request;
    expect(put).toMatchObject({ SecretId: SECRET_ID, VersionStages: [SET_STAGE] });
    expect(put.ClientRequestToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(put).not.toHaveProperty("KmsKeyId"); // Terraform set the function's key on the secret
    expect(sm.calls[2]!.request).toEqual({
      SecretId: SECRET_ID,
      VersionStage: AWSCURRENT,
      MoveToVersionId: put.ClientRequestToken,
      RemoveFromVersionId: initial.versions[0]!.versionId,
    });
    expect([...currentVersion().stages].sort()).toEqual([AWSCURRENT, SET_STAGE].sort());
    expect(JSON.stringify(sm.calls)).not.toContain("AWSPENDING");
  });

  test("adds a key the JSON lacks (a secret declared after the secret was created)", async () => {
    sm.createSecret(SECRET_ID, JSON.stringify({ slack_webhook_url: FAKE_WEBHOOK }));
    const result = await setToken();
    expect(result.code).toBe(0);
    expect(stored()).toEqual({ slack_webhook_url: FAKE_WEBHOOK, github_token: FAKE_TOKEN });
    expectNoLeak(result);
  });

  test("refuses a secret the stack does not declare, without calling Secrets Manager", async () => {
    sm.createSecret(SECRET_ID, placeholderSecretJson(VAULT.secrets));
    const result = await cli(["set", "dev", "vault-dev", "aws_key"], { stdin: FAKE_TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown secret "aws_key" of vault-dev; known: github_token, slack_webhook_url');
    expect(sm.calls).toHaveLength(0);
  });

  test.each([
    ["an empty value", "\n", `refusing an empty value for ${SECRET_ID} key github_token`],
    ["the placeholder", PLACEHOLDER_VALUE, `refusing the placeholder as the value of ${SECRET_ID} key github_token`],
  ])("refuses %s without calling Secrets Manager", async (_, value, message) => {
    sm.createSecret(SECRET_ID, placeholderSecretJson(VAULT.secrets));
    const result = await setToken(value);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(sm.calls).toHaveLength(0);
  });

  test("refuses a secret the stack has not created, and does not create it", async () => {
    const result = await setToken();
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: ${SECRET_ID} does not exist: deploy the stack first (npx cdktf deploy <stack>)\n`,
    );
    expect(sm.callCount("PutSecretValue")).toBe(0);
    expect(sm.getSecret(SECRET_ID)).toBeUndefined();
    expectNoLeak(result);
  });

  test("refuses a value that would take the whole JSON past 65536 bytes, before writing", async () => {
    sm.createSecret(
      SECRET_ID,
      JSON.stringify({ github_token: PLACEHOLDER_VALUE, slack_webhook_url: "w".repeat(60_000) }),
    );
    const result = await setToken("t".repeat(6_000));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`${SECRET_ID} would be 660\\d\\d bytes; a Secrets Manager secret holds at most 65536`),
    );
    expect(sm.callCount("PutSecretValue")).toBe(0);
    // The same value fits once the other key is small: the limit is on the JSON, not the value.
    sm.putSecretValue(SECRET_ID, placeholderSecretJson(VAULT.secrets));
    expect((await setToken("t".repeat(6_000))).code).toBe(0);
  });

  test("refuses to overwrite a secret that does not hold a JSON object", async () => {
    sm.createSecret(SECRET_ID, "not json at all");
    const result = await setToken();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${SECRET_ID} does not hold a JSON object; refusing to overwrite it`);
    expect(sm.callCount("PutSecretValue")).toBe(0);
  });

  test("detects a writer that changed the secret between its read and its write, retries, and keeps both keys", async () => {
    sm.createSecret(SECRET_ID, placeholderSecretJson(VAULT.secrets));
    sm.beforeNext("UpdateSecretVersionStage", () => otherWriter({ slack_webhook_url: FAKE_WEBHOOK }));
    const result = await setToken();
    expect(result.code).toBe(0);
    expect(stored()).toEqual({ github_token: FAKE_TOKEN, slack_webhook_url: FAKE_WEBHOOK });
    expect(result.stdout).toBe(`${SECRET_ID} key github_token: set, version ${currentVersion().versionId}\n`);
    expect(sm.callCount("PutSecretValue")).toBe(2);
    expect(sm.errors.map((e) => `${e.action} ${e.code}`)).toEqual([
      "UpdateSecretVersionStage InvalidParameterException",
    ]);
    expectNoLeak(result);
  });

  test("gives up on a writer that keeps racing with a clear error and exit code 1, losing no key", async () => {
    sm.createSecret(SECRET_ID, JSON.stringify({ github_token: PLACEHOLDER_VALUE, slack_webhook_url: FAKE_WEBHOOK }));
    let writes = 0;
    sm.beforeNext("UpdateSecretVersionStage", () => otherWriter({ racing: String(++writes) }), Infinity);
    const result = await setToken();
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: another writer kept changing ${SECRET_ID} while github_token was being set (${MAX_SET_ATTEMPTS} attempts): github_token was not set and nothing was lost; run set again\n`,
    );
    expect(sm.callCount("PutSecretValue")).toBe(MAX_SET_ATTEMPTS);
    expect(stored()).toEqual({
      github_token: PLACEHOLDER_VALUE,
      slack_webhook_url: FAKE_WEBHOOK,
      racing: String(MAX_SET_ATTEMPTS),
    });
    expectNoLeak(result);
  });

  test("succeeds when its move went through but the answer was lost (the retried move is refused)", async () => {
    sm.createSecret(SECRET_ID, JSON.stringify({ github_token: PLACEHOLDER_VALUE, slack_webhook_url: FAKE_WEBHOOK }));
    // As if the first attempt of the call had moved the label and its answer had been lost:
    // the SDK's retry then finds AWSCURRENT no longer on the version it names.
    sm.beforeNext("UpdateSecretVersionStage", (request) =>
      sm.updateSecretVersionStage(
        SECRET_ID,
        AWSCURRENT,
        String(request.MoveToVersionId),
        String(request.RemoveFromVersionId),
      ),
    );
    const result = await setToken();
    expect(result).toEqual({
      code: 0,
      stdout: `${SECRET_ID} key github_token: set, version ${currentVersion().versionId}\n`,
      stderr: "",
    });
    expect(sm.callCount("PutSecretValue")).toBe(1);
    expect(stored()).toEqual({ github_token: FAKE_TOKEN, slack_webhook_url: FAKE_WEBHOOK });
  });

  test("reports a refusal of the move that is not a race instead of retrying, with the value redacted", async () => {
    sm.createSecret(SECRET_ID, JSON.stringify({ github_token: PLACEHOLDER_VALUE, slack_webhook_url: FAKE_WEBHOOK }));
    sm.failNext("UpdateSecretVersionStage", {
      code: "InvalidParameterException",
      message: `cannot stage ${JSON.stringify({ github_token: FAKE_TOKEN, slack_webhook_url: FAKE_WEBHOOK })}`,
    });
    const result = await setToken();
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: InvalidParameterException for ${SECRET_ID}: cannot stage <redacted>\n`);
    expect(sm.callCount("PutSecretValue")).toBe(1);
    expect(stored()).toEqual({ github_token: PLACEHOLDER_VALUE, slack_webhook_url: FAKE_WEBHOOK });
  });

  test("never shows the value nor the other keys' values when AWS quotes them in an error", async () => {
    sm.createSecret(SECRET_ID, JSON.stringify({ github_token: PLACEHOLDER_VALUE, slack_webhook_url: FAKE_WEBHOOK }));
    // The whole JSON, the value as typed, and the value as it appears inside the JSON (escaped).
    const json = JSON.stringify({ github_token: FAKE_TOKEN, slack_webhook_url: FAKE_WEBHOOK });
    const quoted = `Value '${json}' at 'secretString' failed; token ${FAKE_TOKEN}, in JSON "${JSON.stringify(FAKE_TOKEN).slice(1, -1)}", webhook ${FAKE_WEBHOOK}`;
    sm.failNext("PutSecretValue", { code: "ValidationException", message: quoted });
    const result = await setToken();
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: ValidationException for ${SECRET_ID}: Value '<redacted>' at 'secretString' failed; token <redacted>, in JSON "<redacted>", webhook <redacted>\n`,
    );
  });

  test("says KMS, not IAM, when the secret's key refuses the caller", async () => {
    sm.createSecret(SECRET_ID, placeholderSecretJson(VAULT.secrets));
    sm.failNext("PutSecretValue", faults.accessDeniedByKms());
    const result = await setToken();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `KMS refused ${SECRET_ID} (AccessDeniedException): your credentials may not use the secret's key`,
    );
  });
});

describe("secrets status, store secretsmanager", () => {
  test("prints set, placeholder, missing key and missing per key, with one GetSecretValue per function, and exits 1", async () => {
    sm.createSecret(SECRET_ID, JSON.stringify({ github_token: FAKE_TOKEN, slack_webhook_url: PLACEHOLDER_VALUE }));
    ssm.putParameter("/plain-dev/api_key", FAKE_API_KEY);
    const result = await cli(["status", "wide"]);
    const { versionId, createdDate } = currentVersion();
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.map((line) => line.split(/\s{2,}/))).toEqual([
      [
        "wide",
        "vault-dev",
        "github_token",
        "set",
        versionId,
        createdDate.toISOString(),
        `${SECRET_ID} key github_token`,
      ],
      [
        "wide",
        "vault-dev",
        "slack_webhook_url",
        "placeholder (never set)",
        versionId,
        createdDate.toISOString(),
        `${SECRET_ID} key slack_webhook_url`,
      ],
      [
        "wide",
        "vault-dev",
        "added_later",
        "missing key",
        versionId,
        createdDate.toISOString(),
        `${SECRET_ID} key added_later`,
      ],
      ["wide", "ghost-dev", "api_key", "missing (not deployed?)", "-", "-", "ghost-dev/secrets key api_key"],
      ["wide", "plain-dev", "api_key", "set", "v1", expect.stringMatching(/^\d{4}-/), "/plain-dev/api_key"],
      ["wide: 3 of 5 secrets are not set"],
    ]);
    expect(result.code).toBe(1);
    expect(sm.callCount("GetSecretValue")).toBe(2);
    expect(sm.calls.map((c) => c.request.SecretId).sort()).toEqual(["ghost-dev/secrets", SECRET_ID]);
    expect(result.stdout).not.toContain(PLACEHOLDER_VALUE);
    expectNoLeak(result);
  });

  test("exits 0 once every key of every function is set, and after set shows the new version", async () => {
    sm.createSecret(SECRET_ID, JSON.stringify({ github_token: PLACEHOLDER_VALUE, slack_webhook_url: FAKE_WEBHOOK }));
    const before = await cli(["status", "dev"]);
    expect(before.code).toBe(1);
    const set = await setToken();
    const after = await cli(["status", "dev"]);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(
      new RegExp(`^dev\\s+vault-dev\\s+github_token\\s+set\\s+${currentVersion().versionId}`, "m"),
    );
    expect(after.stdout).toContain("dev: all 2 secrets are set");
    expectNoLeak(before, set, after);
  });

  test("reports keys it cannot read as strings as invalid, never quoting the JSON", async () => {
    sm.createSecret(
      SECRET_ID,
      JSON.stringify({ github_token: { nested: FAKE_TOKEN }, slack_webhook_url: FAKE_WEBHOOK }),
    );
    const result = await cli(["status", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/github_token\s+invalid \(not a JSON string\)/);
    expect(result.stdout).toMatch(/slack_webhook_url\s+set/);
    sm.putSecretValue(SECRET_ID, `{${FAKE_WEBHOOK}`);
    const broken = await cli(["status", "dev"]);
    expect(broken.stdout.match(/invalid \(not a JSON string\)/g)).toHaveLength(2);
    expectNoLeak(result, broken);
  });

  test("names the secret and says IAM when access is denied", async () => {
    sm.createSecret(SECRET_ID, placeholderSecretJson(VAULT.secrets));
    sm.failNext("GetSecretValue", faults.accessDeniedByIam());
    const result = await cli(["status", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^error: access denied by IAM for ${SECRET_ID}: your credentials lack the Secrets Manager permission`),
    );
  });
});
