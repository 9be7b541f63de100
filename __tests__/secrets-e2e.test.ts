/**
 * End to end: the exact bundle the synthesized stack deploys, run in a fresh Node process
 * with exactly the synthesized function's environment, against a loopback SSM and a fake
 * GitHub API and Slack webhook.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { environments, type EnvironmentConfig, type FunctionConfig } from "../config/environments";
import { PLACEHOLDER_VALUE } from "../common/naming";
import { buildApp } from "../main";
import { MANY_SECRET_NAMES } from "./fixtures/many-secrets-handler";
import { startHttpReceiver, type HttpReceiver } from "./helpers/http-receiver";
import { invokeInChild, lambdaEnvironment, type ChildRun } from "./helpers/invoke-bundle";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { synthesizedFunction, type SynthesizedFunction } from "./helpers/synthesized-function";
import { createHash } from "node:crypto";

const STACK = "dev";
const REPO = "octo-org/octo-repo";
const GITHUB_TOKEN = "fake-gh-token-e2e-7f3a";
const WEBHOOK_SECRET_PART = "fake-slack-hook-e2e-91c2";
const WEBHOOK_PATH = `/services/T0FAKE/B0FAKE/${WEBHOOK_SECRET_PART}`;
const MANY_VALUES = MANY_SECRET_NAMES.map((_name, i) => `fake-many-e2e-${i}-c4d8`);

let ssm: SsmServer;
let receiver: HttpReceiver;
let outdir: string;
let notifier: SynthesizedFunction;
let many: SynthesizedFunction;

beforeAll(async () => {
  ssm = await startSsmServer();
  receiver = await startHttpReceiver();
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-e2e-"));
  const dev = environments.dev;
  const devNotifier = dev.functions[0] as FunctionConfig;
  // The real dev configuration; only the (plain, non-secret) API base URL points at the fake.
  const config: EnvironmentConfig = {
    ...dev,
    functions: [
      { ...devNotifier, environment: { ...devNotifier.environment, GITHUB_API_URL: receiver.url } },
      {
        functionName: "many-secrets-dev",
        entry: "__tests__/fixtures/many-secrets-handler.ts",
        secrets: MANY_SECRET_NAMES,
      },
    ],
  };
  buildApp({ outdir, environments: { [STACK]: config } }).synth();
  notifier = synthesizedFunction(outdir, STACK, devNotifier.functionName);
  many = synthesizedFunction(outdir, STACK, "many-secrets-dev");
});

afterAll(async () => {
  await Promise.allSettled([ssm?.close(), receiver?.close()]);
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

beforeEach(() => {
  ssm.resetCalls();
  ssm.setLatency(0);
  receiver.reset();
  ssm.putParameter(notifier.environment.GITHUB_TOKEN_PARAM_NAME as string, GITHUB_TOKEN);
  ssm.putParameter(notifier.environment.SLACK_WEBHOOK_URL_PARAM_NAME as string, `${receiver.url}${WEBHOOK_PATH}`);
  for (const [i, name] of MANY_SECRET_NAMES.entries())
    ssm.putParameter(`/many-secrets-dev/${name}`, MANY_VALUES[i] as string);
  receiver.respond("GET", `/repos/${REPO}`, { json: { full_name: REPO, open_issues_count: 42 } });
  receiver.respond("POST", WEBHOOK_PATH, { json: { ok: true } });
});

/** Runs a synthesized function in a child process, as Lambda would, pointed at the fake SSM. */
function invoke(fn: SynthesizedFunction, invocations = 1): Promise<ChildRun> {
  return invokeInChild(fn, {
    invocations,
    extraEnv: lambdaEnvironment(fn, {
      region: environments.dev.region,
      endpoint: { AWS_ENDPOINT_URL_SSM: ssm.url },
      noConfigDir: outdir,
    }),
  });
}

/** No secret value (or the secret part of the webhook URL) in anything the child printed or reported. */
function expectNoSecretIn(run: ChildRun): void {
  const printed = `${run.stdout}\n${run.stderr}\n${JSON.stringify(run.results)}`;
  for (const secret of [GITHUB_TOKEN, WEBHOOK_SECRET_PART, ...MANY_VALUES]) expect(printed).not.toContain(secret);
}

test("runs the bundle the stack deploys, whose environment holds parameter names only", () => {
  expect(notifier.zipPath.startsWith(path.join(outdir, "stacks", STACK))).toBe(true);
  expect(notifier.handlerExport).toBe("handler");
  expect(notifier.environment).toEqual({
    GITHUB_API_URL: receiver.url,
    GITHUB_REPOSITORY: REPO,
    GITHUB_TOKEN_PARAM_NAME: "/notifier-dev/github_token",
    SLACK_WEBHOOK_URL_PARAM_NAME: "/notifier-dev/slack_webhook_url",
    // The loader's budget, from the function's 10 s timeout: a time, not a secret.
    SECRETS_LOADER_TIMEOUT_MS: "9000",
  });
});

test("deploys the lean loader: a bundle under 25 KB with no AWS SDK or Powertools in it", () => {
  const code = fs.readFileSync(path.join(notifier.bundleDir, "index.js"), "utf8");
  expect(code.length).toBeLessThanOrEqual(25 * 1024);
  // Strings every SDK v3 client and Powertools bundle carries (user agent, smithy runtime).
  expect(code).not.toMatch(/aws-sdk-js|smithy|powertools/i);
});

