/**
 * The secrets CLI under broken and hostile input, on the loopback fakes: a record edited to
 * point elsewhere, bytes that are not text, the placeholder in disguise, line ends of every
 * kind, limits by tier, a concurrent writer, and escape sequences in what it prints.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { CLI_RECORD_KEY } from "../common/cli-record";
import { defaultSecretName, PLACEHOLDER_VALUE, placeholderSecretJson } from "../common/naming";
import { type CliRun as Run, editStack, pointProviderAt, runCli, synthesizeApp } from "./helpers/cli-app";
import { AWSCURRENT, startSecretsManagerServer, type SecretsManagerServer } from "./helpers/secretsmanager-server";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { startStsServer, type StsServer } from "./helpers/sts-server";

const ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "210987654321";
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TOKEN = "fake-hostile-token-7e1c";
const A_PARAM = "/a-dev/github_token";
const B_PARAM = "/b-dev/github_token";
const SECRET_ID = defaultSecretName("c-dev");

let pristine: string;
let outdir: string;
let ssm: SsmServer;
let sm: SecretsManagerServer;
let sts: StsServer;

beforeAll(() => {
  pristine = synthesizeApp([
    {
      name: "dev",
      provider: { region: "eu-west-1", allowedAccountIds: [ACCOUNT] },
      functions: [
        { functionName: "a-dev", secrets: ["github_token"], kmsKeyArn: KEY_ARN },
        { functionName: "b-dev", secrets: ["github_token"], kmsKeyArn: KEY_ARN },
        { functionName: "c-dev", secrets: ["github_token", "slack_webhook_url"], store: "secretsmanager" },
      ],
    },
  ]);
});

beforeEach(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-hostile-"));
  fs.cpSync(pristine, outdir, { recursive: true });
  [ssm, sm, sts] = await Promise.all([
    startSsmServer({ region: "eu-west-1", accountId: ACCOUNT }),
    startSecretsManagerServer({ region: "eu-west-1", accountId: ACCOUNT }),
    startStsServer({ accountId: ACCOUNT }),
  ]);
  pointProviderAt(outdir, "dev", { ssm: ssm.url, secretsmanager: sm.url, sts: sts.url });
  for (const name of [A_PARAM, B_PARAM]) ssm.putParameter(name, PLACEHOLDER_VALUE, { keyId: KEY_ARN });
  sm.createSecret(SECRET_ID, placeholderSecretJson(["github_token", "slack_webhook_url"]));
});
afterEach(async () => {
  await Promise.all([ssm.close(), sm.close(), sts.close()]);
  fs.rmSync(outdir, { recursive: true, force: true });
});

function cli(args: string[], stdin: string | Buffer = ""): Promise<Run> {
  return runCli(outdir, args, { stdin: typeof stdin === "string" ? stdin : Readable.from([stdin]) });
}
const setA = (stdin: string | Buffer) => cli(["set", "dev", "a-dev", "github_token"], stdin);
const setC = (stdin: string | Buffer) => cli(["set", "dev", "c-dev", "github_token"], stdin);
const writes = () => ssm.callCount("PutParameter") + sm.callCount("PutSecretValue");

/** The stack's record of one function, to edit. */
function recordOf(json: any, functionName: string): any {
  return json["//"].metadata[CLI_RECORD_KEY].functions.find((f: any) => f.functionName === functionName);
}
function resourceNamed(json: any, type: string, name: string): any {
  return Object.values(json.resource[type]).find((r: any) => r.name === name || r.function_name === name);
}

