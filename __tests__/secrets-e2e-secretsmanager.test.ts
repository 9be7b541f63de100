/**
 * End to end, Secrets Manager store: the exact bundle the synthesized `stg` stack deploys,
 * run in a fresh Node process with exactly the synthesized function's environment, against
 * a loopback Secrets Manager and a fake GitHub API and Slack webhook. The sibling of
 * secrets-e2e.test.ts (SSM store).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { environments, type EnvironmentConfig, type FunctionConfig } from "../config/environments";
import { PARAM_NAME_SUFFIX, PLACEHOLDER_VALUE, SECRET_ID_ENV_VAR } from "../common/naming";
import { buildApp } from "../main";
import { startHttpReceiver, type HttpReceiver } from "./helpers/http-receiver";
import { invokeInChild, lambdaEnvironment, type ChildRun, type InvocationResult } from "./helpers/invoke-bundle";
import { faults, startSecretsManagerServer, type SecretsManagerServer } from "./helpers/secretsmanager-server";
import { synthesizedFunction, type SynthesizedFunction } from "./helpers/synthesized-function";

const STACK = "stg";
const REPO = "octo-org/octo-repo";
/** The one secret holding the notifier's secrets, as the construct names it (pinned, not re-derived). */
const SECRET_ID = "notifier-stg/secrets";
const GITHUB_TOKEN = "fake-gh-token-sm-e2e-1a2b";
const WEBHOOK_SECRET_PART = "fake-slack-hook-sm-e2e-5d6e";
const WEBHOOK_PATH = `/services/T0FAKE/B0FAKE/${WEBHOOK_SECRET_PART}`;
const WARM_INVOCATIONS = 20;

let sm: SecretsManagerServer;
let receiver: HttpReceiver;
let outdir: string;
let notifier: SynthesizedFunction;

beforeAll(async () => {
  receiver = await startHttpReceiver();
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-e2e-sm-"));
  const stg = environments.stg;
  const stgNotifier = stg.functions[0] as FunctionConfig;
  // The real stg configuration (store "secretsmanager"); only the (plain, non-secret) API base URL points at the fake.
  const config: EnvironmentConfig = {
    ...stg,
    functions: [{ ...stgNotifier, environment: { ...stgNotifier.environment, GITHUB_API_URL: receiver.url } }],
  };
  buildApp({ outdir, environments: { [STACK]: config } }).synth();
  notifier = synthesizedFunction(outdir, STACK, stgNotifier.functionName);
});

