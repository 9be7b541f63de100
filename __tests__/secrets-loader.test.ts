/**
 * The loader against SSM, each answer scripted: an in-process fake answers the loader's
 * signed GetParameters requests (fake-aws-send.ts), through the loader's `send` option.
 */
import * as fc from "fast-check";
import { PLACEHOLDER_VALUE } from "../common/naming";
import {
  createSecretsLoader,
  MissingParamNameVariableError,
  SecretAccessDeniedError,
  SecretNotFoundError,
  SecretNotSetError,
  SecretsConfigError,
  SecretsError,
  SecretsFetchError,
  SecretsThrottledError,
  type SecretsLoaderOptions,
} from "../lambda-src/secrets";
import { FakeAwsError, fakeAwsService, type FakeHandler } from "./helpers/fake-aws-send";
import { useOfflineAws } from "./helpers/offline-aws";
import { capturePrinted, everythingPrintable } from "./helpers/printed";

const ssm = fakeAwsService({ targetPrefix: "AmazonSSM", signingName: "ssm", handler: answerFromStore });
const saved = { ...process.env };
const GITHUB_TOKEN = "fake-gh-token-unit-7f3a";
const WEBHOOK = "https://hooks.example.invalid/services/fake-slack-hook-unit-91c2";

/** The parameters the mocked SSM holds, by name. */
let store: Map<string, string>;

/** Answers GetParameters from `store`, like SSM. */
function answerFromStore(_action: string, input: Record<string, unknown>): Record<string, unknown> {
  const names = (input.Names ?? []) as string[];
  return {
    Parameters: names
      .filter((n) => store.has(n))
      .map((n) => ({ Name: n, Type: "SecureString", Value: store.get(n), Version: 1 })),
    InvalidParameters: names.filter((n) => !store.has(n)),
  };
}

/** An error answer of SSM (HTTP 400), whose body echoes `echo` besides the message. */
function sdkError(name: string, message: string, echo = ""): FakeAwsError {
  return new FakeAwsError(name, message, 400, { echo });
}

/** Answers every call with `error`. */
function rejects(error: FakeAwsError): FakeHandler {
  return () => {
    throw error;
  };
}

const env = {
  AWS_LAMBDA_FUNCTION_NAME: "notifier-dev",
  GITHUB_TOKEN_PARAM_NAME: "/notifier-dev/github_token",
  SLACK_WEBHOOK_URL_PARAM_NAME: "/notifier-dev/slack_webhook_url",
};

function notifierLoader(options: SecretsLoaderOptions = {}) {
  return createSecretsLoader(["github_token", "slack_webhook_url"], { send: ssm.send, env, ...options });
}

function getParametersCalls() {
  return ssm.calls
    .filter((call) => call.action === "GetParameters")
    .map((call) => call.request as { Names?: string[]; WithDecryption?: boolean });
}

/** Forgets the recorded calls and answers from `store` again. */
function resetSsm(): void {
  ssm.calls.length = 0;
  ssm.handler = answerFromStore;
}

beforeEach(() => {
  resetSsm();
  store = new Map([
    ["/notifier-dev/github_token", GITHUB_TOKEN],
    ["/notifier-dev/slack_webhook_url", WEBHOOK],
  ]);
  // Region and the tests' credentials, as Lambda sets them.
  useOfflineAws({});
  // No wait between retries here: the backoff itself is specified in secrets-aws-json.test.ts.
  jest.spyOn(Math, "random").mockReturnValue(0);
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
  process.env = { ...saved };
});