describe("the CLI writes only to what the stack declares", () => {
  test("a record edited to name another function's parameter is refused: that parameter is not written", async () => {
    editStack(outdir, "dev", (json) => {
      recordOf(json, "a-dev").secrets[0].parameterName = B_PARAM;
    });
    const result = await setA(TOKEN);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("does not match its resources");
    expect(result.stderr).toContain(
      `the function reads it from GITHUB_TOKEN_PARAM_NAME="${A_PARAM}"`.replace(/"/g, ""),
    );
    expect(ssm.getParameter(B_PARAM)!.value).toBe(PLACEHOLDER_VALUE);
    expect(writes()).toBe(0);
  });

  test("a record naming a parameter that is no resource of the stack is refused, status included", async () => {
    editStack(outdir, "dev", (json) => {
      recordOf(json, "a-dev").secrets[0].parameterName = "/prod/github_token";
    });
    for (const args of [["set", "dev", "a-dev", "github_token"], ["status"]]) {
      const result = await cli(args, TOKEN);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("/prod/github_token, which is no SecureString aws_ssm_parameter of the stack");
    }
    expect(ssm.calls).toHaveLength(0);
  });

  test("a record whose key is not the one the function reads is refused", async () => {
    editStack(outdir, "dev", (json) => {
      recordOf(json, "c-dev").secrets[0].key = "slack_webhook_url";
    });
    const result = await setC(TOKEN);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("recorded under key slack_webhook_url, but the function reads key github_token");
    expect(writes()).toBe(0);
  });

  test("a record naming a function the stack has not, or another key than the parameter's, is refused", async () => {
    editStack(outdir, "dev", (json) => {
      recordOf(json, "a-dev").kmsKey = "arn:aws:kms:eu-west-1:123456789012:key/other";
    });
    const key = await setA(TOKEN);
    expect(key.code).toBe(2);
    expect(key.stderr).toContain(`parameter ${A_PARAM} is encrypted with another key than the record's`);
    fs.cpSync(pristine, outdir, { recursive: true });
    pointProviderAt(outdir, "dev", { ssm: ssm.url, secretsmanager: sm.url, sts: sts.url });
    editStack(outdir, "dev", (json) => {
      recordOf(json, "b-dev").functionName = "prod-fn";
    });
    const fn = await cli(["set", "dev", "prod-fn", "github_token"], TOKEN);
    expect(fn.code).toBe(2);
    expect(fn.stderr).toContain("it names function prod-fn, which is no aws_lambda_function of the stack");
    expect(writes()).toBe(0);
  });

  test("a Secrets Manager ARN of another account in the record alone is refused as no resource of the stack", async () => {
    const arn = `arn:aws:secretsmanager:eu-west-1:${OTHER_ACCOUNT}:secret:c-dev/secrets-AbCdEf`;
    sm.createSecret(arn, "{}");
    editStack(outdir, "dev", (json) => {
      for (const s of recordOf(json, "c-dev").secrets) s.secretId = arn;
    });
    const result = await setC(TOKEN);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`in account ${OTHER_ACCOUNT}; the stack's provider allows only ${ACCOUNT}`);
    expect(writes()).toBe(0);
  });

  test("an ARN edited into the record, the function and the resource alike is held to the provider's accounts and region", async () => {
    const cases = [
      [`arn:aws:secretsmanager:eu-west-1:${OTHER_ACCOUNT}:secret:x`, `in account ${OTHER_ACCOUNT}`],
      [
        `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:x`,
        "in region us-east-1; the stack's provider deploys to eu-west-1",
      ],
      [`arn:aws:ssm:eu-west-1:${ACCOUNT}:secret:x`, "an ARN of service ssm, not secretsmanager"],
    ];
    for (const [arn, message] of cases) {
      fs.cpSync(pristine, outdir, { recursive: true });
      pointProviderAt(outdir, "dev", { ssm: ssm.url, secretsmanager: sm.url, sts: sts.url });
      editStack(outdir, "dev", (json) => {
        for (const s of recordOf(json, "c-dev").secrets) s.secretId = arn;
        resourceNamed(json, "aws_secretsmanager_secret", SECRET_ID).name = arn;
        resourceNamed(json, "aws_lambda_function", "c-dev").environment.variables.SECRETS_MANAGER_SECRET_ID = arn;
      });
      const result = await setC(TOKEN);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message!);
    }
    expect(writes()).toBe(0);
  });

  test("without allowed_account_ids, an ARN outside the credentials' account is refused by the account guard", async () => {
    const arn = `arn:aws:secretsmanager:eu-west-1:${OTHER_ACCOUNT}:secret:c-dev/secrets-AbCdEf`;
    editStack(outdir, "dev", (json) => {
      delete json.provider.aws[0].allowed_account_ids;
      for (const s of recordOf(json, "c-dev").secrets) s.secretId = arn;
      resourceNamed(json, "aws_secretsmanager_secret", SECRET_ID).name = arn;
      resourceNamed(json, "aws_lambda_function", "c-dev").environment.variables.SECRETS_MANAGER_SECRET_ID = arn;
    });
    const result = await setC(TOKEN);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`which is not in account ${ACCOUNT} of the credentials`);
    expect(writes()).toBe(0);
  });
});