test("calls GitHub with the token and posts the open-issue count to the webhook, both read from SSM", async () => {
  const run = await invoke(notifier);

  expect(run.results).toEqual([{ ok: true, value: { openIssues: 42 } }]);
  const [github, slack] = receiver.requests;
  expect(github).toMatchObject({ method: "GET", path: `/repos/${REPO}` });
  expect(github?.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
  expect(slack).toMatchObject({ method: "POST", path: WEBHOOK_PATH });
  expect(JSON.parse(slack?.body ?? "{}")).toEqual({ text: `${REPO} has 42 open issues` });
  expect(ssm.calls.map((call) => call.request)).toEqual([
    { Names: ["/notifier-dev/github_token", "/notifier-dev/slack_webhook_url"], WithDecryption: true },
  ]);
  expect(run.stdout).toContain('"message":"notified"');
  expectNoSecretIn(run);
});

test("makes one round of SSM calls for 100 warm invocations", async () => {
  const run = await invoke(notifier, 100);

  expect(run.results.filter((r) => r.ok)).toHaveLength(100);
  expect(ssm.callCount("GetParameters")).toBe(1);
  expect(ssm.callCount("GetParameter")).toBe(0);
  expect(receiver.requests.filter((r) => r.method === "POST")).toHaveLength(100);
  expectNoSecretIn(run);
});

test("fetches 23 secrets in ceil(23/10) = 3 GetParameters calls made in parallel", async () => {
  ssm.setLatency(150);

  const run = await invoke(many);

  const expected = createHash("sha256").update(MANY_VALUES.join("\n")).digest("hex");
  expect(run.results).toEqual([{ ok: true, value: { count: 23, sha256: expected } }]);
  expect(ssm.callCount("GetParameters")).toBe(Math.ceil(MANY_SECRET_NAMES.length / 10));
  expect(ssm.calls.map((call) => (call.request.Names as string[]).length).sort()).toEqual([10, 10, 3]);
  expect(ssm.maxConcurrent("GetParameters")).toBe(3);
  expectNoSecretIn(run);
});

test("refuses a value that is still the placeholder, naming the parameter and how to set it", async () => {
  ssm.putParameter("/notifier-dev/github_token", PLACEHOLDER_VALUE);

  const run = await invoke(notifier);

  const [result] = run.results;
  expect(result).toMatchObject({ ok: false, errorType: "SecretNotSetError" });
  const message = (result as { errorMessage: string }).errorMessage;
  expect(message).toContain("/notifier-dev/github_token");
  expect(message).toContain("npx --no secure-lambda set <stack> notifier-dev github_token");
  expect(receiver.requests).toHaveLength(0);
  expectNoSecretIn(run);
});

test("retries an injected ThrottlingException and then notifies", async () => {
  ssm.failNext("GetParameters", { code: "ThrottlingException", message: "Rate exceeded" });

  const run = await invoke(notifier);

  expect(run.results).toEqual([{ ok: true, value: { openIssues: 42 } }]);
  expect(ssm.callCount("GetParameters")).toBe(2);
  expectNoSecretIn(run);
});

test("on a 401 from GitHub reads the rotated token once more and notifies with it", async () => {
  const ROTATED = "fake-gh-token-e2e-rotated-5b1e";
  receiver.respond("GET", `/repos/${REPO}`, (request) => {
    if (request.headers.authorization === `Bearer ${ROTATED}`)
      return { json: { full_name: REPO, open_issues_count: 42 } };
    // The token was rotated after the function cached it.
    ssm.putParameter("/notifier-dev/github_token", ROTATED);
    return { status: 401, json: { message: "Bad credentials" } };
  });

  const run = await invoke(notifier);

  expect(run.results).toEqual([{ ok: true, value: { openIssues: 42 } }]);
  expect(receiver.requests.filter((r) => r.method === "GET").map((r) => r.headers.authorization)).toEqual([
    `Bearer ${GITHUB_TOKEN}`,
    `Bearer ${ROTATED}`,
  ]);
  expect(ssm.callCount("GetParameters")).toBe(2);
  expect(`${run.stdout}\n${run.stderr}\n${JSON.stringify(run.results)}`).not.toContain(ROTATED);
  expectNoSecretIn(run);
});

test("reports a GitHub API that keeps answering 401 by status, without the token, after at most one more SSM read", async () => {
  receiver.respond("GET", `/repos/${REPO}`, { status: 401, json: { message: "Bad credentials" } });

  const run = await invoke(notifier, 3);

  expect(run.results).toEqual(
    Array(3).fill(
      expect.objectContaining({
        ok: false,
        errorType: "NotifierError",
        errorMessage: `GitHub API (GET /repos/${REPO}) answered 401`,
      }),
    ),
  );
  // Each invocation tries twice; the forced read happens once per 30 s, not once per 401.
  expect(receiver.requests.filter((r) => r.method === "GET")).toHaveLength(6);
  expect(ssm.callCount("GetParameters")).toBe(2);
  expectNoSecretIn(run);
});

test("reports a webhook failure by status, without the webhook URL", async () => {
  receiver.respond("POST", WEBHOOK_PATH, { status: 404, json: { error: "no_service" } });

  const run = await invoke(notifier);

  expect(run.results).toEqual([
    expect.objectContaining({ ok: false, errorType: "NotifierError", errorMessage: "Slack webhook answered 404" }),
  ]);
  expect(run.stderr).toContain("Slack webhook answered 404");
  expectNoSecretIn(run);
});
