import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { PLACEHOLDER_VALUE } from "../constructs";
import { CLI_RECORD_KEY } from "../common/cli-record";
import { runSecretsCli } from "../cli/secrets";
import { type CliRun as Run, editStack, offlineEnv, pointProviderAt, runCli, synthesizeApp } from "./helpers/cli-app";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { startStsServer, type StsServer } from "./helpers/sts-server";
import { output } from "./helpers/streams";

const ROOT = path.join(__dirname, "..");
// Obviously fake, but distinctive enough to find anywhere it leaks.
const FAKE_TOKEN = "fake-gh-token-cli-4d2e9b";
const FAKE_WEBHOOK = "https://example.invalid/fake-webhook-cli-81c0";
// A parameterPrefix of its own: the CLI must find it in the synthesis, not derive it.
const GITHUB = "/team/notifier/github_token";
const SLACK = "/team/notifier/slack_webhook_url";

let outdir: string;
let ssm: SsmServer;
let sts: StsServer;

beforeAll(() => {
  outdir = synthesizeApp([
    {
      name: "dev",
      functions: [
        {
          functionName: "notifier-dev",
          secrets: ["github_token", "slack_webhook_url"],
          parameterPrefix: "/team/notifier",
        },
      ],
    },
    { name: "empty", functions: [] },
  ]);
});

beforeEach(async () => {
  [ssm, sts] = await Promise.all([startSsmServer({ region: "eu-west-1" }), startStsServer()]);
  pointProviderAt(outdir, "dev", { ssm: ssm.url, sts: sts.url });
});
afterEach(async () => {
  await Promise.all([ssm.close(), sts.close()]);
});

function cli(args: string[], stdin: string | NodeJS.ReadableStream = ""): Promise<Run> {
  return runCli(outdir, args, { stdin });
}

// As Terraform creates them: the key by ARN, as the stack configures it, and a description.
const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const DESCRIPTION = "Secret github_token of notifier-dev, set out of band";

function seedPlaceholders(): void {
  for (const name of [GITHUB, SLACK])
    ssm.putParameter(name, PLACEHOLDER_VALUE, { keyId: KEY_ARN, description: DESCRIPTION });
}

function setToken(value: string): Promise<Run> {
  return cli(["set", "dev", "notifier-dev", "github_token"], value);
}

/** A terminal as the CLI sees one: raw mode recorded, input written by the test. */
function terminal() {
  const tty = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
    setRawMode(mode: boolean) {
      tty.rawModes.push(mode);
      return tty;
    },
  });
  return tty;
}

