import { PassThrough } from "node:stream";
import { PLACEHOLDER_VALUE, placeholderSecretJson } from "../common/naming";
import { type CliRun as Run, pointProviderAt, runCli, synthesizeApp } from "./helpers/cli-app";
import { AWSCURRENT, startSecretsManagerServer, type SecretsManagerServer } from "./helpers/secretsmanager-server";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { startStsServer, type StsServer } from "./helpers/sts-server";

// Obviously fake values, distinctive enough to find anywhere they leak.
const TOKEN = "fake-import-token-7f1e";
const HOOK = "https://example.invalid/fake-import-hook-2c9a";
const PEM = [
  "-----BEGIN FAKE KEY-----",
  "MIIfakeImportKeyLine1a2b3c",
  "fakeImportKeyLine2+/=",
  "-----END FAKE KEY-----",
].join("\n");
const LEAKS = [TOKEN, HOOK, "MIIfakeImport", "fakeImportKeyLine2"];
const TOKEN_PARAMETER = "/apps/reporter/github_token";
const HOOK_PARAMETER = "/apps/reporter/slack_webhook_url";
const SECRET_ID = "signer/secrets";

// A dotenv file as a team keeps it: comments, the variable spellings, a PEM key across lines.
const DOTENV = `# reporter\nGITHUB_TOKEN=${TOKEN}\nslack_webhook_url="${HOOK}"\n\n# signer\nsigning_key="${PEM}"\napi_token='${TOKEN}-api'\n`;

let outdir: string;
let ssm: SsmServer;
let sm: SecretsManagerServer;
let sts: StsServer;

function cli(args: string[], stdin: string | NodeJS.ReadableStream = ""): Promise<Run> {
  return runCli(outdir, args, { stdin });
}

function expectNoLeak(...runs: Run[]): void {
  const printed = runs.flatMap((r) => [r.stdout, r.stderr]).join("\n");
  for (const leak of LEAKS) expect(printed).not.toContain(leak);
}

function writes(): number {
  return ssm.callCount("PutParameter") + sm.callCount("PutSecretValue") + sm.callCount("UpdateSecretVersionStage");
}

