/**
 * The loader reading a function's secrets from Secrets Manager: signed requests over real
 * sockets to the loopback Secrets Manager (which checks every signature), reached through
 * AWS_ENDPOINT_URL_SECRETS_MANAGER as in LocalStack.
 */
import { inspect } from "node:util";
import { PLACEHOLDER_VALUE, placeholderSecretJson, SECRET_ID_ENV_VAR } from "../common/naming";
import {
  createSecretsLoader,
  SecretAccessDeniedError,
  SecretFormatError,
  SecretKeyMissingError,
  SecretNotFoundError,
  SecretNotSetError,
  SecretsError,
  SecretsFetchError,
  SecretsThrottledError,
  type SecretsLoaderOptions,
} from "../lambda-src/secrets";
import { sendHttp } from "../lambda-src/secrets/http-send";
import { faults, startSecretsManagerServer, type SecretsManagerServer } from "./helpers/secretsmanager-server";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { useOfflineAws } from "./helpers/offline-aws";

const SECRET_ID = "notifier-dev/secrets";
const GITHUB_TOKEN = "fake-gh-token-sm-3c71";
const WEBHOOK = "https://hooks.example.invalid/services/fake-slack-hook-sm-0e4d";
const VALUES = { github_token: GITHUB_TOKEN, slack_webhook_url: WEBHOOK };
const env = { [SECRET_ID_ENV_VAR]: SECRET_ID, AWS_LAMBDA_FUNCTION_NAME: "notifier-dev" };
const saved = { ...process.env };
let sm: SecretsManagerServer;

beforeEach(async () => {
  sm = await startSecretsManagerServer();
  sm.createSecret(SECRET_ID, JSON.stringify(VALUES));
  useOfflineAws({ AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url });
});

afterEach(async () => {
  jest.useRealTimers();
  process.env = { ...saved };
  await sm.close();
});

/** The loader's own node:http(s) transport, passed explicitly so that each test's loader has a cache of its own. */
const viaNetwork = sendHttp;

/** The notifier's loader; region, credentials and endpoint come from the environment as in Lambda. */
function notifierLoader(options: SecretsLoaderOptions = {}) {
  return createSecretsLoader(["github_token", "slack_webhook_url"], { send: viaNetwork, env, ...options });
}

/** What the loader threw (or resolved with, which fails the assertions that follow). */
function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** Everything a logger or the Lambda runtime could print about an error. */
function everythingPrintable(error: unknown): string {
  return [
    String(error),
    (error as Error).stack,
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
  ].join("\n");
}

/** The error holds no secret value anywhere, and no wrapped SDK error. */
function expectNoValues(error: unknown, values: readonly string[] = [GITHUB_TOKEN, WEBHOOK]): void {
  expect(error).toBeInstanceOf(SecretsError);
  for (const value of values) {
    expect((error as Error).message).not.toContain(value);
    expect(JSON.stringify(error)).not.toContain(value);
    expect(everythingPrintable(error)).not.toContain(value);
  }
  expect((error as Error).cause).toBeUndefined();
}

