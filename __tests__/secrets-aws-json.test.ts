/**
 * The loader's one AWS call (aws-json.ts): what it signs and sends, and its retries:
 * throttling, 5xx and network failures are retried until the call's deadline (AWS_MAX_ATTEMPTS
 * caps them when set), each wait a uniformly random time below an exponential ceiling (full
 * jitter) and below the time left, every attempt with a timeout; any other error is final at once.
 * Time here is a virtual clock that the waits advance.
 */
import {
  AwsCallError,
  attemptTimeoutMs,
  callAwsJson,
  MAX_ATTEMPTS_WITHIN_BUDGET,
  retryDelayMs,
  type AwsCall,
  type AwsCallContext,
} from "../lambda-src/secrets/aws-json";
import { SECRETS_MANAGER, SSM } from "../lambda-src/secrets/endpoints";
import { type HttpResponse, SecretsConfigError, type Send } from "../lambda-src/secrets";
import { FakeAwsError, fakeAwsService, type FakeHandler } from "./helpers/fake-aws-send";

const AWS_ENV = { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };
const OK = { Parameters: [], InvalidParameters: ["/x"] };

/** Fails the first `times` calls with `error`, then answers OK. */
function failing(times: number, error: () => FakeAwsError): FakeHandler {
  let calls = 0;
  return () => {
    calls += 1;
    if (calls <= times) throw error();
    return OK;
  };
}