beforeAll(() => {
  outdir = synthesizeApp([
    {
      name: "dev",
      functions: [
        { functionName: "reporter", secrets: ["github_token", "slack_webhook_url"], parameterPrefix: "/apps/reporter" },
        { functionName: "signer", secrets: ["signing_key", "api_token"], store: "secretsmanager" },
        { functionName: "other", secrets: ["api_token"] },
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
  for (const name of [TOKEN_PARAMETER, HOOK_PARAMETER, "/other/api_token"])
    ssm.putParameter(name, PLACEHOLDER_VALUE, { keyId: "alias/reporter" });
  sm.createSecret(SECRET_ID, placeholderSecretJson(["signing_key", "api_token"]));
});
afterEach(async () => {
  await Promise.all([ssm.close(), sm.close(), sts.close()]);
});

describe("import", () => {
  test("a dotenv with a multi-line PEM key and a name the stack does not have is refused whole: nothing written", async () => {
    const result = await cli(
      ["import", "dev", "reporter"],
      `${DOTENV.split("# signer")[0]}signing_key="${PEM}"\nDEPLOY_KEY=${TOKEN}\n`,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'error: reporter has no secret "signing_key" (line 5), "DEPLOY_KEY" (line 9); its secrets: github_token, slack_webhook_url; nothing was imported\n',
    );
    expect(writes()).toBe(0);
    expect(ssm.calls).toHaveLength(0);
    expectNoLeak(result);
  });

  test("without the unknown name, every value is set: one version per parameter, one per secret holding all its keys", async () => {
    const result = await cli(["import", "dev"], DOTENV.replace("api_token=", "API_TOKEN="));
    expect(result.code).toBe(2);
    // api_token is a secret of signer and of other: ambiguous without a function.
    expect(result.stderr).toContain(
      'line 10: "API_TOKEN" is a secret of signer and other: import one function at a time',
    );
    expect(writes()).toBe(0);

    const reporter = await cli(["import", "dev", "reporter"], DOTENV.split("# signer")[0]!);
    const signer = await cli(["import", "dev", "signer"], `# signer\nsigning_key="${PEM}"\napi_token='${TOKEN}-api'\n`);
    expect([reporter.code, signer.code]).toEqual([0, 0]);
    expect(ssm.getParameter(TOKEN_PARAMETER)).toMatchObject({ value: TOKEN, version: 2, keyId: "alias/reporter" });
    expect(ssm.getParameter(HOOK_PARAMETER)).toMatchObject({ value: HOOK, version: 2 });
    expect(JSON.parse(sm.secretString(SECRET_ID)!)).toEqual({ signing_key: PEM, api_token: `${TOKEN}-api` });
    expect(sm.callCount("PutSecretValue")).toBe(1);
    const version = sm.getSecret(SECRET_ID)!.versions.find((v) => v.stages.includes(AWSCURRENT))!.versionId;
    expect(reporter.stdout).toBe(
      `${TOKEN_PARAMETER}: set, version 2\n${HOOK_PARAMETER}: set, version 2\nreporter: imported 2 secrets (2 written, 0 unchanged)\n`,
    );
    expect(signer.stdout).toBe(
      `${SECRET_ID} key signing_key: set, version ${version}\n${SECRET_ID} key api_token: set, version ${version}\nsigner: imported 2 secrets (2 written, 0 unchanged)\n`,
    );
    expectNoLeak(reporter, signer);
  });

  test("a whole stack at once, when every name is unique in it", async () => {
    const result = await cli(["import", "dev"], `github_token=${TOKEN}\nsigning_key="${PEM}"\n`);
    expect(result.code).toBe(0);
    expect(ssm.getParameter(TOKEN_PARAMETER)!.value).toBe(TOKEN);
    expect(JSON.parse(sm.secretString(SECRET_ID)!)).toEqual({ signing_key: PEM, api_token: PLACEHOLDER_VALUE });
    expect(result.stdout).toContain("stack dev: imported 2 secrets (2 written, 0 unchanged)");
  });

  test("writes nothing for a value the store holds already: importing the same file twice adds no version", async () => {
    const text = `github_token=${TOKEN}\nslack_webhook_url=${HOOK}\n`;
    await cli(["import", "dev", "reporter"], text);
    const again = await cli(["import", "dev", "reporter"], text);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${TOKEN_PARAMETER}: unchanged (holds this value already)`);
    expect(again.stdout).toContain("reporter: imported 2 secrets (0 written, 2 unchanged)");
    expect(ssm.getParameter(TOKEN_PARAMETER)!.version).toBe(2);
    const signer = `signing_key="${PEM}"\n`;
    await cli(["import", "dev", "signer"], signer);
    await cli(["import", "dev", "signer"], signer);
    expect(sm.callCount("PutSecretValue")).toBe(1);
  });

  test.each([
    ["an empty value", "github_token=\n", "refusing an empty value for /apps/reporter/github_token"],
    [
      "the placeholder",
      `github_token=${PLACEHOLDER_VALUE}\n`,
      "refusing the placeholder as the value of /apps/reporter/github_token",
    ],
    [
      "a name given twice in two spellings",
      `github_token=${TOKEN}\nGITHUB_TOKEN=${TOKEN}2\n`,
      "lines 2 and 3 both set /apps/reporter/github_token",
    ],
    ["a line it cannot read", `github_token=${TOKEN}\n${TOKEN}\n`, "line 3 of the dotenv input: expected NAME=value"],
    [
      "a value too long for a standard parameter",
      `github_token=${"x".repeat(5000)}\n`,
      "is 5000 bytes; this Standard-tier SSM parameter holds at most 4096",
    ],
  ])("refuses %s before writing anything", async (_, text, message) => {
    const result = await cli(["import", "dev", "reporter"], `slack_webhook_url=${HOOK}\n${text}`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(writes()).toBe(0);
    expectNoLeak(result);
  });

  test("refuses an input with no NAME=value line", async () => {
    const result = await cli(["import", "dev", "reporter"], "# nothing here\n\n");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: the dotenv input holds no NAME=value line; nothing was imported\n");
    expect(ssm.calls).toHaveLength(0);
  });

  test("refuses the whole input when one parameter is not deployed, before writing any", async () => {
    const bare = await startSsmServer({ region: "eu-west-1" });
    try {
      bare.putParameter(TOKEN_PARAMETER, PLACEHOLDER_VALUE);
      pointProviderAt(outdir, "dev", { ssm: bare.url, secretsmanager: sm.url, sts: sts.url });
      const result = await cli(
        ["import", "dev"],
        `github_token=${TOKEN}\nslack_webhook_url=${HOOK}\nsigning_key="${PEM}"\n`,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${HOOK_PARAMETER} does not exist: deploy the stack first`);
      expect(bare.callCount("PutParameter") + sm.callCount("PutSecretValue")).toBe(0);
    } finally {
      await bare.close();
    }
  });

  test("a failure in the middle stops, saying what was written and what was not", async () => {
    ssm.failNext("PutParameter", {
      code: "AccessDeniedException",
      message: "not authorized to perform ssm:PutParameter",
    });
    const result = await cli(["import", "dev", "reporter"], `github_token=${TOKEN}\nslack_webhook_url=${HOOK}\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`access denied by IAM for ${TOKEN_PARAMETER}`);
    expect(result.stderr).toContain(
      "(import stopped there: 0 of 2 done as printed, 2 not written; run import again for the rest)",
    );
    expectNoLeak(result);
  });

  test("never reads a terminal: a dotenv comes from a file or a pipe", async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => tty });
    const result = await cli(["import", "dev", "reporter"], tty);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("import reads a dotenv file on standard input, never from the terminal");
    expect(ssm.calls).toHaveLength(0);
  });
});
