import { SET_STAGE } from "../cli/secretsmanager-store";
import { PLACEHOLDER_STAGE, PLACEHOLDER_VALUE, placeholderSecretJson } from "../common/naming";
import { type CliRun as Run, pointProviderAt, runCli, synthesizeApp } from "./helpers/cli-app";
import {
  AWSCURRENT,
  AWSPREVIOUS,
  startSecretsManagerServer,
  type SecretsManagerServer,
} from "./helpers/secretsmanager-server";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { startStsServer, type StsServer } from "./helpers/sts-server";

// Obviously fake values, distinctive enough to find anywhere they leak.
const FIRST = "fake-first-token-versions-1a2b";
const SECOND = "fake-second-token-versions-3c4d";
const WEBHOOK = "https://example.invalid/fake-hook-versions-5e6f";
const LEAKS = [FIRST, SECOND, WEBHOOK, PLACEHOLDER_VALUE];
const PARAMETER = "/apps/notifier/github_token";
const SECRET_ID = "vault/secrets";
const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

let outdir: string;
let ssm: SsmServer;
let sm: SecretsManagerServer;
let sts: StsServer;

function cli(args: string[], stdin?: string): Promise<Run> {
  return runCli(outdir, args, { stdin });
}

function expectNoLeak(...runs: Run[]): void {
  const printed = runs.flatMap((r) => [r.stdout, r.stderr]).join("\n");
  for (const leak of LEAKS) expect(printed).not.toContain(leak);
}

beforeAll(() => {
  outdir = synthesizeApp([
    {
      name: "dev",
      functions: [
        { functionName: "notifier", secrets: ["github_token"], parameterPrefix: "/apps/notifier" },
        { functionName: "vault", secrets: ["github_token", "slack_webhook_url"], store: "secretsmanager" },
      ],
    },
  ]);
});

beforeEach(async () => {
  [ssm, sm, sts] = await Promise.all([
    startSsmServer({ region: "eu-west-1" }),
    startSecretsManagerServer({ region: "eu-west-1" }),
    startStsServer(),
  ]);
  pointProviderAt(outdir, "dev", { ssm: ssm.url, secretsmanager: sm.url, sts: sts.url });
  // As Terraform leaves them: placeholders (the secret's first version labelled with our stage too).
  ssm.putParameter(PARAMETER, PLACEHOLDER_VALUE, { keyId: KEY_ARN, description: "set out of band" });
  const secret = sm.createSecret(SECRET_ID, placeholderSecretJson(["github_token", "slack_webhook_url"]));
  sm.updateSecretVersionStage(SECRET_ID, PLACEHOLDER_STAGE, secret.versions[0]!.versionId);
});
afterEach(async () => {
  await Promise.all([ssm.close(), sm.close(), sts.close()]);
});

function currentKeys(): Record<string, string> {
  return JSON.parse(sm.secretString(SECRET_ID) ?? "{}");
}