describe("bytes in, the same bytes stored", () => {
  test.each([
    ["random bytes", Buffer.from([0x9f, 0x12, 0xff, 0xfe, 0x00, 0xc3])],
    ["a truncated UTF-8 character", Buffer.concat([Buffer.from("token-"), Buffer.from("é").subarray(0, 1)])],
  ])("set refuses %s that are not UTF-8, on either store, writing nothing", async (_, bytes) => {
    for (const run of [setA, setC]) {
      const result = await run(bytes);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("is not valid UTF-8 text");
    }
    expect(writes()).toBe(0);
  });

  test("a value with non-ASCII text is stored exactly, byte for byte", async () => {
    const value = "pässwörd-✓-🔑";
    expect((await setA(Buffer.from(`${value}\n`))).code).toBe(0);
    expect(Buffer.from(ssm.getParameter(A_PARAM)!.value)).toEqual(Buffer.from(value));
  });

  test("a byte-order mark is refused by set and by import, naming it", async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const set = await setA(Buffer.concat([bom, Buffer.from(TOKEN)]));
    const imported = await cli(
      ["import", "dev", "a-dev"],
      Buffer.concat([bom, Buffer.from(`github_token=${TOKEN}\n`)]),
    );
    for (const result of [set, imported]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("byte-order mark");
    }
    expect(writes()).toBe(0);
  });

  test.each([
    ["a trailing blank line", `${PLACEHOLDER_VALUE}\n\n`],
    ["a leading space", ` ${PLACEHOLDER_VALUE}`],
    ["a zero-width space", `${PLACEHOLDER_VALUE}\u200b`],
    ["a no-break space and a tab", `\u00a0${PLACEHOLDER_VALUE}\t`],
  ])("the placeholder with %s is refused by set and import", async (_, value) => {
    const set = await setA(value);
    const imported = await cli(["import", "dev", "c-dev"], `github_token=${JSON.stringify(value)}\n`);
    for (const result of [set, imported]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("refusing the placeholder");
    }
    expect(writes()).toBe(0);
  });

  test("status counts a disguised placeholder already in the store as not set", async () => {
    ssm.putParameter(A_PARAM, ` ${PLACEHOLDER_VALUE}\n`);
    ssm.putParameter(B_PARAM, TOKEN);
    sm.putSecretValue(
      SECRET_ID,
      JSON.stringify({ github_token: `${PLACEHOLDER_VALUE}\u200b`, slack_webhook_url: "x" }),
    );
    const status = await cli(["status", "--json"]);
    expect(status.code).toBe(1);
    const states = JSON.parse(status.stdout).secrets.map((s: any) => `${s.function} ${s.secret} ${s.state}`);
    expect(states).toEqual([
      "a-dev github_token placeholder",
      "b-dev github_token set",
      "c-dev github_token placeholder",
      "c-dev slack_webhook_url set",
    ]);
  });

  test("import reads CR-only line ends as line ends: each value stays in its own secret", async () => {
    const result = await cli(
      ["import", "dev", "c-dev"],
      `github_token=${TOKEN}\rslack_webhook_url=https://x.invalid/h\r`,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(sm.secretString(SECRET_ID)!)).toEqual({
      github_token: TOKEN,
      slack_webhook_url: "https://x.invalid/h",
    });
  });

  test("import of a CRLF file stores values without the CR; a file mixing CR alone with LF is refused whole", async () => {
    expect((await cli(["import", "dev", "a-dev"], `github_token=${TOKEN}\r\n`)).code).toBe(0);
    expect(ssm.getParameter(A_PARAM)!.value).toBe(TOKEN);
    const mixed = await cli(["import", "dev", "c-dev"], `github_token=${TOKEN}\rslack_webhook_url=y\n`);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain("mixes line ends");
    expect(sm.callCount("PutSecretValue")).toBe(0);
  });

  test("limits are the tier's: an Advanced parameter takes 5000 bytes and refuses 9000 naming 8192; a Standard one refuses 5000 naming 4096", async () => {
    ssm.putParameter(A_PARAM, PLACEHOLDER_VALUE, { keyId: KEY_ARN, tier: "Advanced" });
    expect((await setA("x".repeat(5000))).code).toBe(0);
    expect(ssm.getParameter(A_PARAM)!.value).toHaveLength(5000);
    const tooLong = await setA("y".repeat(9000));
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain("is 9000 bytes; this Advanced-tier SSM parameter holds at most 8192");
    const standard = await cli(["set", "dev", "b-dev", "github_token"], "é".repeat(2500));
    expect(standard.code).toBe(2);
    expect(standard.stderr).toContain("is 5000 bytes; this Standard-tier SSM parameter holds at most 4096");
    expect(ssm.callCount("PutParameter")).toBe(1);
  });

  test("a Secrets Manager secret takes its whole JSON up to 65536 bytes, and no more", async () => {
    // {"github_token":"<v>","slack_webhook_url":"<placeholder>"}
    const rest = JSON.stringify({ github_token: "", slack_webhook_url: PLACEHOLDER_VALUE }).length;
    expect((await setC("z".repeat(65536 - rest))).code).toBe(0);
    const over = await setC("z".repeat(65537 - rest));
    expect(over.code).toBe(2);
    expect(over.stderr).toContain("would be 65537 bytes; a Secrets Manager secret holds at most 65536");
  });
});