describe("fetching", () => {
  test("reads each secret from the parameter its <SECRET>_PARAM_NAME variable names, decrypted, in one call", async () => {
    const secrets = notifierLoader();

    await expect(secrets.getAll()).resolves.toEqual({ github_token: GITHUB_TOKEN, slack_webhook_url: WEBHOOK });
    await expect(secrets.get("slack_webhook_url")).resolves.toBe(WEBHOOK);
    expect(getParametersCalls()).toEqual([
      { Names: ["/notifier-dev/github_token", "/notifier-dev/slack_webhook_url"], WithDecryption: true },
    ]);
  });

  test("fetches more than 10 secrets in ceil(n/10) calls of at most 10 names, all started before any answers", async () => {
    const names = Array.from({ length: 23 }, (_, i) => `secret_${String(i).padStart(2, "0")}`);
    const manyEnv = Object.fromEntries(names.map((n) => [`${n.toUpperCase()}_PARAM_NAME`, `/many/${n}`]));
    for (const n of names) store.set(`/many/${n}`, `fake-value-${n}`);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    ssm.handler = async (action, input) => {
      started += 1;
      await gate;
      return answerFromStore(action, input);
    };
    const secrets = createSecretsLoader(names, { send: ssm.send, env: manyEnv });

    const all = secrets.getAll();
    // Give the three requests time to arrive, none answered yet.
    for (let i = 0; i < 200 && started < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(started).toBe(3);
    release();

    const values = await all;
    expect(Object.keys(values)).toHaveLength(23);
    expect(values.secret_22).toBe("fake-value-secret_22");
    // The three calls are signed and sent concurrently: they may arrive in any order.
    const sizes = getParametersCalls().map((input) => input.Names?.length ?? 0);
    expect(sizes.sort((a, b) => b - a)).toEqual([10, 10, 3]);
    expect(new Set(getParametersCalls().flatMap((input) => input.Names))).toEqual(new Set(Object.values(manyEnv)));
  });

  test("makes no call when the loader has no secrets", async () => {
    const secrets = createSecretsLoader([], { send: ssm.send, env: {} });

    await expect(secrets.getAll()).resolves.toEqual({});
    expect(getParametersCalls()).toHaveLength(0);
  });
});

describe("caching", () => {
  test("serves 100 warm invocations from the cache with no further SSM call", async () => {
    const secrets = notifierLoader();

    for (let i = 0; i < 100; i++) await secrets.getAll();

    expect(getParametersCalls()).toHaveLength(1);
  });

  test("shares one in-flight fetch between concurrent first calls", async () => {
    const secrets = notifierLoader();

    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => secrets.get("github_token")),
      secrets.getAll(),
    ]);

    expect(results.slice(0, 20)).toEqual(Array(20).fill(GITHUB_TOKEN));
    expect(getParametersCalls()).toHaveLength(1);
  });

  test("keeps values for 5 minutes by default, then fetches the new values", async () => {
    jest.useFakeTimers({
      now: new Date("2025-01-01T00:00:00Z"),
      doNotFake: ["setImmediate", "nextTick", "queueMicrotask"],
    });
    const secrets = notifierLoader();
    await secrets.getAll();
    store.set("/notifier-dev/github_token", "fake-gh-token-rotated-2b9e");

    jest.advanceTimersByTime(299_000);
    await expect(secrets.get("github_token")).resolves.toBe(GITHUB_TOKEN);
    expect(getParametersCalls()).toHaveLength(1);

    jest.advanceTimersByTime(2_000);
    await expect(secrets.get("github_token")).resolves.toBe("fake-gh-token-rotated-2b9e");
    expect(getParametersCalls()).toHaveLength(2);
  });

  test("takes the time-to-live from SECRETS_CACHE_TTL_SECONDS", async () => {
    jest.useFakeTimers({
      now: new Date("2025-01-01T00:00:00Z"),
      doNotFake: ["setImmediate", "nextTick", "queueMicrotask"],
    });
    const secrets = notifierLoader({ env: { ...env, SECRETS_CACHE_TTL_SECONDS: "10" } });
    await secrets.getAll();

    jest.advanceTimersByTime(9_000);
    await secrets.getAll();
    expect(getParametersCalls()).toHaveLength(1);

    jest.advanceTimersByTime(2_000);
    await secrets.getAll();
    expect(getParametersCalls()).toHaveLength(2);
  });

  test("fetches on every call when the time-to-live is 0", async () => {
    const secrets = notifierLoader({ ttlSeconds: 0 });

    for (let i = 0; i < 3; i++) await secrets.getAll();

    expect(getParametersCalls()).toHaveLength(3);
  });

  test("refuses a time-to-live that is not a number of seconds, naming the variable", () => {
    const create = () => notifierLoader({ env: { ...env, SECRETS_CACHE_TTL_SECONDS: "five minutes" } });

    expect(create).toThrow(SecretsConfigError);
    expect(create).toThrow(/SECRETS_CACHE_TTL_SECONDS="five minutes"/);
  });

  test("fetches again after a failed fetch instead of caching the failure", async () => {
    ssm.handler = () => {
      ssm.handler = answerFromStore;
      throw sdkError("InternalServerError", "boom");
    };
    const secrets = notifierLoader();

    await expect(secrets.getAll()).rejects.toThrow(SecretsFetchError);
    await expect(secrets.getAll()).resolves.toEqual({ github_token: GITHUB_TOKEN, slack_webhook_url: WEBHOOK });
    expect(getParametersCalls()).toHaveLength(2);
  });
});

