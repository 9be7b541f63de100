import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { PLACEHOLDER_VALUE } from "../constructs";
import { runSecretsCli } from "../cli/secrets";
import { environments } from "../config/environments";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { output } from "./helpers/streams";

const ROOT = path.join(__dirname, "..");
// Obviously fake, but distinctive enough to find anywhere it leaks.
const FAKE_TOKEN = "fake-gh-token-cli-4d2e9b";
const FAKE_WEBHOOK = "https://example.invalid/fake-webhook-cli-81c0";
const GITHUB = "/notifier-dev/github_token";
const SLACK = "/notifier-dev/slack_webhook_url";

let server: SsmServer;

function awsEnv(): NodeJS.ProcessEnv {
  return { AWS_ENDPOINT_URL_SSM: server.url, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "eu-west-1" };
}

async function cli(args: string[], stdin: NodeJS.ReadableStream = Readable.from([])) {
  const stdout = output();
  const stderr = output();
  const code = await runSecretsCli(args, { stdin, prompt: stderr, stdout, stderr, env: awsEnv() });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

// As Terraform creates them: the key by ARN, as the stack configures it, and a description.
const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const DESCRIPTION = "Secret github_token of notifier-dev, set out of band";

function seedPlaceholders(): void {
  for (const name of [GITHUB, SLACK]) server.putParameter(name, PLACEHOLDER_VALUE, { keyId: KEY_ARN, description: DESCRIPTION });
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

beforeEach(async () => {
  server = await startSsmServer({ region: "eu-west-1" });
});
afterEach(async () => {
  await server.close();
});

describe("secrets status", () => {
  test("reports placeholders on a fresh stack and exits non-zero", async () => {
    seedPlaceholders();
    const result = await cli(["status", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/notifier-dev\s+github_token\s+placeholder \(never set\)\s+v1\s+\d{4}-\d\d-\d\dT/);
    expect(result.stdout).toMatch(/slack_webhook_url\s+placeholder/);
    expect(result.stdout).toContain("dev: 2 of 2 secrets are not set");
    expect(result.stdout).not.toContain(PLACEHOLDER_VALUE);
  });

  test("reports a parameter that does not exist as missing", async () => {
    server.putParameter(GITHUB, FAKE_TOKEN);
    const result = await cli(["status", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/github_token\s+set\s+v1/);
    expect(result.stdout).toMatch(/slack_webhook_url\s+missing/);
    expect(result.stdout).not.toContain(FAKE_TOKEN);
  });

  test("exits zero when every secret is set, and reads them in one call", async () => {
    server.putParameter(GITHUB, FAKE_TOKEN);
    server.putParameter(SLACK, FAKE_WEBHOOK);
    const result = await cli(["status", "dev"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("dev: all 2 secrets are set");
    expect(server.callCount("GetParameters")).toBe(1);
    expect(result.stdout + result.stderr).not.toMatch(/fake-gh-token|fake-webhook/);
  });

  test("names the parameters and says IAM when access is denied", async () => {
    server.failNext("GetParameters", { code: "AccessDeniedException", message: "not authorized to perform ssm:GetParameters" });
    const result = await cli(["status", "dev"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/access denied by IAM for \/notifier-dev\/github_token, \/notifier-dev\/slack_webhook_url/);
  });
});

describe("secrets set", () => {
  test("says KMS, not IAM, when the key refuses the caller, even as an AccessDeniedException", async () => {
    seedPlaceholders();
    server.failNext("PutParameter", { code: "AccessDeniedException", message: "User is not authorized to perform: kms:Encrypt" });
    const result = await cli(["set", "dev", "notifier-dev", "github_token"], Readable.from([FAKE_TOKEN]));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`KMS refused ${GITHUB} (AccessDeniedException)`);
    expect(result.stderr).not.toContain(FAKE_TOKEN);
  });

  test("writes the piped value as a SecureString with the function's key; status then shows version 2", async () => {
    seedPlaceholders();
    const result = await cli(["set", "dev", "notifier-dev", "github_token"], Readable.from([`${FAKE_TOKEN}\n`]));
    expect(result).toMatchObject({ code: 0, stdout: `${GITHUB}: set, version 2\n` });
    const stored = server.getParameter(GITHUB)!;
    expect(stored).toMatchObject({ value: FAKE_TOKEN, type: "SecureString", keyId: KEY_ARN, version: 2 });
    const put = server.calls.find((c) => c.action === "PutParameter")!;
    expect(put.request).toMatchObject({ Overwrite: true, Type: "SecureString" });

    const status = await cli(["status", "dev"]);
    expect(status.stdout).toMatch(/github_token\s+set\s+v2/);
    expect(status.stdout).toMatch(/slack_webhook_url\s+placeholder/);
    expect(status.code).toBe(1);
    expect(result.stdout + result.stderr + status.stdout + status.stderr).not.toContain(FAKE_TOKEN);
  });

  test("writes back exactly the key, description and tier the parameter has, so the next apply plans no change", async () => {
    seedPlaceholders();
    const result = await cli(["set", "dev", "notifier-dev", "github_token"], Readable.from([FAKE_TOKEN]));
    expect(result.code).toBe(0);
    const put = server.calls.find((c) => c.action === "PutParameter")!;
    // The key ARN Terraform created it with, not the alias: a different KeyId is drift, and
    // the provider cannot update a write-only parameter in place.
    expect(put.request).toMatchObject({ KeyId: KEY_ARN, Description: DESCRIPTION, Tier: "Standard", DataType: "text" });
    expect(server.getParameter(GITHUB)).toMatchObject({ keyId: KEY_ARN, description: DESCRIPTION });
  });

  test("refuses to write a secret into a parameter that is not a SecureString", async () => {
    server.putParameter(GITHUB, "plain", { type: "String" });
    const result = await cli(["set", "dev", "notifier-dev", "github_token"], Readable.from([FAKE_TOKEN]));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${GITHUB} is a String, not the SecureString the stack creates`);
    expect(server.callCount("PutParameter")).toBe(0);
  });

  test("takes a piped multi-line value (a PEM key) whole", async () => {
    seedPlaceholders();
    const pem = `-----BEGIN FAKE KEY-----\nline-one-${FAKE_TOKEN}\nline-two\n-----END FAKE KEY-----`;
    const result = await cli(["set", "dev", "notifier-dev", "github_token"], Readable.from([`${pem}\n`]));
    expect(result.code).toBe(0);
    expect(server.getParameter(GITHUB)!.value).toBe(pem);
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
      expect(server.callCount("PutParameter")).toBe(0);
      expect(tty.rawModes).toEqual([true, false]);
    });

    test("a one-line paste inside bracketed-paste markers is taken as typed", async () => {
      seedPlaceholders();
      const tty = terminal();
      const pending = cli(["set", "dev", "notifier-dev", "github_token"], tty);
      setImmediate(() => tty.write(`\u001b[200~${FAKE_TOKEN}\u001b[201~\r`));
      const result = await pending;
      expect(result.code).toBe(0);
      expect(server.getParameter(GITHUB)!.value).toBe(FAKE_TOKEN);
    });
  });

  test("refuses an empty value without calling SSM", async () => {
    seedPlaceholders();
    const result = await cli(["set", "dev", "notifier-dev", "github_token"], Readable.from(["\n"]));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`refusing an empty value for ${GITHUB}`);
    expect(server.callCount("PutParameter")).toBe(0);
  });

  test("refuses the placeholder itself", async () => {
    seedPlaceholders();
    const result = await cli(["set", "dev", "notifier-dev", "github_token"], Readable.from([PLACEHOLDER_VALUE]));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("refusing the placeholder");
    expect(server.callCount("PutParameter")).toBe(0);
  });

  test("refuses to create a parameter the stack has not deployed", async () => {
    const result = await cli(["set", "dev", "notifier-dev", "github_token"], Readable.from([FAKE_TOKEN]));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${GITHUB} does not exist: deploy the stack first`);
    expect(server.callCount("PutParameter")).toBe(0);
  });

  test("never shows the value even when AWS quotes it in an error", async () => {
    seedPlaceholders();
    server.failNext("PutParameter", { code: "ValidationException", message: `Value '${FAKE_TOKEN}' at 'value' failed to satisfy constraint` });
    const result = await cli(["set", "dev", "notifier-dev", "github_token"], Readable.from([FAKE_TOKEN]));
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
    expect(server.getParameter(GITHUB)!.value).toBe(FAKE_TOKEN);
    expect(result.stderr).toContain(`${GITHUB} (input hidden): `);
    expect(result.stderr + result.stdout).not.toContain(FAKE_TOKEN);
    expect(tty.rawModes).toEqual([true, false]);
  });
});

describe("bad input", () => {
  test.each([
    [["nope"], /unknown command "nope"; commands: set, status/],
    [["status", "qa"], /unknown environment "qa"; known: dev, stg, prod, local/],
    [["set", "dev", "billing", "github_token"], /unknown function "billing" in dev; known: notifier-dev/],
    [["set", "dev", "notifier-dev", "aws_key"], /unknown secret "aws_key" of notifier-dev; known: github_token, slack_webhook_url/],
    [["set", "dev", "notifier-dev"], /set takes <env> <function> <secret>, got 2 argument/],
    [["status"], /status takes <env>, got 0 argument/],
  ])("%j fails with a clear error and exit code 2", async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  test("reports a configuration mistake as main.ts does, naming the environment and field", async () => {
    const stdout = output();
    const stderr = output();
    const broken = { dev: { ...environments.dev, region: "" } };
    const code = await runSecretsCli(["status", "dev"], { stdin: Readable.from([]), prompt: stderr, stdout, stderr, env: awsEnv(), environments: broken });
    expect(code).toBe(2);
    expect(stderr.text()).toContain('configuration of environment "dev": region: is missing');
    expect(server.calls).toHaveLength(0);
  });

  test("refuses a value given as an option, without echoing it", async () => {
    const result = await cli(["set", "dev", "notifier-dev", "github_token", `--value=${FAKE_TOKEN}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("values are never taken from arguments");
    expect(result.stderr).not.toContain(FAKE_TOKEN);
  });

  test.each([["set"], ["status"]])("%s --help explains the command", async (command) => {
    const result = await cli([command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: npm run secrets -- ${command}`);
  });

  test("--help lists the commands; no command is a usage error", async () => {
    expect((await cli(["--help"])).stdout).toMatch(/set <env> <function> <secret>[\s\S]*status <env>/);
    expect((await cli([])).code).toBe(2);
  });
});

describe("as a process", () => {
  const script = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.secrets as string;

  function start(args: string[], aws: NodeJS.ProcessEnv = awsEnv()) {
    const [command, ...rest] = script.split(" ");
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...aws };
    return spawn(command!, [...rest, ...args], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
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
    expect(server.getParameter(GITHUB)!.value).toBe(FAKE_TOKEN);
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
      AWS_ENDPOINT_URL_SSM: server.url,
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const result = await finished(start(["status", "dev"], none));
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`error: no AWS credentials to reach ${GITHUB}`);
    for (const way of ["AWS_PROFILE", "aws sso login", "AWS_ACCESS_KEY_ID"]) expect(result.stderr).toContain(way);
    expect(server.calls).toHaveLength(0);
  });
});

test("the configuration the CLI reads is the one main.ts builds stacks from", () => {
  expect(environments.dev.functions.map((f) => f.functionName)).toEqual(["notifier-dev"]);
});