describe("no lost update", () => {
  test("SSM: a writer between set's read and its write makes set exit 1, naming both versions and history", async () => {
    ssm.beforeNext("PutParameter", () => ssm.putParameter(A_PARAM, "their-value"));
    const result = await setA(TOKEN);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("another writer wrote v2 after this set read v1 and before it wrote v3");
    expect(result.stderr).toContain("secure-lambda history dev a-dev github_token");
    expect(result.stderr).toContain("rollback --to v2");
    expect(ssm.versionsOf(A_PARAM).map((v) => v.value)).toEqual([PLACEHOLDER_VALUE, "their-value", TOKEN]);
  });

  test("SSM: import also detects a writer that came after it checked the parameters", async () => {
    ssm.beforeNext("PutParameter", () => ssm.putParameter(A_PARAM, "their-value"));
    const result = await cli(["import", "dev", "a-dev"], `github_token=${TOKEN}\n`);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${A_PARAM}: set, version 3`);
    expect(result.stderr).toContain("another writer wrote v2 after this import read v1");
  });

  test("SSM: a write sent twice (its first answer lost) leaves two versions and says so, exit 0", async () => {
    ssm.beforeNext("PutParameter", () => ssm.putParameter(A_PARAM, TOKEN));
    const result = await setA(TOKEN);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "note: /a-dev/github_token: the write was sent again after its answer was lost, so v2 and v3 all hold this value",
    );
  });

  test("SSM: a rollback sent twice is noted, not taken for another writer", async () => {
    ssm.putParameter(A_PARAM, "fake-first");
    ssm.putParameter(A_PARAM, "fake-second");
    ssm.beforeNext("PutParameter", () => ssm.putParameter(A_PARAM, "fake-first"));
    const result = await cli(["rollback", "dev", "a-dev", "github_token"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("rolled back to the value of version 2, now version 5");
    expect(result.stderr).toContain("v4 and v5 all hold this value (one rollback, 2 versions)");
  });

  test("Secrets Manager: a writer that set the same key meanwhile wins, and set exits 1 saying where both values are", async () => {
    sm.beforeNext("UpdateSecretVersionStage", () =>
      sm.putSecretValue(SECRET_ID, JSON.stringify({ github_token: "their-value", slack_webhook_url: "s" })),
    );
    const result = await setC(TOKEN);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("another writer set github_token of c-dev/secrets");
    expect(result.stderr).toContain("`secure-lambda history dev c-dev github_token`");
    expect(JSON.parse(sm.secretString(SECRET_ID)!).github_token).toBe("their-value");
    // Ours is kept, never current.
    const versions = sm.getSecret(SECRET_ID)!.versions;
    expect(
      versions.some((v) => JSON.parse(v.secretString).github_token === TOKEN && !v.stages.includes(AWSCURRENT)),
    ).toBe(true);
  });

  test("Secrets Manager: two sets of one key at once: exactly one succeeds, the other exits 1", async () => {
    const slow = await startSecretsManagerServer({ region: "eu-west-1", accountId: ACCOUNT, latencyMs: 30 });
    try {
      slow.createSecret(SECRET_ID, placeholderSecretJson(["github_token", "slack_webhook_url"]));
      pointProviderAt(outdir, "dev", { ssm: ssm.url, secretsmanager: slow.url, sts: sts.url });
      const runs = await Promise.all([setC("first-value"), setC("second-value")]);
      expect(runs.map((r) => r.code).sort()).toEqual([0, 1]);
      const winner = runs.findIndex((r) => r.code === 0);
      expect(JSON.parse(slow.secretString(SECRET_ID)!).github_token).toBe(
        winner === 0 ? "first-value" : "second-value",
      );
    } finally {
      await slow.close();
    }
  });

  test("Secrets Manager: a writer of other keys is merged with, and the abandoned first version is noted", async () => {
    sm.beforeNext("UpdateSecretVersionStage", () =>
      sm.putSecretValue(SECRET_ID, JSON.stringify({ github_token: PLACEHOLDER_VALUE, slack_webhook_url: "theirs" })),
    );
    const result = await setC(TOKEN);
    expect(result.code).toBe(0);
    expect(JSON.parse(sm.secretString(SECRET_ID)!)).toEqual({ github_token: TOKEN, slack_webhook_url: "theirs" });
    expect(result.stderr).toMatch(/note: another writer changed other keys .* never became current/);
  });
});

/** The control characters (but line breaks) and bidi overrides in a text, as code points. */
function controls(text: string): number[] {
  return [...text]
    .map((char) => char.codePointAt(0)!)
    .filter(
      (code) => (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e),
    );
}

describe("a retried Secrets Manager write", () => {
  test("is sent again with the same ClientRequestToken, so Secrets Manager makes it one version", async () => {
    sm.failNext("PutSecretValue", { code: "InternalServiceError", status: 500 });
    const result = await setC(TOKEN);
    expect(result.code).toBe(0);
    const puts = sm.calls.filter((c) => c.action === "PutSecretValue").map((c) => c.request.ClientRequestToken);
    expect(puts).toHaveLength(2);
    expect(puts[1]).toBe(puts[0]);
  });
});

describe("printable output", () => {
  const ESC = "\u001b";

  test("labels and writers from the store are printed with their escape sequences escaped", async () => {
    ssm.labelVersion(A_PARAM, 1, [`${ESC}[2Jhidden`, "bidi\u202eevil"]);
    const history = await cli(["history", "dev", "a-dev", "github_token"]);
    expect(history.code).toBe(0);
    expect(history.stdout).not.toContain(ESC);
    expect(history.stdout).not.toContain("\u202e");
    expect(history.stdout).toContain("\\u001b[2Jhidden");
    const json = await cli(["history", "dev", "a-dev", "github_token", "--json"]);
    expect(controls(json.stdout)).toEqual([]);
    expect(JSON.parse(json.stdout).versions[0].labels).toContain(`${ESC}[2Jhidden`);
  });

  test("a function name with escape sequences and a line break, from an edited record, is escaped in status and in errors", async () => {
    const evil = `a-dev${ESC}]0;owned\u0007\nfake line`;
    editStack(outdir, "dev", (json) => {
      recordOf(json, "a-dev").functionName = evil;
      resourceNamed(json, "aws_lambda_function", "a-dev").function_name = evil;
    });
    const status = await cli(["status"]);
    const error = await cli(["set", "dev", "nope", "github_token"], TOKEN);
    for (const text of [status.stdout, status.stderr, error.stderr]) expect(controls(text)).toEqual([]);
    expect(status.stdout).toContain("a-dev\\u001b]0;owned\\u0007\\u000afake line");
    expect(error.stderr.trim().split("\n")).toHaveLength(1);
  });
});