describe("errors", () => {
  test("names the missing _PARAM_NAME variable and makes no call", async () => {
    const secrets = notifierLoader({ env: { GITHUB_TOKEN_PARAM_NAME: "/notifier-dev/github_token" } });

    const error = await secrets.getAll().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MissingParamNameVariableError);
    expect(error).toMatchObject({ variable: "SLACK_WEBHOOK_URL_PARAM_NAME", secretName: "slack_webhook_url" });
    expect((error as Error).message).toContain("SLACK_WEBHOOK_URL_PARAM_NAME");
    expect(getParametersCalls()).toHaveLength(0);
  });

  test("names a parameter that does not exist", async () => {
    store.delete("/notifier-dev/slack_webhook_url");
    const secrets = notifierLoader();

    const error = await secrets.get("slack_webhook_url").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error).toMatchObject({ parameterName: "/notifier-dev/slack_webhook_url", secretName: "slack_webhook_url" });
    expect((error as Error).message).toContain("/notifier-dev/slack_webhook_url");
    await expect(secrets.get("github_token")).resolves.toBe(GITHUB_TOKEN);
  });

  test("refuses a value that is still the placeholder, naming the parameter and the command that sets it", async () => {
    store.set("/notifier-dev/github_token", PLACEHOLDER_VALUE);
    const secrets = notifierLoader();

    const error = await secrets.getAll().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretNotSetError);
    expect(error).toMatchObject({ parameterName: "/notifier-dev/github_token", secretName: "github_token" });
    expect((error as Error).message).toContain("was never set");
    expect((error as Error).message).toContain("npx --no secure-lambda set <stack> notifier-dev github_token");
    expect((error as Error).message).not.toContain(PLACEHOLDER_VALUE);
  });

  test("picks up a secret set after a placeholder was seen, without waiting for the TTL", async () => {
    store.set("/notifier-dev/github_token", PLACEHOLDER_VALUE);
    const secrets = notifierLoader();
    await expect(secrets.get("github_token")).rejects.toThrow(SecretNotSetError);

    store.set("/notifier-dev/github_token", GITHUB_TOKEN);

    await expect(secrets.get("github_token")).resolves.toBe(GITHUB_TOKEN);
  });

  test("hands out a set secret even when another secret of the function is still the placeholder", async () => {
    store.set("/notifier-dev/slack_webhook_url", PLACEHOLDER_VALUE);
    const secrets = notifierLoader();

    await expect(secrets.get("github_token")).resolves.toBe(GITHUB_TOKEN);
  });

  test("keeps no placeholder in the cache: a secret set while another was being read is seen at once", async () => {
    store.set("/notifier-dev/slack_webhook_url", PLACEHOLDER_VALUE);
    const secrets = notifierLoader();
    await expect(secrets.get("github_token")).resolves.toBe(GITHUB_TOKEN);

    store.set("/notifier-dev/slack_webhook_url", WEBHOOK);

    await expect(secrets.get("slack_webhook_url")).resolves.toBe(WEBHOOK);
  });

  test("reports an IAM AccessDeniedException as denied by IAM, naming the parameters", async () => {
    ssm.handler = rejects(
      sdkError(
        "AccessDeniedException",
        "User: arn:aws:sts::1:assumed-role/r is not authorized to perform: ssm:GetParameters",
      ),
    );

    const error = await notifierLoader()
      .getAll()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretAccessDeniedError);
    expect(error).toMatchObject({
      deniedBy: "iam",
      awsErrorName: "AccessDeniedException",
      parameterNames: [env.GITHUB_TOKEN_PARAM_NAME, env.SLACK_WEBHOOK_URL_PARAM_NAME],
    });
    expect((error as Error).message).toMatch(/ssm:GetParameters.*|access denied/);
  });

  test.each([
    ["KMSAccessDeniedException", "The ciphertext refers to a key that does not exist or you do not have access to"],
    ["KMSDisabledException", "key is disabled"],
    ["InvalidKeyId", "key is pending deletion"],
    [
      "AccessDeniedException",
      "User is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-1:1:key/k (Service: AWSKMS)",
    ],
  ])("reports %s as denied by KMS, not IAM", async (code, message) => {
    ssm.handler = rejects(sdkError(code, message));

    const error = await notifierLoader()
      .getAll()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretAccessDeniedError);
    expect(error).toMatchObject({ deniedBy: "kms", awsErrorName: code });
    expect((error as Error).message).toContain("KMS refused to decrypt");
  });

  test("reports throttling that outlasted the loader's budget as SecretsThrottledError, naming the parameters and the ways out", async () => {
    ssm.handler = rejects(sdkError("ThrottlingException", "Rate exceeded"));
    // Waits of half the ceiling: the budget, not a count, ends the retries.
    jest.spyOn(Math, "random").mockReturnValue(0.5);

    const error = await notifierLoader({ timeoutMs: 1500 })
      .getAll()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretsThrottledError);
    expect(error).toMatchObject({ parameterNames: [env.GITHUB_TOKEN_PARAM_NAME, env.SLACK_WEBHOOK_URL_PARAM_NAME] });
    expect((error as SecretsThrottledError).attempts).toBeGreaterThan(3);
    expect((error as Error).message).toMatch(
      /within 1500 ms.*40 calls per second.*higher throughput.*"secretsmanager"/,
    );
  });
});