describe("history, store ssm", () => {
  test("lists every version with its date and writer, marks the placeholder and the current one, never a value", async () => {
    await cli(["set", "dev", "notifier", "github_token"], FIRST);
    await cli(["set", "dev", "notifier", "github_token"], SECOND);
    ssm.labelVersion(PARAMETER, 2, ["known-good"]);
    const result = await cli(["history", "dev", "notifier", "github_token"]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`${PARAMETER}: 3 versions`);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/))).toEqual([
      ["version", "created", "written by", "holds", "labels"],
      ["1", expect.stringMatching(/^\d{4}-/), "arn:aws:iam::000000000000:user/seed", "placeholder", "-"],
      ["2", expect.stringMatching(/^\d{4}-/), "arn:aws:iam::000000000000:user/test", "value", "known-good"],
      ["3", expect.stringMatching(/^\d{4}-/), "arn:aws:iam::000000000000:user/test", "value", "current"],
    ]);
    // The values were read (decrypted) to tell the placeholder apart, and are not shown.
    expect(ssm.calls.find((c) => c.action === "GetParameterHistory")?.request).toMatchObject({
      Name: PARAMETER,
      WithDecryption: true,
    });
    expectNoLeak(result);
  });

  test("--json gives the same versions, without values", async () => {
    await cli(["set", "dev", "notifier", "github_token"], FIRST);
    const result = await cli(["history", "dev", "notifier", "github_token", "--json"]);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.secret).toBe(PARAMETER);
    expect(
      parsed.versions.map((v: { version: string; state: string; current: boolean }) => [v.version, v.state, v.current]),
    ).toEqual([
      ["1", "placeholder", false],
      ["2", "set", true],
    ]);
    expectNoLeak(result);
  });

  test("reads every page of a long history", async () => {
    for (let i = 0; i < 60; i++) ssm.putParameter(PARAMETER, `${FIRST}-${i}`);
    const result = await cli(["history", "dev", "notifier", "github_token", "--json"]);
    expect(JSON.parse(result.stdout).versions).toHaveLength(61);
    expect(ssm.callCount("GetParameterHistory")).toBe(2);
  });

  test("says deploy first for a parameter that does not exist", async () => {
    const empty = await startSsmServer({ region: "eu-west-1" });
    try {
      pointProviderAt(outdir, "dev", { ssm: empty.url, secretsmanager: sm.url, sts: sts.url });
      const result = await cli(["history", "dev", "notifier", "github_token"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${PARAMETER} does not exist: deploy the stack first`);
    } finally {
      await empty.close();
    }
  });
});

describe("rollback, store ssm", () => {
  test("after two sets, makes the first value current again as a new version, with the parameter's own settings", async () => {
    await cli(["set", "dev", "notifier", "github_token"], FIRST);
    await cli(["set", "dev", "notifier", "github_token"], SECOND);
    const result = await cli(["rollback", "dev", "notifier", "github_token"]);
    expect(result).toEqual({
      code: 0,
      stdout: `${PARAMETER}: rolled back to the value of version 2, now version 4\n`,
      stderr: "",
    });
    expect(ssm.getParameter(PARAMETER)).toMatchObject({
      value: FIRST,
      version: 4,
      keyId: KEY_ARN,
      description: "set out of band",
    });
    expectNoLeak(result);
  });

  test("rolling back twice goes back and forth between the last two values", async () => {
    await cli(["set", "dev", "notifier", "github_token"], FIRST);
    await cli(["set", "dev", "notifier", "github_token"], SECOND);
    await cli(["rollback", "dev", "notifier", "github_token"]);
    const again = await cli(["rollback", "dev", "notifier", "github_token"]);
    expect(again.stdout).toBe(`${PARAMETER}: rolled back to the value of version 3, now version 5\n`);
    expect(ssm.getParameter(PARAMETER)!.value).toBe(SECOND);
  });

  test("the previous value is the latest earlier one that differs: a value set twice in a row is skipped", async () => {
    for (const value of [FIRST, SECOND, SECOND]) await cli(["set", "dev", "notifier", "github_token"], value);
    const result = await cli(["rollback", "dev", "notifier", "github_token"]);
    expect(result.stdout).toBe(`${PARAMETER}: rolled back to the value of version 2, now version 5\n`);
    expect(ssm.getParameter(PARAMETER)!.value).toBe(FIRST);
  });

  test("--to takes a version as history prints it, with or without its v", async () => {
    for (const value of [FIRST, SECOND, WEBHOOK]) await cli(["set", "dev", "notifier", "github_token"], value);
    expect((await cli(["rollback", "dev", "notifier", "github_token", "--to", "v2"])).code).toBe(0);
    expect(ssm.getParameter(PARAMETER)!.value).toBe(FIRST);
    expect((await cli(["rollback", "dev", "notifier", "github_token", "--to", "3"])).code).toBe(0);
    expect(ssm.getParameter(PARAMETER)!.value).toBe(SECOND);
  });

  test("refuses to roll back to the placeholder, the previous value after one set, writing nothing", async () => {
    await cli(["set", "dev", "notifier", "github_token"], FIRST);
    for (const args of [[], ["--to", "1"]]) {
      const result = await cli(["rollback", "dev", "notifier", "github_token", ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `error: version 1 of ${PARAMETER} is the placeholder: refusing to roll back to it, the function would refuse to run (set a real value instead)\n`,
      );
    }
    expect(ssm.getParameter(PARAMETER)).toMatchObject({ value: FIRST, version: 2 });
    expect(ssm.callCount("PutParameter")).toBe(1);
  });

  test("refuses a version that does not exist, listing the latest ones", async () => {
    await cli(["set", "dev", "notifier", "github_token"], FIRST);
    const result = await cli(["rollback", "dev", "notifier", "github_token", "--to", "9"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: ${PARAMETER} has no version "9"; its latest versions: 1, 2 (see history)\n`);
  });

  test("writes nothing when the version named holds the current value", async () => {
    await cli(["set", "dev", "notifier", "github_token"], FIRST);
    const result = await cli(["rollback", "dev", "notifier", "github_token", "--to", "2"]);
    expect(result).toEqual({
      code: 0,
      stdout: `${PARAMETER}: version 2 holds the current value already; nothing written\n`,
      stderr: "",
    });
    expect(ssm.getParameter(PARAMETER)!.version).toBe(2);
  });

  test("says so when another writer wrote while it rolled back (SSM has no compare-and-set)", async () => {
    await cli(["set", "dev", "notifier", "github_token"], FIRST);
    await cli(["set", "dev", "notifier", "github_token"], SECOND);
    ssm.beforeNext("PutParameter", () => ssm.putParameter(PARAMETER, WEBHOOK));
    const result = await cli(["rollback", "dev", "notifier", "github_token"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${PARAMETER}: another writer wrote v4 after this rollback read v3 and before it wrote v5`,
    );
    expect(ssm.getParameter(PARAMETER)).toMatchObject({ value: FIRST, version: 5 });
    expectNoLeak(result);
  });

  test("keeps the values out of any error AWS answers with", async () => {
    await cli(["set", "dev", "notifier", "github_token"], FIRST);
    await cli(["set", "dev", "notifier", "github_token"], SECOND);
    ssm.failNext("PutParameter", {
      code: "ValidationException",
      message: `Value '${FIRST}' failed to satisfy constraint`,
    });
    const result = await cli(["rollback", "dev", "notifier", "github_token"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Value '<redacted>' failed");
    expectNoLeak(result);
  });
});

describe("history, store secretsmanager", () => {
  test("lists every version of the secret with its labels, and whether it changed this key", async () => {
    await cli(["set", "dev", "vault", "github_token"], FIRST);
    await cli(["set", "dev", "vault", "slack_webhook_url"], WEBHOOK);
    await cli(["set", "dev", "vault", "github_token"], SECOND);
    const result = await cli(["history", "dev", "vault", "github_token"]);
    expect(result.code).toBe(0);
    const rows = result.stdout
      .trimEnd()
      .split("\n")
      .slice(2)
      .map((line) => line.split(/\s{2,}/));
    const versions = sm.getSecret(SECRET_ID)!.versions;
    expect(rows).toEqual([
      [versions[0]!.versionId, expect.stringMatching(/^\d{4}-/), "-", "placeholder", PLACEHOLDER_STAGE],
      [versions[1]!.versionId, expect.stringMatching(/^\d{4}-/), "-", "value", "-"],
      [versions[2]!.versionId, expect.stringMatching(/^\d{4}-/), "-", "value (unchanged)", AWSPREVIOUS],
      [versions[3]!.versionId, expect.stringMatching(/^\d{4}-/), "-", "value", `current,${SET_STAGE}`],
    ]);
    expect(sm.calls.find((c) => c.action === "ListSecretVersionIds")?.request).toMatchObject({
      SecretId: SECRET_ID,
      IncludeDeprecated: true,
    });
    expectNoLeak(result);
  });

  test("shows a deprecated version Secrets Manager has deleted as gone", async () => {
    await cli(["set", "dev", "vault", "github_token"], FIRST);
    await cli(["set", "dev", "vault", "github_token"], SECOND);
    await cli(["set", "dev", "vault", "github_token"], WEBHOOK);
    // The first real version now has no label: listed, then deleted before it is read.
    const deprecated = sm.getSecret(SECRET_ID)!.versions[1]!.versionId;
    sm.beforeNext("GetSecretValue", () => sm.deleteDeprecatedVersion(SECRET_ID, deprecated));
    const result = await cli(["history", "dev", "vault", "github_token", "--json"]);
    expect(result.code).toBe(0);
    const gone = JSON.parse(result.stdout).versions.find((v: { version: string }) => v.version === deprecated);
    expect(gone).toMatchObject({ state: "missing" });
  });
});

describe("rollback, store secretsmanager", () => {
  test("after two sets, makes the first value of that key current again and keeps the other keys as they are now", async () => {
    await cli(["set", "dev", "vault", "github_token"], FIRST);
    await cli(["set", "dev", "vault", "github_token"], SECOND);
    await cli(["set", "dev", "vault", "slack_webhook_url"], WEBHOOK);
    const restored = sm.getSecret(SECRET_ID)!.versions[1]!.versionId;
    const result = await cli(["rollback", "dev", "vault", "github_token"]);
    const current = sm.getSecret(SECRET_ID)!.versions.find((v) => v.stages.includes(AWSCURRENT))!;
    expect(result).toEqual({
      code: 0,
      stdout: `${SECRET_ID} key github_token: rolled back to the value of version ${restored}, now version ${current.versionId}\n`,
      stderr: "",
    });
    expect(currentKeys()).toEqual({ github_token: FIRST, slack_webhook_url: WEBHOOK });
    // The same version check as set: our own label first, then AWSCURRENT moved from the version read.
    const move = sm.calls.filter((c) => c.action === "UpdateSecretVersionStage").at(-1)!;
    expect(move.request).toMatchObject({ VersionStage: AWSCURRENT, MoveToVersionId: current.versionId });
    expectNoLeak(result);
  });

  test("--to takes a VersionId or a staging label such as AWSPREVIOUS", async () => {
    await cli(["set", "dev", "vault", "github_token"], FIRST);
    await cli(["set", "dev", "vault", "github_token"], SECOND);
    expect((await cli(["rollback", "dev", "vault", "github_token", "--to", AWSPREVIOUS])).code).toBe(0);
    expect(currentKeys().github_token).toBe(FIRST);
    const second = sm.getSecret(SECRET_ID)!.versions[2]!.versionId;
    expect((await cli(["rollback", "dev", "vault", "github_token", "--to", second])).code).toBe(0);
    expect(currentKeys().github_token).toBe(SECOND);
  });

  test("refuses the placeholder, by default after one set and by its label", async () => {
    await cli(["set", "dev", "vault", "github_token"], FIRST);
    for (const args of [[], ["--to", PLACEHOLDER_STAGE]]) {
      const result = await cli(["rollback", "dev", "vault", "github_token", ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `of ${SECRET_ID} key github_token is the placeholder: refusing to roll back to it`,
      );
    }
    expect(currentKeys().github_token).toBe(FIRST);
  });

  test("a key no earlier version changed has nothing to roll back to", async () => {
    await cli(["set", "dev", "vault", "github_token"], FIRST);
    await cli(["set", "dev", "vault", "github_token"], SECOND);
    const result = await cli(["rollback", "dev", "vault", "slack_webhook_url"]);
    // Only the placeholder was ever there: the previous value, refused.
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: ${SECRET_ID} key slack_webhook_url has no earlier value to roll back to (see history)\n`,
    );
  });

  test("a writer racing the rollback is detected and retried; their key is kept", async () => {
    await cli(["set", "dev", "vault", "github_token"], FIRST);
    await cli(["set", "dev", "vault", "github_token"], SECOND);
    sm.beforeNext("UpdateSecretVersionStage", () =>
      sm.putSecretValue(SECRET_ID, JSON.stringify({ ...currentKeys(), slack_webhook_url: WEBHOOK })),
    );
    const result = await cli(["rollback", "dev", "vault", "github_token"]);
    expect(result.code).toBe(0);
    expect(currentKeys()).toEqual({ github_token: FIRST, slack_webhook_url: WEBHOOK });
    expectNoLeak(result);
  });
});