describe("reading", () => {
  test("reads every secret from the keys of the secret SECRETS_MANAGER_SECRET_ID names, with one GetSecretValue", async () => {
    const secrets = notifierLoader();

    await expect(secrets.getAll()).resolves.toEqual(VALUES);
    await expect(secrets.get("slack_webhook_url")).resolves.toBe(WEBHOOK);
    // By stage, as the role allows (condition secretsmanager:VersionStage = AWSCURRENT).
    expect(sm.calls.map((call) => [call.action, call.request])).toEqual([
      ["GetSecretValue", { SecretId: SECRET_ID, VersionStage: "AWSCURRENT" }],
    ]);
  });

  test("reads a secret named by its ARN", async () => {
    const arn = sm.getSecret(SECRET_ID)!.arn;

    await expect(notifierLoader({ env: { ...env, [SECRET_ID_ENV_VAR]: arn } }).get("github_token")).resolves.toBe(
      GITHUB_TOKEN,
    );
  });

  test("fetches 25 secrets with one GetSecretValue", async () => {
    const names = Array.from({ length: 25 }, (_, i) => `secret_${String(i).padStart(2, "0")}`);
    sm.putSecretValue(SECRET_ID, JSON.stringify(Object.fromEntries(names.map((name) => [name, `fake-value-${name}`]))));
    const secrets = createSecretsLoader(names, { send: viaNetwork, env });

    const values = await secrets.getAll();

    expect(Object.keys(values)).toHaveLength(25);
    expect(values.secret_24).toBe("fake-value-secret_24");
    expect(sm.callCount("GetSecretValue")).toBe(1);
  });

  test("shares one GetSecretValue between 21 concurrent calls on a cold cache", async () => {
    sm.setLatency(50);
    const secrets = notifierLoader();

    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => secrets.get("github_token")),
      secrets.getAll(),
    ]);

    expect(results.slice(0, 20)).toEqual(Array(20).fill(GITHUB_TOKEN));
    expect(results[20]).toEqual(VALUES);
    expect(sm.callCount("GetSecretValue")).toBe(1);
  });

  test("makes no call when the loader has no secrets", async () => {
    await expect(createSecretsLoader([], { send: viaNetwork, env }).getAll()).resolves.toEqual({});
    expect(sm.calls).toHaveLength(0);
  });

  test("reaches Secrets Manager at AWS_ENDPOINT_URL (as LocalStack sets it) when no service-specific endpoint is set", async () => {
    delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    process.env.AWS_ENDPOINT_URL = sm.url;

    await expect(notifierLoader().get("github_token")).resolves.toBe(GITHUB_TOKEN);
    expect(sm.callCount("GetSecretValue")).toBe(1);
  });

  test("without a send, loaders of one execution environment share one cache", async () => {
    let loaderModule!: typeof import("../lambda-src/secrets");
    // A fresh module registry: a new execution environment, with an empty cache.
    jest.isolateModules(() => {
      loaderModule = require("../lambda-src/secrets") as typeof import("../lambda-src/secrets");
    });
    const first = loaderModule.createSecretsLoader(["github_token"], { env });
    const second = loaderModule.createSecretsLoader(["slack_webhook_url"], { env });

    await expect(first.get("github_token")).resolves.toBe(GITHUB_TOKEN);
    await expect(second.get("slack_webhook_url")).resolves.toBe(WEBHOOK);
    expect(sm.callCount("GetSecretValue")).toBe(1);

    // TTL 0 means no cache at all: not even one another loader filled.
    const uncached = loaderModule.createSecretsLoader(["github_token"], { env, ttlSeconds: 0 });
    await expect(uncached.get("github_token")).resolves.toBe(GITHUB_TOKEN);
    expect(sm.callCount("GetSecretValue")).toBe(2);
  });
});

describe("caching", () => {
  /** Fakes only the clock the cache reads; sockets and timers stay real. */
  function fakeClock(): void {
    jest.useFakeTimers({
      now: new Date("2025-01-01T00:00:00Z"),
      doNotFake: [
        "hrtime",
        "nextTick",
        "performance",
        "queueMicrotask",
        "setImmediate",
        "clearImmediate",
        "setInterval",
        "clearInterval",
        "setTimeout",
        "clearTimeout",
      ],
    });
  }

  test("serves 100 warm invocations inside the TTL with no further call", async () => {
    const secrets = notifierLoader();

    for (let i = 0; i < 100; i++) await secrets.getAll();

    expect(sm.callCount("GetSecretValue")).toBe(1);
  });

  test("keeps values for SECRETS_CACHE_TTL_SECONDS, then fetches the new version", async () => {
    fakeClock();
    const secrets = notifierLoader({ env: { ...env, SECRETS_CACHE_TTL_SECONDS: "10" } });
    await secrets.getAll();
    sm.putSecretValue(SECRET_ID, JSON.stringify({ ...VALUES, github_token: "fake-gh-token-rotated-9a0c" }));

    jest.setSystemTime(new Date("2025-01-01T00:00:09Z"));
    await expect(secrets.get("github_token")).resolves.toBe(GITHUB_TOKEN);
    expect(sm.callCount("GetSecretValue")).toBe(1);

    jest.setSystemTime(new Date("2025-01-01T00:00:11Z"));
    await expect(secrets.get("github_token")).resolves.toBe("fake-gh-token-rotated-9a0c");
    expect(sm.callCount("GetSecretValue")).toBe(2);
  });

  test("keeps values for 5 minutes by default", async () => {
    fakeClock();
    const secrets = notifierLoader();
    await secrets.getAll();

    jest.setSystemTime(new Date("2025-01-01T00:04:59Z"));
    await secrets.getAll();
    expect(sm.callCount("GetSecretValue")).toBe(1);

    jest.setSystemTime(new Date("2025-01-01T00:05:01Z"));
    await secrets.getAll();
    expect(sm.callCount("GetSecretValue")).toBe(2);
  });

  test("fetches on every call when the time-to-live is 0", async () => {
    const secrets = notifierLoader({ env: { ...env, SECRETS_CACHE_TTL_SECONDS: "0" } });

    for (let i = 0; i < 3; i++) await secrets.getAll();

    expect(sm.callCount("GetSecretValue")).toBe(3);
  });

  test("fetches again after a failed fetch instead of caching the failure", async () => {
    sm.failNext("GetSecretValue", faults.accessDeniedByIam());
    const secrets = notifierLoader();

    await expect(secrets.getAll()).rejects.toThrow(SecretAccessDeniedError);
    await expect(secrets.getAll()).resolves.toEqual(VALUES);
    expect(sm.callCount("GetSecretValue")).toBe(2);
  });
});

