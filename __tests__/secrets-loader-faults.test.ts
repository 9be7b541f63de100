/**
 * The loader under injected faults, over real sockets against the loopback SSM: every read
 * ends within its budget with a typed error that says what to check, or with the value
 * when a retry or the last good value can give it; no value reaches an error or a log.
 *
 * Budgets are short (1.5 to 2.5 s) to keep the suite quick; the loader's arithmetic is the
 * same at 9 s. Elapsed times are checked against the budget only, with a second of slack
 * for a busy machine: how fast the loader is, is the bench's to measure.
 */
import { PLACEHOLDER_VALUE } from "../common/naming";
import {
  createSecretsLoader,
  type InvocationContext,
  SecretAccessDeniedError,
  SecretNotSetError,
  type SecretsError,
  SecretsFetchError,
  SecretsThrottledError,
  SecretsUnreachableError,
  type SecretsLoaderOptions,
} from "../lambda-src/secrets";
import { sendHttp } from "../lambda-src/secrets/http-send";
import { refusingUrl } from "./helpers/loopback";
import { useOfflineAws } from "./helpers/offline-aws";
import { capturePrinted, everythingPrintable } from "./helpers/printed";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";

const TOKEN = "fake-gh-token-faults-3e8d";
const TOKEN_ROTATED = "fake-gh-token-faults-rotated-71ac";
const PARAMETER = "/fn/github_token";
const env = { GITHUB_TOKEN_PARAM_NAME: PARAMETER, AWS_LAMBDA_FUNCTION_NAME: "fn" };
const saved = { ...process.env };
/** A second of slack over the budget for a busy machine. */
const SLACK_MS = 1000;

let ssm: SsmServer;
let printed: ReturnType<typeof capturePrinted>;
/** How far the loader's clock (Date.now) is ahead of the real one: moves a test past the TTL without waiting. */
let clockAhead = 0;

beforeEach(async () => {
  ssm = await startSsmServer();
  ssm.putParameter(PARAMETER, TOKEN);
  useOfflineAws({ AWS_ENDPOINT_URL_SSM: ssm.url });
  clockAhead = 0;
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, "now").mockImplementation(() => realNow() + clockAhead);
  printed = capturePrinted();
});

afterEach(async () => {
  printed.restore();
  jest.restoreAllMocks();
  process.env = { ...saved };
  await ssm.close();
  // Whatever a test did, nothing it printed holds a value.
  expect(printed.text()).not.toContain(TOKEN);
  expect(printed.text()).not.toContain(TOKEN_ROTATED);
});

/** A loader of its own (own cache, real sockets) with a budget of `timeoutMs`. */
function loader(options: SecretsLoaderOptions = {}) {
  return createSecretsLoader(["github_token"], { send: sendHttp, env, timeoutMs: 1200, ...options });
}

