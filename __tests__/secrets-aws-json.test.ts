/**
 * The loader's one AWS call (aws-json.ts): what it signs and sends, and its retries:
 * throttling, 5xx and network failures are retried until the call's deadline (AWS_MAX_ATTEMPTS
 * caps them when set), every attempt with a timeout; after a throttle the wait is in the second
 * half of a window that doubles with each throttle in a row, after a 5xx or a network failure a
 * uniformly random time below an exponential ceiling (full jitter), each below the time left
 * (retry-policy.ts); any other error is final at once.
 * Time here is a virtual clock that the waits advance.
 */
import {
  AwsCallError,
  attemptTimeoutMs,
  callAwsJson,
  MAX_ATTEMPTS_WITHIN_BUDGET,
  type AwsCall,
  type AwsCallContext,
} from "../lambda-src/secrets/aws-json";
import { quotaAwareRetry, throttleWindowMs, transientDelayMs } from "../lambda-src/secrets/retry-policy";
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

/** A context on `clock` whose requests go to `send`, recording its waits, with no jitter. */
function ssmContext(send: Send, waits: number[], clock: ReturnType<typeof virtualClock>): AwsCallContext {
  return {
    send,
    awsEnv: AWS_ENV,
    random: () => 0,
    now: clock.now,
    sleep: async (ms) => {
      waits.push(ms);
      clock.advance(ms);
    },
  };
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
  test("after a 5xx or a network failure, the wait before retry n is below 100 ms * 2^n, at most 20 s and the limit", () => {
    expect([0, 1, 2, 3].map((n) => transientDelayMs(n, 0.999999, 60_000))).toEqual([99, 199, 399, 799]);
    expect(transientDelayMs(3, 0.5, 60_000)).toBe(400);
    expect(transientDelayMs(0, 0, 60_000)).toBe(0);
    expect(transientDelayMs(12, 0.999999, 60_000)).toBe(19_999);
    expect(transientDelayMs(12, 0.5, 3000)).toBe(1500);
  });

  test("the window after a first throttle is 1.75 s, at most a fifth of the budget; after a further one in a row 3 s doubled each time, at most a third of the budget; never over 20 s", () => {
    expect([1, 2, 3, 4].map((n) => throttleWindowMs(n, 60_000))).toEqual([1750, 3000, 6000, 12_000]);
    expect([1, 2, 3, 4].map((n) => throttleWindowMs(n, 9000))).toEqual([1750, 3000, 3000, 3000]);
    expect([1, 2].map((n) => Math.round(throttleWindowMs(n, 2000)))).toEqual([400, 667]);
    expect(throttleWindowMs(30, 900_000)).toBe(20_000);
  });

  test("after a first throttle the wait is from a tenth of the window to its end, after a further one in its second half, and never past the room left", () => {
    const waits = (random: number, roomMs = 60_000) => {
      const retry = quotaAwareRetry();
      return [0, 1, 2].map(() => retry.delayMs({ kind: "throttled", retry: 0, budgetMs: 9000, roomMs, random }));
    };
    expect(waits(0)).toEqual([175, 1500, 1500]);
    expect(waits(0.5)).toEqual([962, 2250, 2250]);
    expect(waits(0.999999)).toEqual([1749, 2999, 2999]);
    expect(waits(0.5, 300)).toEqual([300, 300, 300]);
    expect(waits(0, 100)).toEqual([100, 100, 100]);
  });

  test("throttles in a row seen by any call of one policy grow its window; any other answer resets it", async () => {
    const retry = quotaAwareRetry();
    const waitsOf = async (handler: FakeHandler) => {
      const { ssm, waits, clock } = setup(handler, AWS_ENV, 0);
      await callAwsJson(getParameters(9000, clock.now()), { ...ssmContext(ssm.send, waits, clock), retry }).catch(
        () => undefined,
      );
      return waits;
    };

    // Two calls of one execution environment: the second's first throttle is the third in a row.
    expect(
      await waitsOf(failing(Number.POSITIVE_INFINITY, () => new FakeAwsError("AccessDeniedException", "no"))),
    ).toEqual([]);
    expect(await waitsOf(failing(2, throttling))).toEqual([175, 1500]);
    // The answer that ended it reset the count.
    expect(await waitsOf(failing(1, throttling))).toEqual([175]);
    // A call throttled to its end leaves the count up for the next call: its first throttle is not a first one.
    const first = await waitsOf(failing(Number.POSITIVE_INFINITY, throttling));
    expect(first.slice(0, 3)).toEqual([175, 1500, 1500]);
    expect((await waitsOf(failing(1, throttling)))[0]).toBe(1500);
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
    expect(waits).toEqual([962, 2250]);
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
    // 55 % of the first window (1.75 s), then 75 % of the next ones (3 s, a third of the budget), then what is left.
    expect(waits).toEqual([962, 2250, 2250, 2250, 1088]);
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
    // A 5xx: after a throttle no wait is shorter than 175 ms, after a 5xx it can be 0.
    const { call, ssm } = setup(
      failing(Number.POSITIVE_INFINITY, () => new FakeAwsError("InternalServerError", "oops", 500)),
      AWS_ENV,
      0,
    );

    await expect(call()).rejects.toMatchObject({ $metadata: { attempts: MAX_ATTEMPTS_WITHIN_BUDGET } });
    expect(ssm.calls).toHaveLength(MAX_ATTEMPTS_WITHIN_BUDGET);
  });

  test(`caps AWS_MAX_ATTEMPTS at ${MAX_ATTEMPTS_WITHIN_BUDGET}: 150 gives ${MAX_ATTEMPTS_WITHIN_BUDGET} attempts`, async () => {
    // A 5xx with no jitter: every wait is 0, so only the cap ends it before the deadline.
    const { call, ssm } = setup(
      failing(Number.POSITIVE_INFINITY, () => new FakeAwsError("InternalServerError", "oops", 500)),
      { ...AWS_ENV, AWS_MAX_ATTEMPTS: "150" },
      0,
    );

    await expect(call()).rejects.toMatchObject({ $metadata: { attempts: MAX_ATTEMPTS_WITHIN_BUDGET } });
    expect(ssm.calls).toHaveLength(MAX_ATTEMPTS_WITHIN_BUDGET);
  });

  test.each([
    ["HTTP 429, as a throttle", () => new FakeAwsError("TooManyRequests", "slow down", 429), 962],
    ["a 500 answer", () => new FakeAwsError("InternalServerError", "oops", 500), 50],
    ["a 503 answer", () => new FakeAwsError("ServiceUnavailable", "busy", 503), 50],
  ])("retries %s", async (_, error, wait) => {
    const { call, ssm, waits } = setup(failing(1, error), AWS_ENV, 0.5);

    await expect(call()).resolves.toEqual(OK);
    expect(ssm.calls).toHaveLength(2);
    expect(waits).toEqual([wait]);
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