describe("errors", () => {
  test("names a secret that does not exist (ResourceNotFoundException)", async () => {
    const missing = { ...env, [SECRET_ID_ENV_VAR]: "notifier-dev/nope" };

    const error = await failure(notifierLoader({ env: missing }).get("github_token"));

    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error).toMatchObject({
      secretName: "github_token",
      parameterName: "notifier-dev/nope",
      secretId: "notifier-dev/nope",
    });
    expect((error as Error).message).toBe(
      "Secrets Manager secret notifier-dev/nope of secret github_token does not exist: check that the stack that creates it was applied in this account and region",
    );
    expectNoValues(error);
  });

  test("names a declared secret missing from the JSON and how to set it, and still hands out the others", async () => {
    sm.putSecretValue(SECRET_ID, JSON.stringify({ github_token: GITHUB_TOKEN }));
    const secrets = notifierLoader();

    const error = await failure(secrets.getAll());

    expect(error).toBeInstanceOf(SecretKeyMissingError);
    expect(error).toMatchObject({
      name: "SecretKeyMissingError",
      secretName: "slack_webhook_url",
      secretId: SECRET_ID,
    });
    expect((error as Error).message).toContain(`Secrets Manager secret ${SECRET_ID} has no key slack_webhook_url`);
    expect((error as Error).message).toContain("npx --no secure-lambda set <stack> notifier-dev slack_webhook_url");
    expectNoValues(error);
    await expect(secrets.get("github_token")).resolves.toBe(GITHUB_TOKEN);
  });

  test("refuses a key still holding the placeholder, naming the key and the command that sets it", async () => {
    sm.putSecretValue(SECRET_ID, placeholderSecretJson(["github_token", "slack_webhook_url"]));

    const error = await failure(notifierLoader().get("github_token"));

    expect(error).toBeInstanceOf(SecretNotSetError);
    expect(error).toMatchObject({ secretName: "github_token", parameterName: SECRET_ID, secretId: SECRET_ID });
    expect((error as Error).message).toBe(
      `secret github_token was never set: key github_token of Secrets Manager secret ${SECRET_ID} still holds the placeholder it was created with. ` +
        "Set it with: npx --no secure-lambda set <stack> notifier-dev github_token",
    );
    expectNoValues(error, [PLACEHOLDER_VALUE]);
  });

  test("picks up a value set after the placeholder was seen, without waiting for the TTL", async () => {
    sm.putSecretValue(SECRET_ID, placeholderSecretJson(["github_token", "slack_webhook_url"]));
    const secrets = notifierLoader();
    await expect(secrets.get("github_token")).rejects.toThrow(SecretNotSetError);

    sm.putSecretValue(SECRET_ID, JSON.stringify(VALUES));

    await expect(secrets.get("github_token")).resolves.toBe(GITHUB_TOKEN);
  });

  test.each([
    // JSON.parse quotes a short text whole in its message: a secret stored as plain text.
    ["a plain-text value", "fake-pw-9", "invalid-json", undefined],
    ["text that is not JSON", `not json ${GITHUB_TOKEN}`, "invalid-json", undefined],
    ["truncated JSON", `{"github_token":"${GITHUB_TOKEN}"`, "invalid-json", undefined],
    ["a JSON array", `["${GITHUB_TOKEN}"]`, "not-an-object", undefined],
    ["a JSON string", `"${GITHUB_TOKEN}"`, "not-an-object", undefined],
    ["JSON null", "null", "not-an-object", undefined],
    [
      "a key that is not a string",
      `{"github_token":["${GITHUB_TOKEN}"],"slack_webhook_url":"${WEBHOOK}"}`,
      "not-a-string",
      "github_token",
    ],
  ])("refuses %s as SecretFormatError without quoting it", async (_, secretString, problem, secretName) => {
    sm.putSecretValue(SECRET_ID, secretString);

    const error = await failure(notifierLoader().getAll());

    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error).toMatchObject({ name: "SecretFormatError", secretId: SECRET_ID, problem, secretName });
    expect((error as Error).message).toContain("must be a JSON object with one string per secret name");
    expectNoValues(error, [GITHUB_TOKEN, WEBHOOK, "fake-pw-9"]);
  });

  test("reports an IAM refusal as denied by IAM, naming the secret and the action to allow", async () => {
    sm.failNext("GetSecretValue", faults.accessDeniedByIam());

    const error = await failure(notifierLoader().getAll());

    expect(error).toBeInstanceOf(SecretAccessDeniedError);
    expect(error).toMatchObject({
      deniedBy: "iam",
      awsErrorName: "AccessDeniedException",
      parameterNames: [SECRET_ID],
      secretId: SECRET_ID,
    });
    expect((error as Error).message).toBe(
      `access denied reading Secrets Manager secret ${SECRET_ID} (AccessDeniedException): the execution role must allow secretsmanager:GetSecretValue on it`,
    );
    expectNoValues(error);
  });

  // A secret or parameter named by ARN may be another account's: the refusal names the other side of the grant too.
  test.each([
    ["iam", "secretsmanager", "its resource policy there must allow the role too"],
    ["kms", "secretsmanager", "both its key policy there and the role must allow it"],
    ["iam", "ssm", "its RAM share must include this account too"],
    ["kms", "ssm", "both its key policy there and the role must allow it"],
  ] as const)("a %s refusal of a %s name given by ARN names the other account's side", (deniedBy, store, side) => {
    const arn =
      store === "ssm"
        ? "arn:aws:ssm:us-east-1:210987654321:parameter/shared/token"
        : "arn:aws:secretsmanager:us-east-1:210987654321:secret:shared-AbCdEf";
    const byArn = new SecretAccessDeniedError([arn], deniedBy, "AccessDeniedException", store);
    const byName = new SecretAccessDeniedError(["/own/token"], deniedBy, "AccessDeniedException", store);
    expect(byArn.message).toContain(side);
    expect(byName.message).not.toContain("another account");
  });

  test.each([
    ["an AccessDeniedException about KMS", faults.accessDeniedByKms(), "AccessDeniedException"],
    [
      "an AccessDeniedException naming kms:Decrypt",
      {
        code: "AccessDeniedException",
        message: "User is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:0:key/k",
      },
      "AccessDeniedException",
    ],
    ["a DecryptionFailure", faults.decryptionFailure(), "DecryptionFailure"],
  ])("reports %s as denied by KMS, not IAM", async (_, fault, code) => {
    sm.failNext("GetSecretValue", fault);

    const error = await failure(notifierLoader().getAll());

    expect(error).toBeInstanceOf(SecretAccessDeniedError);
    expect(error).toMatchObject({
      deniedBy: "kms",
      awsErrorName: code,
      parameterNames: [SECRET_ID],
      secretId: SECRET_ID,
    });
    expect((error as Error).message).toContain(`KMS refused to decrypt Secrets Manager secret ${SECRET_ID}`);
    expectNoValues(error);
  });

  test("retries a ThrottlingException with backoff and then succeeds", async () => {
    sm.failNext("GetSecretValue", faults.throttling(2));

    await expect(notifierLoader().getAll()).resolves.toEqual(VALUES);
    expect(sm.callCount("GetSecretValue")).toBe(3);
  });

  test("gives up after AWS_MAX_ATTEMPTS throttled attempts with SecretsThrottledError", async () => {
    process.env.AWS_MAX_ATTEMPTS = "2";
    sm.failNext("GetSecretValue", faults.throttling(5));

    const error = await failure(notifierLoader().getAll());

    expect(error).toBeInstanceOf(SecretsThrottledError);
    expect(error).toMatchObject({ attempts: 2, parameterNames: [SECRET_ID], secretId: SECRET_ID });
    expect((error as Error).message).toContain(`Secrets Manager throttled the request for secret ${SECRET_ID} 2 times`);
    expect(sm.callCount("GetSecretValue")).toBe(2);
    expectNoValues(error);
  });

  test("reports any other failure as SecretsFetchError, named by its AWS error code", async () => {
    sm.failNext("GetSecretValue", {
      code: "InvalidRequestException",
      message: "You can't perform this operation on the secret because it was marked for deletion.",
    });

    const error = await failure(notifierLoader().getAll());

    expect(error).toBeInstanceOf(SecretsFetchError);
    expect(error).toMatchObject({
      awsErrorName: "InvalidRequestException",
      parameterNames: [SECRET_ID],
      secretId: SECRET_ID,
    });
    expect((error as Error).message).toBe(
      `could not fetch Secrets Manager secret ${SECRET_ID}: InvalidRequestException`,
    );
    expectNoValues(error);
  });

  test.each([
    ["an IAM", { ...faults.accessDeniedByIam(), message: `not authorized near ${GITHUB_TOKEN}` }],
    ["a KMS", { ...faults.accessDeniedByKms(), message: `Access to KMS is not allowed near ${GITHUB_TOKEN}` }],
    ["a throttling", { ...faults.throttling(3), message: `Rate exceeded near ${GITHUB_TOKEN}` }],
    ["any other", { code: "InvalidRequestException", message: `failed near ${GITHUB_TOKEN}` }],
  ])("keeps nothing of %s error whose message echoes a value", async (_, fault) => {
    // Three throttled attempts, then the error: not the whole budget.
    process.env.AWS_MAX_ATTEMPTS = "3";
    sm.failNext("GetSecretValue", fault);

    const error = await failure(notifierLoader().getAll());

    expectNoValues(error);
  });
});