/** A virtual clock that starts at 0 and that the context's waits (and a stand-in's time) advance. */
function virtualClock() {
  let time = 0;
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/** A call of GetParameters with `budgetMs` on the virtual clock. */
function getParameters(budgetMs = 9000, deadlineFrom = 0): AwsCall {
  return {
    service: SSM,
    action: "GetParameters",
    request: { Names: ["/x"], WithDecryption: true },
    budget: { budgetMs, deadline: deadlineFrom + budgetMs },
  };
}

function setup(handler: FakeHandler, awsEnv: Record<string, string> = AWS_ENV, random = 0.5, budgetMs = 9000) {
  const ssm = fakeAwsService({ targetPrefix: "AmazonSSM", signingName: "ssm", handler });
  const clock = virtualClock();
  const waits: number[] = [];
  const context: AwsCallContext = {
    send: ssm.send,
    awsEnv,
    random: () => random,
    now: clock.now,
    sleep: async (ms) => {
      waits.push(ms);
      clock.advance(ms);
    },
  };
  const call = () => callAwsJson(getParameters(budgetMs), context);
  return { ssm, waits, call, context, clock };
}

/** A context whose requests go to `send`, with no waits. */
function sendingTo(send: Send, awsEnv: Record<string, string> = AWS_ENV): AwsCallContext {
  return { send, awsEnv, random: () => 0, sleep: async () => {} };
}

const throttling = () => new FakeAwsError("ThrottlingException", "Rate exceeded");

describe("the request", () => {
  test("is a signed JSON 1.1 POST to the service's regional endpoint, target and credential scope of the service", async () => {
    const ssm = fakeAwsService({ targetPrefix: "AmazonSSM", signingName: "ssm", handler: () => OK });

    await expect(callAwsJson({ ...getParameters(), request: { Names: ["/x"] } }, sendingTo(ssm.send))).resolves.toEqual(
      OK,
    );

    expect(ssm.calls[0]?.url).toBe("https://ssm.eu-west-1.amazonaws.com/");
    expect(ssm.calls[0]?.headers["x-amz-target"]).toBe("AmazonSSM.GetParameters");
    expect(ssm.calls[0]?.headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(ssm.calls[0]?.request).toEqual({ Names: ["/x"] });
    expect(ssm.calls[0]?.signature).toMatchObject({ region: "eu-west-1", service: "ssm", accessKeyId: "test" });
    // Every header it sets is signed: a proxy cannot swap the body's type or the target.
    expect(ssm.calls[0]?.signature.signedHeaders).toEqual(["content-type", "host", "x-amz-date", "x-amz-target"]);
  });

  test("goes below the path an endpoint variable carries, and signs the port in the host", async () => {
    const ssm = fakeAwsService({ targetPrefix: "AmazonSSM", signingName: "ssm", handler: () => OK });

    await callAwsJson(
      getParameters(),
      sendingTo(ssm.send, { ...AWS_ENV, AWS_ENDPOINT_URL_SSM: "http://127.0.0.1:4566/proxy/" }),
    );

    expect(ssm.calls[0]?.url).toBe("http://127.0.0.1:4566/proxy/");
    expect(ssm.calls[0]?.headers.host).toBe("127.0.0.1:4566");
  });

  test("signs for secretsmanager with its own target prefix", async () => {
    const sm = fakeAwsService({
      targetPrefix: "secretsmanager",
      signingName: "secretsmanager",
      handler: () => ({ SecretString: "{}" }),
    });

    await callAwsJson(
      {
        service: SECRETS_MANAGER,
        action: "GetSecretValue",
        request: { SecretId: "s" },
        budget: { budgetMs: 1000, deadline: Date.now() + 1000 },
      },
      sendingTo(sm.send),
    );

    expect(sm.calls.map((c) => [c.action, c.signature.service])).toEqual([["GetSecretValue", "secretsmanager"]]);
  });

  test.each(["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])(
    "without %s, refuses with SecretsConfigError naming it and sends nothing",
    async (name) => {
      const { call, ssm } = setup(() => OK, { ...AWS_ENV, [name]: "" });

      await expect(call()).rejects.toThrow(SecretsConfigError);
      await expect(call()).rejects.toThrow(name);
      expect(ssm.calls).toHaveLength(0);
    },
  );

  test("takes the region from AWS_DEFAULT_REGION when AWS_REGION is not set", async () => {
    const { call, ssm } = setup(() => OK, { ...AWS_ENV, AWS_REGION: "", AWS_DEFAULT_REGION: "us-west-2" });

    await call();
    expect(ssm.calls[0]?.signature.region).toBe("us-west-2");
  });
});

describe("retries", () => {
  test("the delay before retry n is below base * 2^n (500 ms base for throttling, 100 ms otherwise), at most 20 s and at most the time left", () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, true, 0.999999))).toEqual([499, 999, 1999, 3999]);
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, false, 0.999999))).toEqual([99, 199, 399, 799]);
    expect(retryDelayMs(3, true, 0.5)).toBe(2000);
    expect(retryDelayMs(0, true, 0)).toBe(0);
    expect(retryDelayMs(12, true, 0.999999)).toBe(19_999);
    expect(retryDelayMs(12, true, 0.5, 3000)).toBe(1500);
  });

  test("each attempt gets a third of the budget, between 1 and 5 s, and never more than is left", () => {
    expect(attemptTimeoutMs(9000, 9000)).toBe(3000);
    expect(attemptTimeoutMs(900_000, 900_000)).toBe(5000);
    expect(attemptTimeoutMs(1500, 1500)).toBe(1000);
    expect(attemptTimeoutMs(9000, 700)).toBe(700);
    expect(attemptTimeoutMs(9000, -5)).toBe(1);
  });

  test("retries throttling with growing, jittered waits and then succeeds", async () => {
    const { call, ssm, waits } = setup(failing(2, throttling));

    await expect(call()).resolves.toEqual(OK);
    expect(ssm.calls).toHaveLength(3);
    expect(waits).toEqual([250, 500]);
  });

  test("retries throttling until the deadline, not a fixed count, and gives up before it, reporting the attempts and the budget", async () => {
    const { call, ssm, waits, clock } = setup(failing(Number.POSITIVE_INFINITY, throttling), AWS_ENV, 0.5, 9000);

    const error = await call().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      name: "ThrottlingException",
      kind: "throttled",
      budgetMs: 9000,
      $metadata: { httpStatusCode: 400 },
    });
    // Waits of half the ceiling: 250, 500, 1000, then half of a quarter of the budget (2250 ms), the longest wait.
    expect(waits.slice(0, 5)).toEqual([250, 500, 1000, 1125, 1125]);
    expect(ssm.calls.length).toBeGreaterThan(3);
    expect((error as AwsCallError).$metadata.attempts).toBe(ssm.calls.length);
    expect(clock.now()).toBeLessThanOrEqual(9000);
    expect(clock.now()).toBeGreaterThan(8000);
  });

  test("makes at most AWS_MAX_ATTEMPTS attempts when it is set, and refuses a value that is not a whole number >= 1", async () => {
    const once = setup(failing(10, throttling), { ...AWS_ENV, AWS_MAX_ATTEMPTS: "1" });
    await expect(once.call()).rejects.toMatchObject({ $metadata: { attempts: 1 } });
    expect(once.ssm.calls).toHaveLength(1);

    const thrice = setup(failing(10, throttling), { ...AWS_ENV, AWS_MAX_ATTEMPTS: "3" });
    await expect(thrice.call()).rejects.toMatchObject({ $metadata: { attempts: 3 } });

    for (const bad of ["0", "2.5", "three"]) {
      await expect(setup(() => OK, { ...AWS_ENV, AWS_MAX_ATTEMPTS: bad }).call()).rejects.toThrow(
        /invalid AWS_MAX_ATTEMPTS/,
      );
    }
  });

  test(`bounds the attempts at ${MAX_ATTEMPTS_WITHIN_BUDGET} even when every attempt fails at once and no wait is drawn`, async () => {
    const { call, ssm } = setup(failing(Number.POSITIVE_INFINITY, throttling), AWS_ENV, 0);

    await expect(call()).rejects.toMatchObject({ $metadata: { attempts: MAX_ATTEMPTS_WITHIN_BUDGET } });
    expect(ssm.calls).toHaveLength(MAX_ATTEMPTS_WITHIN_BUDGET);
  });

  test(`caps AWS_MAX_ATTEMPTS at ${MAX_ATTEMPTS_WITHIN_BUDGET}: 150 gives ${MAX_ATTEMPTS_WITHIN_BUDGET} attempts`, async () => {
    const { call, ssm } = setup(
      failing(Number.POSITIVE_INFINITY, throttling),
      { ...AWS_ENV, AWS_MAX_ATTEMPTS: "150" },
      0,
    );

    await expect(call()).rejects.toMatchObject({ $metadata: { attempts: MAX_ATTEMPTS_WITHIN_BUDGET } });
    expect(ssm.calls).toHaveLength(MAX_ATTEMPTS_WITHIN_BUDGET);
  });

  test.each([
    ["HTTP 429", () => new FakeAwsError("TooManyRequests", "slow down", 429), 500],
    ["a 500 answer", () => new FakeAwsError("InternalServerError", "oops", 500), 100],
    ["a 503 answer", () => new FakeAwsError("ServiceUnavailable", "busy", 503), 100],
  ])("retries %s", async (_, error, base) => {
    const { call, ssm, waits } = setup(failing(1, error), AWS_ENV, 0.5);

    await expect(call()).resolves.toEqual(OK);
    expect(ssm.calls).toHaveLength(2);
    expect(waits).toEqual([base / 2]);
  });

  test.each([
    ["AccessDeniedException", 400],
    ["ValidationException", 400],
    ["InternalServerError", 400],
  ])("does not retry %s (HTTP %d)", async (code, status) => {
    const { call, ssm, waits } = setup(failing(1, () => new FakeAwsError(code, "no", status)));

    await expect(call()).rejects.toMatchObject({ name: code, kind: "final", $metadata: { attempts: 1 } });
    expect(ssm.calls).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  test("retries a network failure until the deadline, reporting it by the socket's code, the endpoint's origin and the attempt's timeout", async () => {
    const clock = virtualClock();
    const timeouts: number[] = [];
    const refused: Send = async (request) => {
      timeouts.push(request.timeoutMs);
      clock.advance(1);
      throw Object.assign(new Error("request failed: ECONNREFUSED"), { code: "ECONNREFUSED" });
    };
    const context: AwsCallContext = {
      send: refused,
      awsEnv: AWS_ENV,
      random: () => 0.5,
      now: clock.now,
      sleep: async (ms) => clock.advance(ms),
    };

    const error = await callAwsJson(getParameters(3000), context).catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: "ECONNREFUSED",
      kind: "network",
      endpoint: "https://ssm.eu-west-1.amazonaws.com",
      budgetMs: 3000,
    });
    expect((error as AwsCallError).$metadata.attempts).toBe(timeouts.length);
    expect(timeouts.length).toBeGreaterThan(3);
    expect(timeouts[0]).toBe(1000);
    expect(clock.now()).toBeLessThanOrEqual(3000);
  });

  test("an endpoint's user info never reaches the error", async () => {
    const refused: Send = async () => {
      throw Object.assign(new Error("x"), { code: "ECONNREFUSED" });
    };
    const error = await callAwsJson(
      getParameters(),
      sendingTo(refused, {
        ...AWS_ENV,
        AWS_MAX_ATTEMPTS: "1",
        AWS_ENDPOINT_URL_SSM: "http://user:fake-pass-9d2@127.0.0.1:9/",
      }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ endpoint: "http://127.0.0.1:9" });
    expect(JSON.stringify(error) + String(error)).not.toContain("fake-pass");
  });
});