/** What a read gave (value or error) and how long it took, in ms. */
async function timed<T>(read: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = performance.now();
  try {
    const value = await read;
    return { value, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

/** The read failed with `type`, within `budgetMs`, and its error holds no value. */
function expectFailedWithin<E extends SecretsError>(
  outcome: { error?: unknown; ms: number },
  type: new (...args: never[]) => E,
  budgetMs: number,
): E {
  expect(outcome.error).toBeInstanceOf(type);
  expect(outcome.ms).toBeLessThan(budgetMs + SLACK_MS);
  expect(everythingPrintable(outcome.error)).not.toContain(TOKEN);
  return outcome.error as E;
}

describe("no answer", () => {
  test("an endpoint that accepts and never answers: SecretsUnreachableError within the budget, naming the endpoint and what to check", async () => {
    ssm.breakNext("GetParameters", { kind: "never-answers", times: Number.POSITIVE_INFINITY });

    const error = expectFailedWithin(
      await timed(loader({ timeoutMs: 2500 }).get("github_token")),
      SecretsUnreachableError,
      2500,
    );

    expect(error).toMatchObject({
      endpoint: ssm.url,
      lastError: "ETIMEDOUT",
      budgetMs: 2500,
      parameterNames: [PARAMETER],
    });
    // Each attempt gets a third of the budget (at least 1 s): a lost connection leaves room for another.
    expect(error.attempts).toBeGreaterThanOrEqual(2);
    expect(error.message).toContain(`could not reach SSM at ${ssm.url}`);
    expect(error.message).toMatch(/SecretsEndpoints or a NAT gateway/);
  });

  test("a refused connection: retried until the budget runs out, then SecretsUnreachableError with ECONNREFUSED", async () => {
    const refused = await refusingUrl();
    process.env.AWS_ENDPOINT_URL_SSM = refused;

    const error = expectFailedWithin(
      await timed(loader({ timeoutMs: 1500 }).get("github_token")),
      SecretsUnreachableError,
      1500,
    );

    expect(error).toMatchObject({ endpoint: refused, lastError: "ECONNREFUSED" });
    expect(error.attempts).toBeGreaterThan(3);
  });

  test("a connection reset mid-answer is retried, and the next answer is served", async () => {
    ssm.breakNext("GetParameters", { kind: "reset-mid-answer" });

    await expect(loader().get("github_token")).resolves.toBe(TOKEN);
    expect(ssm.callCount("GetParameters")).toBe(2);
  });

  test("connections reset mid-answer until the budget runs out: SecretsUnreachableError with ECONNRESET", async () => {
    ssm.breakNext("GetParameters", { kind: "reset-mid-answer", times: Number.POSITIVE_INFINITY });

    const error = expectFailedWithin(
      await timed(loader({ timeoutMs: 1500 }).get("github_token")),
      SecretsUnreachableError,
      1500,
    );

    expect(error.lastError).toBe("ECONNRESET");
  });

  test("answers that stop half-way and never end: SecretsUnreachableError with ETIMEDOUT within the budget", async () => {
    ssm.breakNext("GetParameters", { kind: "stall-mid-answer", times: Number.POSITIVE_INFINITY });

    const error = expectFailedWithin(
      await timed(loader({ timeoutMs: 1500 }).get("github_token")),
      SecretsUnreachableError,
      1500,
    );

    expect(error.lastError).toBe("ETIMEDOUT");
  });

  test("a slow answer inside the attempt's timeout is served by its one call", async () => {
    ssm.breakNext("GetParameters", { kind: "slow", ms: 400 });

    await expect(loader().get("github_token")).resolves.toBe(TOKEN);
    expect(ssm.callCount("GetParameters")).toBe(1);
  });

  test("answers slower than the budget: SecretsUnreachableError with ETIMEDOUT within the budget", async () => {
    ssm.breakNext("GetParameters", { kind: "slow", ms: 4000, times: Number.POSITIVE_INFINITY });

    const error = expectFailedWithin(
      await timed(loader({ timeoutMs: 1500 }).get("github_token")),
      SecretsUnreachableError,
      1500,
    );

    expect(error.lastError).toBe("ETIMEDOUT");
  });

  test("the Lambda context shortens the budget to the invocation's remaining time, less the margin", async () => {
    ssm.breakNext("GetParameters", { kind: "never-answers", times: Number.POSITIVE_INFINITY });
    // 1.6 s left: half of it for the read (the margin is a tenth, at least 1 s, at most half).
    const context: InvocationContext = { getRemainingTimeInMillis: () => 1600 };

    const error = expectFailedWithin(
      await timed(loader({ timeoutMs: 9000 }).get("github_token", context)),
      SecretsUnreachableError,
      800,
    );

    expect(error.budgetMs).toBeLessThanOrEqual(800);
  });

  test("takes the budget from SECRETS_LOADER_TIMEOUT_MS, which the construct sets", async () => {
    ssm.breakNext("GetParameters", { kind: "never-answers", times: Number.POSITIVE_INFINITY });
    const secrets = createSecretsLoader(["github_token"], {
      send: sendHttp,
      env: { ...env, SECRETS_LOADER_TIMEOUT_MS: "1200" },
    });

    const error = expectFailedWithin(await timed(secrets.get("github_token")), SecretsUnreachableError, 1200);

    expect(error.budgetMs).toBe(1200);
  });
});

describe("throttling", () => {
  test("throttling that lasts longer than the budget: SecretsThrottledError within it, after more attempts than a fixed count", async () => {
    ssm.failNext("GetParameters", { code: "ThrottlingException", message: "Rate exceeded", times: 10_000 });

    const error = expectFailedWithin(
      await timed(loader({ timeoutMs: 2000 }).get("github_token")),
      SecretsThrottledError,
      2000,
    );

    expect(error.attempts).toBeGreaterThan(3);
    expect(error.message).toContain("within 2000 ms");
  });

  test("throttling shorter than the budget: retried with backoff until it is served", async () => {
    ssm.failNext("GetParameters", { code: "ThrottlingException", message: "Rate exceeded", times: 3 });
    // Waits of a quarter of the ceiling: 125, 250 and 500 ms.
    jest.spyOn(Math, "random").mockReturnValue(0.25);

    await expect(loader({ timeoutMs: 9000 }).get("github_token")).resolves.toBe(TOKEN);
    expect(ssm.callCount("GetParameters")).toBe(4);
  });
});

describe("after the TTL", () => {
  /** A loader that read the value once; the clock then moves past its 60 s TTL. */
  async function warmLoaderPastTtl(options: SecretsLoaderOptions = {}) {
    const secrets = loader({ ttlSeconds: 60, ...options });
    await expect(secrets.get("github_token")).resolves.toBe(TOKEN);
    clockAhead = 61_000;
    ssm.resetCalls();
    return secrets;
  }

  test("a 5xx serves the last good value, with one warning line naming the parameter and no value", async () => {
    // A budget of 5 s, of which the refresh gets 1 s: it has a value to fall back on.
    const secrets = await warmLoaderPastTtl({ timeoutMs: 5000 });
    ssm.failNext("GetParameters", { code: "InternalServerError", message: "boom", status: 500, times: 10_000 });

    const outcome = await timed(secrets.get("github_token"));

    expect(outcome.value).toBe(TOKEN);
    // A refresh with a fallback gets at most 1 s of the budget.
    expect(outcome.ms).toBeLessThan(1000 + SLACK_MS);
    expect(printed.warnings()).toHaveLength(1);
    expect(printed.warnings()[0]).toMatch(
      new RegExp(`last good values of SSM parameters ${PARAMETER}, fetched 6\\d s ago.*SecretsFetchError`),
    );
    // The failed refresh holds the value for a while: the next invocations make no call.
    const calls = ssm.callCount("GetParameters");
    await expect(secrets.get("github_token")).resolves.toBe(TOKEN);
    expect(ssm.callCount("GetParameters")).toBe(calls);
  });

  test("a refresh that was throttled or found no route serves the last good value too", async () => {
    const secrets = await warmLoaderPastTtl();
    ssm.failNext("GetParameters", { code: "ThrottlingException", message: "Rate exceeded", times: 10_000 });
    await expect(secrets.get("github_token")).resolves.toBe(TOKEN);

    clockAhead += 11_000;
    process.env.AWS_ENDPOINT_URL_SSM = await refusingUrl();
    await expect(secrets.get("github_token")).resolves.toBe(TOKEN);
    expect(printed.warnings().map((line) => /failed \((\w+)\)/.exec(line)?.[1])).toEqual([
      "SecretsThrottledError",
      "SecretsUnreachableError",
    ]);
  });

  test("the last good value is served no longer than the stale window", async () => {
    const secrets = await warmLoaderPastTtl({ staleIfErrorSeconds: 30 });
    ssm.failNext("GetParameters", { code: "InternalServerError", message: "boom", status: 500, times: 10_000 });
    await expect(secrets.get("github_token")).resolves.toBe(TOKEN);

    clockAhead = 91_000;
    const error = expectFailedWithin(await timed(secrets.get("github_token")), SecretsFetchError, 1200);
    expect(error).toMatchObject({ awsErrorName: "InternalServerError", transient: true });
  });

  test("a denial is not masked: SecretAccessDeniedError, and no later failure serves the old value", async () => {
    const secrets = await warmLoaderPastTtl();
    ssm.failNext("GetParameters", {
      code: "AccessDeniedException",
      message: "not authorized to perform: ssm:GetParameters",
    });

    expectFailedWithin(await timed(secrets.get("github_token")), SecretAccessDeniedError, 1200);

    ssm.failNext("GetParameters", { code: "InternalServerError", message: "boom", status: 500, times: 10_000 });
    expectFailedWithin(await timed(secrets.get("github_token")), SecretsFetchError, 1200);
    expect(printed.warnings()).toEqual([]);
  });

  test("a KMS refusal is not masked either", async () => {
    const secrets = await warmLoaderPastTtl();
    ssm.failNext("GetParameters", { code: "KMSAccessDeniedException", message: "key not usable" });

    const error = expectFailedWithin(await timed(secrets.get("github_token")), SecretAccessDeniedError, 1200);
    expect(error.deniedBy).toBe("kms");
  });

  test("a value that became the placeholder is not masked: SecretNotSetError, and no later failure serves the old value", async () => {
    const secrets = await warmLoaderPastTtl();
    ssm.putParameter(PARAMETER, PLACEHOLDER_VALUE);

    await expect(secrets.get("github_token")).rejects.toThrow(SecretNotSetError);

    ssm.failNext("GetParameters", { code: "ThrottlingException", message: "Rate exceeded", times: 10_000 });
    expectFailedWithin(await timed(secrets.get("github_token")), SecretsThrottledError, 1200);
  });

  test("a loader with a TTL of 0 never reads the values another loader of the environment holds after a failed refresh", async () => {
    // A fresh module registry: a new execution environment, whose loaders share one cache.
    let runtime!: typeof import("../lambda-src/secrets");
    jest.isolateModules(() => {
      runtime = require("../lambda-src/secrets") as typeof import("../lambda-src/secrets");
    });
    const cached = runtime.createSecretsLoader(["github_token"], { env, ttlSeconds: 60, timeoutMs: 1200 });
    await cached.get("github_token");
    clockAhead = 61_000;
    ssm.failNext("GetParameters", { code: "InternalServerError", message: "boom", status: 500, times: 10_000 });
    await expect(cached.get("github_token")).resolves.toBe(TOKEN);

    const uncached = runtime.createSecretsLoader(["github_token"], { env, ttlSeconds: 0, timeoutMs: 1200 });

    await expect(uncached.get("github_token")).rejects.toThrow(runtime.SecretsFetchError);
  });

  test("with staleIfErrorSeconds 0 a failed refresh is an error at once", async () => {
    const secrets = await warmLoaderPastTtl({ staleIfErrorSeconds: 0 });
    ssm.failNext("GetParameters", { code: "InternalServerError", message: "boom", status: 500, times: 10_000 });

    expectFailedWithin(await timed(secrets.get("github_token")), SecretsFetchError, 1200);
  });
});

describe("refresh on rejection", () => {
  test("reads the rotated value inside the TTL, in one call shared by concurrent refreshes", async () => {
    const secrets = loader();
    await secrets.get("github_token");
    ssm.putParameter(PARAMETER, TOKEN_ROTATED);
    ssm.resetCalls();

    const refreshed = await Promise.all([secrets.refresh(), secrets.refresh(), secrets.refresh()]);

    expect(refreshed.map((values) => values.github_token)).toEqual([TOKEN_ROTATED, TOKEN_ROTATED, TOKEN_ROTATED]);
    expect(ssm.callCount("GetParameters")).toBe(1);
    // The fresh value is cached: the next get makes no call.
    await expect(secrets.get("github_token")).resolves.toBe(TOKEN_ROTATED);
    expect(ssm.callCount("GetParameters")).toBe(1);
  });

  test("a downstream that keeps rejecting makes at most one forced read per interval", async () => {
    const secrets = loader({ minRefreshIntervalSeconds: 30 });
    await secrets.get("github_token");
    ssm.resetCalls();

    for (let i = 0; i < 20; i++) await secrets.refresh();
    expect(ssm.callCount("GetParameters")).toBe(1);

    clockAhead = 31_000;
    for (let i = 0; i < 20; i++) await secrets.refresh();
    expect(ssm.callCount("GetParameters")).toBe(2);
  });

  test("a forced read that fails is thrown, never answered with the old value, and keeps it for later reads", async () => {
    const secrets = loader();
    await secrets.get("github_token");
    ssm.failNext("GetParameters", { code: "ThrottlingException", message: "Rate exceeded", times: 10_000 });

    expectFailedWithin(await timed(secrets.refresh()), SecretsThrottledError, 1200);

    await expect(secrets.get("github_token")).resolves.toBe(TOKEN);
  });
});