describe("store choice", () => {
  let ssm: SsmServer;

  beforeEach(async () => {
    ssm = await startSsmServer();
    ssm.putParameter("/notifier-dev/github_token", "fake-gh-token-from-ssm-44b1");
    process.env.AWS_ENDPOINT_URL_SSM = ssm.url;
  });

  afterEach(async () => {
    await ssm.close();
  });

  const clients = () => ({ send: viaNetwork });

  test("reads SSM, and never Secrets Manager, when SECRETS_MANAGER_SECRET_ID is not set", async () => {
    const secrets = createSecretsLoader(["github_token"], {
      ...clients(),
      env: { GITHUB_TOKEN_PARAM_NAME: "/notifier-dev/github_token" },
    });

    await expect(secrets.get("github_token")).resolves.toBe("fake-gh-token-from-ssm-44b1");
    expect(ssm.calls.map((call) => [call.action, call.request])).toEqual([
      ["GetParameters", { Names: ["/notifier-dev/github_token"], WithDecryption: true }],
    ]);
    expect(sm.calls).toHaveLength(0);
  });

  test("reads Secrets Manager, and never SSM, when SECRETS_MANAGER_SECRET_ID is set, even beside _PARAM_NAME variables", async () => {
    const secrets = createSecretsLoader(["github_token"], {
      ...clients(),
      env: { ...env, GITHUB_TOKEN_PARAM_NAME: "/notifier-dev/github_token" },
    });

    await expect(secrets.get("github_token")).resolves.toBe(GITHUB_TOKEN);
    expect(sm.callCount("GetSecretValue")).toBe(1);
    expect(ssm.calls).toHaveLength(0);
  });
});