describe("answers", () => {
  test("reads the code from a namespaced __type or the x-amzn-errortype header", async () => {
    const namespaced = answering({
      status: 400,
      headers: {},
      body: JSON.stringify({ __type: "com.amazonaws.ssm#ParameterNotFound", message: "x" }),
    });
    await expect(callAwsJson(getParameters(), sendingTo(namespaced))).rejects.toMatchObject({
      name: "ParameterNotFound",
    });

    const header = answering({
      status: 400,
      headers: { "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/" },
      body: "<html>",
    });
    await expect(callAwsJson(getParameters(), sendingTo(header))).rejects.toMatchObject({
      name: "AccessDeniedException",
    });
  });

  test("a success whose body is not JSON is an InvalidResponse error that quotes none of it", async () => {
    const garbled = answering({ status: 200, headers: {}, body: '{"SecretString":"fake-value-7c1' });

    const error = await callAwsJson(
      {
        service: SECRETS_MANAGER,
        action: "GetSecretValue",
        request: {},
        budget: { budgetMs: 1000, deadline: Date.now() + 1000 },
      },
      sendingTo(garbled),
    ).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "InvalidResponse" });
    expect(JSON.stringify(error) + String(error) + (error as Error).message).not.toContain("fake-value");
  });
});

/** A stand-in that answers every request with `response`. */
function answering(response: HttpResponse): Send {
  return async () => response;
}