afterAll(async () => {
  await receiver?.close();
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

// A fresh fake per test: the "secret does not exist" case needs one without the secret,
// and the fake has no DeleteSecret.
beforeEach(async () => {
  sm = await startSecretsManagerServer({ region: environments.stg.region });
  receiver.reset();
  receiver.respond("GET", `/repos/${REPO}`, { json: { full_name: REPO, open_issues_count: 42 } });
  receiver.respond("POST", WEBHOOK_PATH, { json: { ok: true } });
});

afterEach(async () => {
  await sm?.close();
});

/** The secret's JSON as `npm run secrets -- set` leaves it, with `overrides` on top (undefined: drop the key). */
function seedSecret(overrides: Readonly<Record<string, string | undefined>> = {}): void {
  const content: Record<string, string | undefined> = {
    github_token: GITHUB_TOKEN,
    slack_webhook_url: `${receiver.url}${WEBHOOK_PATH}`,
    ...overrides,
  };
  sm.createSecret(SECRET_ID, JSON.stringify(content));
}

/** Runs the notifier in a child process, as Lambda would, pointed at the fake Secrets Manager. */
function invoke(invocations = 1): Promise<ChildRun> {
  return invokeInChild(notifier, {
    invocations,
    extraEnv: lambdaEnvironment(notifier, {
      region: environments.stg.region,
      // The SDK's per-service override: "AWS_ENDPOINT_URL_" + serviceId "Secrets Manager" upper-cased, spaces to "_".
      endpoint: { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url },
      noConfigDir: outdir,
    }),
  });
}

/** No secret value (or the secret part of the webhook URL) in anything the child printed or reported. */
function expectNoSecretIn(run: ChildRun): void {
  const printed = `${run.stdout}\n${run.stderr}\n${JSON.stringify(run.results)}`;
  for (const secret of [GITHUB_TOKEN, WEBHOOK_SECRET_PART]) expect(printed).not.toContain(secret);
}

/** The only invocation's failure, as the runtime reports it. */
function onlyFailure(run: ChildRun): Extract<InvocationResult, { ok: false }> {
  expect(run.results).toHaveLength(1);
  const [result] = run.results;
  expect(result).toMatchObject({ ok: false });
  return result as Extract<InvocationResult, { ok: false }>;
}

test("runs the bundle the stack deploys, whose environment names the one secret and holds no parameter names or values", () => {
  expect(notifier.zipPath.startsWith(path.join(outdir, "stacks", STACK))).toBe(true);
  expect(notifier.handlerExport).toBe("handler");
  expect(notifier.environment).toEqual({
    GITHUB_API_URL: receiver.url,
    GITHUB_REPOSITORY: REPO,
    [SECRET_ID_ENV_VAR]: SECRET_ID,
    SECRETS_LOADER_TIMEOUT_MS: "9000",
  });
  expect(SECRET_ID_ENV_VAR).toBe("SECRETS_MANAGER_SECRET_ID");
  expect(Object.keys(notifier.environment).filter((name) => name.endsWith(PARAM_NAME_SUFFIX))).toEqual([]);
  const values = JSON.stringify(notifier.environment);
  for (const value of [PLACEHOLDER_VALUE, GITHUB_TOKEN, WEBHOOK_SECRET_PART]) expect(values).not.toContain(value);
});

test("calls GitHub with the token and posts the open-issue count to the webhook, both read with one GetSecretValue", async () => {
  seedSecret();

  const run = await invoke();

  expect(run.results).toEqual([{ ok: true, value: { openIssues: 42 } }]);
  const [github, slack] = receiver.requests;
  expect(github).toMatchObject({ method: "GET", path: `/repos/${REPO}` });
  expect(github?.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
  expect(slack).toMatchObject({ method: "POST", path: WEBHOOK_PATH });
  expect(JSON.parse(slack?.body ?? "{}")).toEqual({ text: `${REPO} has 42 open issues` });
  expect(sm.calls.map(({ action, request }) => ({ action, request }))).toEqual([
    { action: "GetSecretValue", request: { SecretId: SECRET_ID, VersionStage: "AWSCURRENT" } },
  ]);
  expect(run.stdout).toContain('"message":"notified"');
  expectNoSecretIn(run);
});

test(`makes one GetSecretValue call for a cold and ${WARM_INVOCATIONS} warm invocations`, async () => {
  seedSecret();

  const run = await invoke(1 + WARM_INVOCATIONS);

  expect(run.results.filter((r) => r.ok)).toHaveLength(1 + WARM_INVOCATIONS);
  expect(sm.callCount("GetSecretValue")).toBe(1);
  expect(sm.calls).toHaveLength(1);
  expect(receiver.requests.filter((r) => r.method === "POST")).toHaveLength(1 + WARM_INVOCATIONS);
  expectNoSecretIn(run);
});

test("refuses a key that still holds the placeholder, naming the key and how to set it", async () => {
  seedSecret({ github_token: PLACEHOLDER_VALUE });

  const run = await invoke();

  const failure = onlyFailure(run);
  expect(failure.errorType).toBe("SecretNotSetError");
  expect(failure.errorMessage).toContain(`key github_token of Secrets Manager secret ${SECRET_ID}`);
  expect(failure.errorMessage).toContain("npx --no secure-lambda set <stack> notifier-stg github_token");
  expect(failure.errorProperties).toMatchObject({ secretName: "github_token", secretId: SECRET_ID });
  expect(receiver.requests).toHaveLength(0);
  expectNoSecretIn(run);
});

test("refuses a secret whose JSON has no key for a declared secret", async () => {
  seedSecret({ slack_webhook_url: undefined });

  const run = await invoke();

  const failure = onlyFailure(run);
  expect(failure.errorType).toBe("SecretKeyMissingError");
  expect(failure.errorMessage).toContain(`Secrets Manager secret ${SECRET_ID} has no key slack_webhook_url`);
  expect(failure.errorProperties).toMatchObject({ secretName: "slack_webhook_url", secretId: SECRET_ID });
  expect(receiver.requests).toHaveLength(0);
  expectNoSecretIn(run);
});

test("reports a secret that does not exist by its id", async () => {
  const run = await invoke();

  const failure = onlyFailure(run);
  expect(failure.errorType).toBe("SecretNotFoundError");
  expect(failure.errorMessage).toContain(`Secrets Manager secret ${SECRET_ID}`);
  expect(failure.errorProperties).toMatchObject({ secretId: SECRET_ID });
  expect(sm.callCount("GetSecretValue")).toBe(1);
  expect(receiver.requests).toHaveLength(0);
  expectNoSecretIn(run);
});

test("reports KMS refusing to decrypt the secret as access denied by kms", async () => {
  seedSecret();
  sm.failNext("GetSecretValue", faults.accessDeniedByKms());

  const run = await invoke();

  const failure = onlyFailure(run);
  expect(failure.errorType).toBe("SecretAccessDeniedError");
  expect(failure.errorProperties).toMatchObject({
    deniedBy: "kms",
    awsErrorName: "AccessDeniedException",
    secretId: SECRET_ID,
  });
  expect(failure.errorMessage).toContain("kms:Decrypt through Secrets Manager");
  expect(receiver.requests).toHaveLength(0);
  expectNoSecretIn(run);
});