describe("secrets status", () => {
  test("reports placeholders on a fresh stack and exits non-zero", async () => {
    seedPlaceholders();
    const result = await cli(["status", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /dev\s+notifier-dev\s+github_token\s+placeholder \(never set\)\s+v1\s+\d{4}-\d\d-\d\dT.*\/team\/notifier\/github_token/,
    );
    expect(result.stdout).toMatch(/slack_webhook_url\s+placeholder/);
    expect(result.stdout).toContain("dev: 2 of 2 secrets are not set");
    expect(result.stdout).not.toContain(PLACEHOLDER_VALUE);
  });

  test("reports a parameter that does not exist as missing", async () => {
    ssm.putParameter(GITHUB, FAKE_TOKEN);
    const result = await cli(["status", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/github_token\s+set\s+v1/);
    expect(result.stdout).toMatch(/slack_webhook_url\s+missing/);
    expect(result.stdout).not.toContain(FAKE_TOKEN);
  });

  test("exits zero when every secret is set, reads them in one call, and never asks STS", async () => {
    ssm.putParameter(GITHUB, FAKE_TOKEN);
    ssm.putParameter(SLACK, FAKE_WEBHOOK);
    const result = await cli(["status"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("dev: all 2 secrets are set");
    expect(ssm.callCount("GetParameters")).toBe(1);
    expect(sts.calls).toHaveLength(0);
    expect(result.stdout + result.stderr).not.toMatch(/fake-gh-token|fake-webhook/);
  });

  test("--json gives a pipeline every secret's names, state and version, and ready", async () => {
    ssm.putParameter(GITHUB, FAKE_TOKEN);
    const result = await cli(["status", "dev", "--json"]);
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toEqual({
      ready: false,
      secrets: [
        {
          stack: "dev",
          function: "notifier-dev",
          secret: "github_token",
          store: "ssm",
          parameterName: GITHUB,
          state: "set",
          version: "v1",
          lastModified: expect.stringMatching(/^\d{4}-/),
        },
        {
          stack: "dev",
          function: "notifier-dev",
          secret: "slack_webhook_url",
          store: "ssm",
          parameterName: SLACK,
          state: "missing",
          version: null,
          lastModified: null,
        },
      ],
    });
    expect(result.stdout).not.toContain(FAKE_TOKEN);
  });

  test("names the parameters and says IAM when access is denied", async () => {
    ssm.failNext("GetParameters", {
      code: "AccessDeniedException",
      message: "not authorized to perform ssm:GetParameters",
    });
    const result = await cli(["status", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`access denied by IAM for ${GITHUB}, ${SLACK}`));
  });
});

describe("secrets set", () => {
  test("says KMS, not IAM, when the key refuses the caller, even as an AccessDeniedException", async () => {
    seedPlaceholders();
    ssm.failNext("PutParameter", {
      code: "AccessDeniedException",
      message: "User is not authorized to perform: kms:Encrypt",
    });
    const result = await setToken(FAKE_TOKEN);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`KMS refused ${GITHUB} (AccessDeniedException)`);
    expect(result.stderr).not.toContain(FAKE_TOKEN);
  });

  test("writes the piped value into the parameter the synthesis names (its own prefix); status then shows version 2", async () => {
    seedPlaceholders();
    const result = await setToken(`${FAKE_TOKEN}\n`);
    expect(result).toMatchObject({ code: 0, stdout: `${GITHUB}: set, version 2\n` });
    const stored = ssm.getParameter(GITHUB)!;
    expect(stored).toMatchObject({ value: FAKE_TOKEN, type: "SecureString", keyId: KEY_ARN, version: 2 });
    const put = ssm.calls.find((c) => c.action === "PutParameter")!;
    expect(put.request).toMatchObject({ Overwrite: true, Type: "SecureString" });
    // The region of the stack's provider block.
    expect(put.signature.region).toBe("eu-west-1");

    const status = await cli(["status", "dev"]);
    expect(status.stdout).toMatch(/github_token\s+set\s+v2/);
    expect(status.stdout).toMatch(/slack_webhook_url\s+placeholder/);
    expect(status.code).toBe(1);
    expect(result.stdout + result.stderr + status.stdout + status.stderr).not.toContain(FAKE_TOKEN);
  });

  test("writes back exactly the key, description and tier the parameter has, so the next apply plans no change", async () => {
    seedPlaceholders();
    const result = await setToken(FAKE_TOKEN);
    expect(result.code).toBe(0);
    const put = ssm.calls.find((c) => c.action === "PutParameter")!;
    // The key ARN Terraform created it with, not the alias: a different KeyId is drift, and
    // the provider cannot update a write-only parameter in place.
    expect(put.request).toMatchObject({ KeyId: KEY_ARN, Description: DESCRIPTION, Tier: "Standard", DataType: "text" });
    expect(ssm.getParameter(GITHUB)).toMatchObject({ keyId: KEY_ARN, description: DESCRIPTION });
  });

  test("refuses to write a secret into a parameter that is not a SecureString", async () => {
    ssm.putParameter(GITHUB, "plain", { type: "String" });
    const result = await setToken(FAKE_TOKEN);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${GITHUB} is a String, not the SecureString the stack creates`);
    expect(ssm.callCount("PutParameter")).toBe(0);
  });

  test("takes a piped multi-line value (a PEM key) whole", async () => {
    seedPlaceholders();
    const pem = `-----BEGIN FAKE KEY-----\nline-one-${FAKE_TOKEN}\nline-two\n-----END FAKE KEY-----`;
    const result = await setToken(`${pem}\n`);
    expect(result.code).toBe(0);
    expect(ssm.getParameter(GITHUB)!.value).toBe(pem);
  });

  describe("at the hidden prompt, a value of several lines is refused, never cut at its first line", () => {
    test.each([
      ["pasted in one piece", [`${FAKE_TOKEN}\nsecond-line\r`]],
      ["pasted with \\r\\n line ends", [`${FAKE_TOKEN}\r\nsecond-line\r\n`]],
      ["arriving after Enter, as a long paste does", [`${FAKE_TOKEN}\r`, "second-line\r"]],
      ["inside a bracketed paste", [`\u001b[200~${FAKE_TOKEN}\nsecond-line\u001b[201~`, "\r"]],
    ])("%s", async (_, chunks) => {
      seedPlaceholders();
      const tty = terminal();
      const pending = cli(["set", "dev", "notifier-dev", "github_token"], tty);
      const write = async () => {
        for (const chunk of chunks) {
          tty.write(chunk);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      setImmediate(() => void write());
      const result = await pending;
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`the value for ${GITHUB} has more than one line`);
      expect(result.stderr).toContain("Pipe a multi-line value");
      expect(result.stderr).not.toContain(FAKE_TOKEN);
      expect(ssm.callCount("PutParameter")).toBe(0);
      expect(tty.rawModes).toEqual([true, false]);
    });

    test("a one-line paste inside bracketed-paste markers is taken as typed", async () => {
      seedPlaceholders();
      const tty = terminal();
      const pending = cli(["set", "dev", "notifier-dev", "github_token"], tty);
      setImmediate(() => tty.write(`\u001b[200~${FAKE_TOKEN}\u001b[201~\r`));
      const result = await pending;
      expect(result.code).toBe(0);
      expect(ssm.getParameter(GITHUB)!.value).toBe(FAKE_TOKEN);
    });
  });

  test("refuses an empty value without calling SSM", async () => {
    seedPlaceholders();
    const result = await setToken("\n");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`refusing an empty value for ${GITHUB}`);
    expect(ssm.callCount("PutParameter")).toBe(0);
  });

  test("refuses the placeholder itself", async () => {
    seedPlaceholders();
    const result = await setToken(PLACEHOLDER_VALUE);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("refusing the placeholder");
    expect(ssm.callCount("PutParameter")).toBe(0);
  });

  test("refuses to create a parameter the stack has not deployed", async () => {
    const result = await setToken(FAKE_TOKEN);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${GITHUB} does not exist: deploy the stack first`);
    expect(ssm.callCount("PutParameter")).toBe(0);
  });

  test("never shows the value even when AWS quotes it in an error", async () => {
    seedPlaceholders();
    ssm.failNext("PutParameter", {
      code: "ValidationException",
      message: `Value '${FAKE_TOKEN}' at 'value' failed to satisfy constraint`,
    });
    const result = await setToken(FAKE_TOKEN);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`ValidationException for ${GITHUB}: Value '<redacted>' at 'value'`);
    expect(result.stderr).not.toContain(FAKE_TOKEN);
  });

  test("reads from a hidden prompt on a terminal, echoing nothing of the value", async () => {
    seedPlaceholders();
    const tty = terminal();
    const pending = cli(["set", "dev", "notifier-dev", "github_token"], tty);
    // Types the token with a typo corrected by backspace, then Enter.
    setImmediate(() => tty.write(`${FAKE_TOKEN}x\u007f\r`));
    const result = await pending;
    expect(result.code).toBe(0);
    expect(ssm.getParameter(GITHUB)!.value).toBe(FAKE_TOKEN);
    expect(result.stderr).toContain(`${GITHUB} (input hidden): `);
    expect(result.stderr + result.stdout).not.toContain(FAKE_TOKEN);
    expect(tty.rawModes).toEqual([true, false]);
  });
});

describe("bad input", () => {
  test.each([
    [["nope"], /unknown command "nope"; commands: set, status, history, rollback, import/],
    [
      ["status", "qa"],
      /unknown stack "qa" in "[^"]+"; stacks with SecureLambdas: dev \(a stack added since the last synth needs cdktf synth again\)/,
    ],
    [["status", "empty"], /stack "empty" holds no SecureLambda; stacks with SecureLambdas: dev/],
    [["set", "dev", "billing", "github_token"], /unknown function "billing" in stack dev; known: notifier-dev/],
    [
      ["set", "dev", "notifier-dev", "aws_key"],
      /unknown secret "aws_key" of notifier-dev; known: github_token, slack_webhook_url/,
    ],
    [["set", "dev", "notifier-dev"], /set takes <stack> <function> <secret>, got 2 argument/],
    [["history", "dev"], /history takes <stack> <function> <secret>, got 1 argument/],
    [["import"], /import takes <stack> \[<function>\], got 0 argument/],
    [["set", "dev", "notifier-dev", "github_token", "--json"], /set takes no --json/],
    [["status", "dev", "--to", "3"], /status takes no --to/],
  ])("%j fails with a clear error and exit code 2", async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  test("names a typed argument that looks like a credential by its length and what it looks like, never its text", async () => {
    // A classic GitHub token's shape, assembled so that no source line holds one.
    const typedToken = `gh${"p"}_${"Zq4Xw8Rt2Yu6Io0Pa3Sd7Fg1Hj5Kl9Zx2Cv6Bn8"}`;
    const random = "Q7vK2mX9pL4wZ8rT1yN6bH3jF5dS0aGc";
    for (const [args, shown] of [
      [
        ["set", "dev", "notifier-dev", typedToken],
        `an argument of ${typedToken.length} characters, which looks like a GitHub token (not shown)`,
      ],
      [
        ["set", "dev", random, "github_token"],
        `an argument of ${random.length} characters, which looks random, like a key (not shown)`,
      ],
    ] as const) {
      const result = await cli([...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(shown);
      expect(result.stderr).not.toContain(typedToken);
      expect(result.stderr).not.toContain(random);
    }
  });

  test("never echoes an argument that is not a plain name: a secret typed where a name belongs", async () => {
    const typedToken = `${FAKE_TOKEN}+/=`;
    for (const args of [
      ["set", "dev", "notifier-dev", typedToken],
      ["set", "dev", typedToken, "github_token"],
      ["status", typedToken],
      [typedToken],
      ["rollback", "dev", "notifier-dev", "github_token", "--to", typedToken],
    ]) {
      seedPlaceholders();
      const result = await cli(args);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`an argument of ${typedToken.length} characters (not shown)`);
      expect(result.stderr).not.toContain(FAKE_TOKEN);
    }
  });

  test("refuses a value given as an option, without echoing it", async () => {
    const result = await cli(["set", "dev", "notifier-dev", "github_token", `--value=${FAKE_TOKEN}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("values are never taken from arguments");
    expect(result.stderr).not.toContain(FAKE_TOKEN);
  });

  test.each([["set"], ["status"], ["history"], ["rollback"], ["import"]])(
    "%s --help explains the command",
    async (command) => {
      const result = await cli([command, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: secure-lambda ${command}`);
    },
  );

  test("--help lists the commands; no command is a usage error", async () => {
    const help = (await cli(["--help"])).stdout;
    expect(help).toMatch(
      /set <stack> <function> <secret>[\s\S]*status \[<stack>\.\.\.\][\s\S]*history[\s\S]*rollback[\s\S]*import <stack> \[<function>\]/,
    );
    expect((await cli([])).code).toBe(2);
  });
});

describe("finding the app's synthesis", () => {
  async function cliIn(cwd: string, args: string[]): Promise<Run> {
    const stdout = output();
    const stderr = output();
    const code = await runSecretsCli(args, {
      stdin: Readable.from([]),
      prompt: stderr,
      stdout,
      stderr,
      env: offlineEnv(),
      cwd,
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  test("without a synthesis, says to run cdktf synth first: no stack trace, no AWS call", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-synth-"));
    const result = await cliIn(empty, ["status"]);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'error: no synthesized app in "cdktf.out" (it has no manifest.json): run cdktf synth first (in the secure-lambda repository: npm run synth), or name the app\'s output with --output <dir>\n',
    });
    expect(ssm.calls).toHaveLength(0);
  });

  test("reads cdktf.out in the app's directory by default, or the output cdktf.json names", async () => {
    const app = fs.mkdtempSync(path.join(os.tmpdir(), "app-"));
    fs.cpSync(outdir, path.join(app, "cdktf.out"), { recursive: true });
    seedPlaceholders();
    expect((await cliIn(app, ["status", "dev"])).stdout).toContain("dev: 2 of 2 secrets are not set");
    fs.renameSync(path.join(app, "cdktf.out"), path.join(app, "synth-here"));
    fs.writeFileSync(
      path.join(app, "cdktf.json"),
      JSON.stringify({ language: "typescript", app: "npx tsx main.ts", output: "synth-here" }),
    );
    expect((await cliIn(app, ["status", "dev"])).stdout).toContain("dev: 2 of 2 secrets are not set");
  });

  test.each([
    [
      "a stack file missing",
      (dir: string) => fs.rmSync(path.join(dir, "stacks", "dev", "cdk.tf.json")),
      /stack "dev": .*cdk\.tf\.json is missing, so the synthesis is incomplete: run cdktf synth again/,
    ],
    [
      "a stack file cut short",
      (dir: string) => fs.writeFileSync(path.join(dir, "stacks", "dev", "cdk.tf.json"), '{"//": {'),
      /cdk\.tf\.json of the synthesized app is not valid JSON: run cdktf synth again/,
    ],
    [
      "a record of another format",
      (dir: string) =>
        editStack(dir, "dev", (json) => {
          json["//"].metadata[CLI_RECORD_KEY].format = 2;
        }),
      /stack "dev" was synthesized by another version of secure-lambda \(its record is not format 1\): run cdktf synth again/,
    ],
    [
      "an HCL synthesis",
      (dir: string) => {
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
        manifest.stacks.dev.synthesizedStackPath = "stacks/dev/cdk.tf";
        fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
      },
      /stack "dev" was synthesized as HCL \(cdktf synth --hcl\); the CLI reads the JSON synthesis/,
    ],
  ])("with %s, says to synthesize again", async (_, breakIt, message) => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "broken-synth-"));
    fs.cpSync(outdir, copy, { recursive: true });
    breakIt(copy);
    const result = await cliIn(copy, ["status", "--output", "."]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.split("\n")).toHaveLength(2);
    expect(ssm.calls).toHaveLength(0);
  });

  test("a synthesis from before the record (no stack holds one) says so", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "old-synth-"));
    fs.cpSync(outdir, copy, { recursive: true });
    editStack(copy, "dev", (json) => {
      delete json["//"].metadata[CLI_RECORD_KEY];
    });
    const result = await cliIn(copy, ["status", "--output", "."]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no stack in "\." holds a SecureLambda record: .* \(run cdktf synth again\)/);
  });
});

describe("as a process", () => {
  const script = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.secrets as string;

  function start(args: string[], aws: NodeJS.ProcessEnv = offlineEnv()) {
    const [command, ...rest] = script.split(" ");
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...aws };
    return spawn(command!, [...rest, ...args, "--output", outdir], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  }

  function finished(child: ReturnType<typeof start>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  }

  test("set reads the value from a pipe: never in its arguments, stdout or stderr", async () => {
    seedPlaceholders();
    const child = start(["set", "dev", "notifier-dev", "github_token"]);
    const done = finished(child);
    const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, "utf8");
    expect(cmdline).toContain("github_token");
    child.stdin.end(`${FAKE_TOKEN}\n`);
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${GITHUB}: set, version 2`);
    expect(cmdline + result.stdout + result.stderr).not.toContain(FAKE_TOKEN);
    expect(ssm.getParameter(GITHUB)!.value).toBe(FAKE_TOKEN);
  });

  test("status exits 1 while secrets are placeholders, so a pipeline can gate on it", async () => {
    seedPlaceholders();
    const result = await finished(start(["status", "dev"]));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("dev: 2 of 2 secrets are not set");
  });

  test("without credentials, says how to provide them and exits 3, not 1 (a secret is unset)", async () => {
    // No keys, no profile, no config files, no instance metadata: the SDK's chain finds nothing.
    const none = {
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const result = await finished(start(["status", "dev"], none));
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`error: no AWS credentials to reach ${GITHUB}`);
    for (const way of ["AWS_PROFILE", "aws sso login", "AWS_ACCESS_KEY_ID"]) expect(result.stderr).toContain(way);
    expect(ssm.calls).toHaveLength(0);
  });
});
