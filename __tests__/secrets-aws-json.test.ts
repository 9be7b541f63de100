/**
 * The loader's one AWS call (aws-json.ts): what it signs and sends, and its retries, which
 * follow the SDKs' standard mode: up to AWS_MAX_ATTEMPTS attempts (default 3) for
 * throttling, 5xx and network failures, each wait a uniformly random time below an
 * exponential ceiling (full jitter), and any other error final at once.
 */
import { AwsCallError, callAwsJson, retryDelayMs, type AwsCallContext, type Fetch } from "../lambda-src/secrets/aws-json";
import { SECRETS_MANAGER, SSM } from "../lambda-src/secrets/endpoints";
import { SecretsConfigError } from "../lambda-src/secrets";
import { FakeAwsError, fakeAwsService, type FakeHandler } from "./helpers/fake-aws-fetch";

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

function setup(handler: FakeHandler, awsEnv: Record<string, string> = AWS_ENV, random = 0.5) {
  const ssm = fakeAwsService({ targetPrefix: "AmazonSSM", signingName: "ssm", handler });
  const waits: number[] = [];
  const context: AwsCallContext = { fetch: ssm.fetch, awsEnv, random: () => random, sleep: async (ms) => void waits.push(ms) };
  const call = () => callAwsJson(SSM, "GetParameters", { Names: ["/x"], WithDecryption: true }, context);
  return { ssm, waits, call, context };
}

const throttling = () => new FakeAwsError("ThrottlingException", "Rate exceeded");

describe("the request", () => {
  test("is a signed JSON 1.1 POST to the service's regional endpoint, target and credential scope of the service", async () => {
    const seen: { url: string; headers: Headers; body: string }[] = [];
    const ssm = fakeAwsService({ targetPrefix: "AmazonSSM", signingName: "ssm", handler: () => OK });
    const spy: Fetch = (url, init) => {
      seen.push({ url, headers: init.headers, body: init.body });
      return ssm.fetch(url, init);
    };

    await expect(callAwsJson(SSM, "GetParameters", { Names: ["/x"] }, { fetch: spy, awsEnv: AWS_ENV })).resolves.toEqual(OK);

    expect(seen[0]?.url).toBe("https://ssm.eu-west-1.amazonaws.com/");
    expect(seen[0]?.headers.get("x-amz-target")).toBe("AmazonSSM.GetParameters");
    expect(seen[0]?.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(JSON.parse(seen[0]!.body)).toEqual({ Names: ["/x"] });
    expect(ssm.calls[0]?.signature).toMatchObject({ region: "eu-west-1", service: "ssm", accessKeyId: "test" });
    expect(ssm.calls[0]?.signature.signedHeaders).toEqual(["host", "x-amz-date", "x-amz-target"]);
  });

  test("signs for secretsmanager with its own target prefix", async () => {
    const sm = fakeAwsService({ targetPrefix: "secretsmanager", signingName: "secretsmanager", handler: () => ({ SecretString: "{}" }) });

    await callAwsJson(SECRETS_MANAGER, "GetSecretValue", { SecretId: "s" }, { fetch: sm.fetch, awsEnv: AWS_ENV });

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
  test("the delay before retry n is below base * 2^n (500 ms base for throttling, 100 ms otherwise), and at most 20 s", () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, true, 0.999999))).toEqual([499, 999, 1999, 3999]);
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, false, 0.999999))).toEqual([99, 199, 399, 799]);
    expect(retryDelayMs(3, true, 0.5)).toBe(2000);
    expect(retryDelayMs(0, true, 0)).toBe(0);
    expect(retryDelayMs(12, true, 0.999999)).toBe(19_999);
  });

  test("retries throttling with growing, jittered waits and then succeeds", async () => {
    const { call, ssm, waits } = setup(failing(2, throttling), { ...AWS_ENV, AWS_MAX_ATTEMPTS: "5" });

    await expect(call()).resolves.toEqual(OK);
    expect(ssm.calls).toHaveLength(3);
    expect(waits).toEqual([250, 500]);
  });

  test("gives up after 3 attempts by default, reporting how many were made", async () => {
    const { call, ssm, waits } = setup(failing(10, throttling));

    const error = await call().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ name: "ThrottlingException", $metadata: { attempts: 3, httpStatusCode: 400 } });
    expect(ssm.calls).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  test("makes AWS_MAX_ATTEMPTS attempts, and refuses a value that is not a whole number >= 1", async () => {
    const once = setup(failing(10, throttling), { ...AWS_ENV, AWS_MAX_ATTEMPTS: "1" });
    await expect(once.call()).rejects.toMatchObject({ $metadata: { attempts: 1 } });
    expect(once.ssm.calls).toHaveLength(1);

    for (const bad of ["0", "2.5", "three"]) {
      await expect(setup(() => OK, { ...AWS_ENV, AWS_MAX_ATTEMPTS: bad }).call()).rejects.toThrow(/invalid AWS_MAX_ATTEMPTS/);
    }
  });

  test.each([
    ["HTTP 429", () => new FakeAwsError("TooManyRequests", "slow down", 429), 500],
    ["a 500 answer", () => new FakeAwsError("InternalServerError", "oops", 500), 100],
    ["a 503 answer", () => new FakeAwsError("ServiceUnavailable", "busy", 503), 100],
  ])("retries %s (wait ceiling %d ms)", async (_, error, base) => {
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

    await expect(call()).rejects.toMatchObject({ name: code, $metadata: { attempts: 1 } });
    expect(ssm.calls).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  test("retries a network failure, and reports it by the socket's code", async () => {
    let attempts = 0;
    const refused: Fetch = async () => {
      attempts += 1;
      throw Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) });
    };
    const context: AwsCallContext = { fetch: refused, awsEnv: AWS_ENV, random: () => 0, sleep: async () => {} };

    const error = await callAwsJson(SSM, "GetParameters", {}, context).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "ECONNREFUSED", $metadata: { attempts: 3 } });
    expect(attempts).toBe(3);
  });

  test("reports undici's time-outs as ETIMEDOUT", async () => {
    const timedOut: Fetch = async () => {
      throw Object.assign(new TypeError("fetch failed"), { cause: { code: "UND_ERR_CONNECT_TIMEOUT" } });
    };
    const error = await callAwsJson(SSM, "GetParameters", {}, { fetch: timedOut, awsEnv: { ...AWS_ENV, AWS_MAX_ATTEMPTS: "1" } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ETIMEDOUT" });
  });
});

describe("answers", () => {
  test("reads the code from a namespaced __type or the x-amzn-errortype header", async () => {
    const namespaced: Fetch = async () => new Response(JSON.stringify({ __type: "com.amazonaws.ssm#ParameterNotFound", message: "x" }), { status: 400 });
    await expect(callAwsJson(SSM, "GetParameters", {}, { fetch: namespaced, awsEnv: AWS_ENV })).rejects.toMatchObject({ name: "ParameterNotFound" });

    const header: Fetch = async () =>
      new Response("<html>", { status: 400, headers: { "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/" } });
    await expect(callAwsJson(SSM, "GetParameters", {}, { fetch: header, awsEnv: AWS_ENV })).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  test("a success whose body is not JSON is an InvalidResponse error that quotes none of it", async () => {
    const garbled: Fetch = async () => new Response('{"SecretString":"fake-value-7c1', { status: 200 });

    const error = await callAwsJson(SECRETS_MANAGER, "GetSecretValue", {}, { fetch: garbled, awsEnv: AWS_ENV }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "InvalidResponse" });
    expect(JSON.stringify(error) + String(error) + (error as Error).message).not.toContain("fake-value");
  });
});