describe("no value leaks", () => {
  test("errors are typed, carry parameter names only, and hold no AWS error", async () => {
    ssm.handler = rejects(sdkError("AccessDeniedException", "denied", GITHUB_TOKEN));

    const error = await notifierLoader()
      .getAll()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretsError);
    expect(Object.keys(error as object).sort()).toEqual(["awsErrorName", "deniedBy", "name", "parameterNames"]);
    expect((error as Error).cause).toBeUndefined();
  });

  test("no secret value reaches an error, its properties, or stdout/stderr/console, whatever fails", async () => {
    const printed = capturePrinted();
    // Two attempts of each failing call: what is printed, not the retries, is under test here.
    process.env.AWS_MAX_ATTEMPTS = "2";
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ minLength: 12, maxLength: 40 }).map((s) => `fake-${s}`),
          fc.constantFrom(
            "placeholder-other",
            "missing-other",
            "AccessDeniedException",
            "KMSAccessDeniedException",
            "ThrottlingException",
            "InternalServerError",
            "ok",
          ),
          async (value, scenario) => {
            resetSsm();
            store = new Map([
              ["/notifier-dev/github_token", value],
              ["/notifier-dev/slack_webhook_url", scenario === "placeholder-other" ? PLACEHOLDER_VALUE : WEBHOOK],
            ]);
            if (scenario === "missing-other") store.delete("/notifier-dev/slack_webhook_url");
            if (/Exception|Error$/.test(scenario))
              ssm.handler = rejects(sdkError(scenario, `failed near ${value}`, value));

            const error = await notifierLoader()
              .getAll()
              .then(
                () => undefined,
                (e: unknown) => e,
              );

            if (scenario === "ok") return expect(error).toBeUndefined();
            expect(error).toBeInstanceOf(SecretsError);
            expect(everythingPrintable(error)).not.toContain(value);
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      printed.restore();
    }
    expect(printed.text()).not.toContain("fake-");
    expect(printed.text()).not.toContain(GITHUB_TOKEN);
  });
});
