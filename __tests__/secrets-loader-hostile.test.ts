/**
 * The loader trusts no answer: what a broken proxy or a hostile endpoint at AWS_ENDPOINT_URL*
 * sends (huge, endless, not UTF-8, of the wrong shape, about another secret, with escape
 * sequences or the request's own session token in its error type), and settings that cannot
 * make a request (a CRLF env file, an endpoint without a scheme). Every case ends in a typed
 * error that quotes nothing of the answer, never in a crash or a value served.
 */
import { PLACEHOLDER_VALUE } from "../common/naming";
import {
  createSecretsLoader,
  SecretNotSetError,
  SecretsConfigError,
  SecretsError,
  SecretsInvalidResponseError,
} from "../lambda-src/secrets";
import { sendHttp } from "../lambda-src/secrets/http-send";
import { endlessAnswer, type HostileEndpoint, startHostileEndpoint } from "./helpers/hostile-endpoint";
import { useOfflineAws } from "./helpers/offline-aws";
import { startSecretsManagerServer } from "./helpers/secretsmanager-server";
import { startSsmServer } from "./helpers/ssm-server";

const PARAM = "/fn/github_token";
const SSM_ENV = { GITHUB_TOKEN_PARAM_NAME: PARAM };
const SECRET_ID = "fn/secrets";
const SM_ENV = { SECRETS_MANAGER_SECRET_ID: SECRET_ID };
const saved = { ...process.env };
let endpoint: HostileEndpoint | undefined;

beforeEach(() => useOfflineAws({}));
afterEach(async () => {
  process.env = { ...saved };
  await endpoint?.close();
  endpoint = undefined;
});

function ssmLoader(timeoutMs = 3000) {
  return createSecretsLoader(["github_token"], { send: sendHttp, env: SSM_ENV, timeoutMs });
}
function smLoader(timeoutMs = 3000) {
  return createSecretsLoader(["github_token"], { send: sendHttp, env: SM_ENV, timeoutMs });
}

/** What a read threw: always a SecretsError. */
async function failure(read: Promise<unknown>): Promise<SecretsError> {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretsError);
  return error as SecretsError;
}

/** Everything an error shows a logger: its message and every property, serialized. */
function shown(error: Error): string {
  return `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
}

async function hostile(answer: Parameters<typeof startHostileEndpoint>[0], variable = "AWS_ENDPOINT_URL_SSM") {
  endpoint = await startHostileEndpoint(answer);
  process.env[variable] = endpoint.url;
  return endpoint;
}

/** Waits (at most a second) for the endpoint to see the client hang up. */
async function hungUp(): Promise<void> {
  for (let i = 0; i < 100 && !endpoint!.hungUp; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(endpoint!.hungUp).toBe(true);
}

describe("bounded answers: refused as soon as their size shows, never read whole", () => {
  test("an answer announcing 96 MiB is refused from its Content-Length, before its body", async () => {
    await hostile((_req, res) => {
      res.writeHead(200, { "content-length": String(96 * 1024 * 1024) });
      res.write("{");
    });
    const started = Date.now();
    const error = await failure(ssmLoader().get("github_token"));
    expect(error).toBeInstanceOf(SecretsInvalidResponseError);
    expect(error).toMatchObject({ problem: "too-large", parameterNames: [PARAM] });
    expect(Date.now() - started).toBeLessThan(1000);
    // Final: not retried against the same endpoint.
    expect(endpoint!.requests).toBe(1);
  });

  test("an endless chunked SSM answer is cut off past the limit: the client hangs up within a few hundred KiB", async () => {
    await hostile(endlessAnswer('{"Parameters":[{"Name":"/fn/github_token","Value":"'));
    const started = Date.now();
    const error = await failure(ssmLoader().get("github_token"));
    expect(error).toMatchObject({ name: "SecretsInvalidResponseError", problem: "too-large" });
    // Long before the 3 s budget, which reading it whole would spend and then time out.
    expect(Date.now() - started).toBeLessThan(1000);
    await hungUp();
    // What the loopback's socket buffers took in besides, at most a few MiB: nowhere near 96.
    expect(endpoint!.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  test("an endless Secrets Manager answer is cut off too, past the 64 KB secret's limit", async () => {
    await hostile(endlessAnswer('{"Name":"fn/secrets","SecretString":"'), "AWS_ENDPOINT_URL_SECRETS_MANAGER");
    const error = await failure(smLoader().get("github_token"));
    expect(error).toMatchObject({ problem: "too-large", secretId: SECRET_ID });
    await hungUp();
    expect(endpoint!.bytesSent).toBeLessThan(16 * 1024 * 1024);
  });

  test("the largest real answer still fits: an 8 KB value of characters JSON escapes 6-fold, ten parameters", async () => {
    const ssm = await startSsmServer();
    try {
      process.env.AWS_ENDPOINT_URL_SSM = ssm.url;
      const names = Array.from({ length: 10 }, (_, i) => `s${i}`);
      const value = "\u0001".repeat(8192);
      for (const name of names) ssm.putParameter(`/fn/${name}`, value, { tier: "Advanced" });
      const env = Object.fromEntries(names.map((n) => [`${n.toUpperCase()}_PARAM_NAME`, `/fn/${n}`]));
      const all = await createSecretsLoader(names, { send: sendHttp, env }).getAll();
      expect(Object.values(all).every((v) => v === value)).toBe(true);
    } finally {
      await ssm.close();
    }
  });
});

describe("every field checked for its type and for being what was asked for", () => {
  test.each([
    ["null", "null"],
    ["a number as the value", JSON.stringify({ Parameters: [{ Name: PARAM, Value: 42 }] })],
    ["an object as Parameters", JSON.stringify({ Parameters: { Name: PARAM, Value: "x" } })],
    ["a string as InvalidParameters", JSON.stringify({ Parameters: [], InvalidParameters: PARAM })],
  ])("SSM answering 200 with %s: SecretsInvalidResponseError bad-shape, not 'does not exist'", async (_, body) => {
    await hostile({ body });
    const error = await failure(ssmLoader().get("github_token"));
    expect(error).toBeInstanceOf(SecretsInvalidResponseError);
    expect(error).toMatchObject({ problem: "bad-shape" });
  });

  test("SSM answering with another parameter's value, or one name twice: not-asked, nothing served", async () => {
    for (const Parameters of [
      [{ Name: "/other/github_token", Value: "other-secret" }],
      [
        { Name: PARAM, Value: "one" },
        { Name: PARAM, Value: "two" },
      ],
    ]) {
      await endpoint?.close();
      await hostile({ body: JSON.stringify({ Parameters, InvalidParameters: [] }) });
      const error = await failure(ssmLoader().get("github_token"));
      expect(error).toMatchObject({ name: "SecretsInvalidResponseError", problem: "not-asked" });
      expect(shown(error)).not.toContain("other-secret");
    }
  });

  test("Secrets Manager answering about another secret, or another version than AWSCURRENT: not-asked", async () => {
    const json = JSON.stringify({ github_token: "their-secret" });
    for (const answer of [
      { Name: "other/secrets", SecretString: json, VersionStages: ["AWSCURRENT"] },
      { Name: SECRET_ID, SecretString: json, VersionStages: ["AWSPREVIOUS"] },
    ]) {
      await endpoint?.close();
      await hostile({ body: JSON.stringify(answer) }, "AWS_ENDPOINT_URL_SECRETS_MANAGER");
      const error = await failure(smLoader().get("github_token"));
      expect(error).toMatchObject({ name: "SecretsInvalidResponseError", problem: "not-asked", secretId: SECRET_ID });
      expect(shown(error)).not.toContain("their-secret");
    }
  });

  test("Secrets Manager answering null or without a name: bad-shape", async () => {
    for (const body of ["null", JSON.stringify({ SecretString: "{}" })]) {
      await endpoint?.close();
      await hostile({ body }, "AWS_ENDPOINT_URL_SECRETS_MANAGER");
      expect(await failure(smLoader().get("github_token"))).toMatchObject({ problem: "bad-shape" });
    }
  });

  test("an answer that is not UTF-8 is refused, never decoded with replacement characters", async () => {
    const bytes = Buffer.concat([
      Buffer.from(`{"Parameters":[{"Name":"${PARAM}","Value":"tok`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}],"InvalidParameters":[]}'),
    ]);
    await hostile({ body: bytes });
    expect(await failure(ssmLoader().get("github_token"))).toMatchObject({ problem: "not-utf8" });
    await endpoint!.close();
    await hostile({ body: "not json {" });
    expect(await failure(ssmLoader().get("github_token"))).toMatchObject({ problem: "not-json" });
  });
});

describe("nothing the endpoint sends reaches a message unless it is an AWS error code", () => {
  test("an error type with a line break, escape sequences and 4 KB of text is replaced by the HTTP status", async () => {
    const junk = `Evil\n\u001b[2J\u001b]0;owned\u0007${"x".repeat(4096)}`;
    await hostile({ status: 400, headers: { "x-amzn-errortype": encodeURIComponent(junk) }, body: "{}" });
    const header = await failure(ssmLoader().get("github_token"));
    await endpoint!.close();
    await hostile({ status: 403, body: JSON.stringify({ __type: junk, message: junk }) });
    const body = await failure(ssmLoader().get("github_token"));
    expect(header).toMatchObject({ awsErrorName: "HTTP400" });
    expect(body).toMatchObject({ awsErrorName: "HTTP403" });
    for (const error of [header, body]) {
      expect(shown(error)).not.toContain("xxxx");
      expect(shown(error)).not.toContain("owned");
      expect(error.message.length).toBeLessThan(400);
    }
  });

  test("an endpoint echoing the request's session token as the error type never puts it in the error", async () => {
    // Alphanumeric and short: it would pass as an error code on its looks alone.
    process.env.AWS_SESSION_TOKEN = "FakeSessionToken42abc";
    await hostile((request, response) => {
      response.writeHead(400, { "x-amzn-errortype": String(request.headers["x-amz-security-token"]) });
      response.end(JSON.stringify({ __type: request.headers["x-amz-security-token"] }));
    });
    const error = await failure(ssmLoader().get("github_token"));
    expect(error).toMatchObject({ awsErrorName: "HTTP400" });
    expect(shown(error)).not.toContain("FakeSessionToken42abc");
    // The access key, echoed as a namespace#code, neither.
    await endpoint!.close();
    await hostile((_request, response) => {
      response.writeHead(400, { "x-amzn-errortype": "com.amazon#test" });
      response.end("{}");
    });
    expect(await failure(ssmLoader().get("github_token"))).toMatchObject({ awsErrorName: "HTTP400" });
  });

  test("a real AWS error code still comes through, with its namespace and suffix stripped", async () => {
    await hostile({
      status: 400,
      headers: { "x-amzn-errortype": "ParameterVersionNotFound:http://internal.amazon.com/" },
      body: JSON.stringify({ __type: "com.amazonaws.ssm#ParameterVersionNotFound", message: "gone" }),
    });
    expect(await failure(ssmLoader().get("github_token"))).toMatchObject({
      name: "SecretsFetchError",
      awsErrorName: "ParameterVersionNotFound",
    });
  });
});

describe("settings that cannot make a request are refused at once, naming the variable", () => {
  const noCrash = () => {
    const crashes: unknown[] = [];
    const listener = (error: unknown) => crashes.push(error);
    process.on("uncaughtException", listener);
    return {
      crashes,
      done: async (ms: number) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        process.off("uncaughtException", listener);
      },
    };
  };

  test.each([
    ["AWS_SESSION_TOKEN", "FakeSessionToken\r", "a line end"],
    ["AWS_ACCESS_KEY_ID", "test\n", "a line end"],
    ["AWS_SECRET_ACCESS_KEY", "te st", "a space"],
    ["AWS_REGION", "eu-west-1\r", "a line end"],
  ])(
    "%s holding a character no header can carry is a SecretsConfigError naming it, and nothing crashes later",
    async (variable, value, what) => {
      const ssm = await startSsmServer();
      const watch = noCrash();
      try {
        process.env.AWS_ENDPOINT_URL_SSM = ssm.url;
        process.env[variable] = value;
        const error = await failure(ssmLoader(300).get("github_token"));
        expect(error).toBeInstanceOf(SecretsConfigError);
        expect(error).toMatchObject({ setting: variable });
        expect(error.message).toContain(what);
        expect(shown(error)).not.toContain(value.trim() === "test" ? "test\n" : value);
        expect(ssm.calls).toHaveLength(0);
        // Past the attempt's timeout: no timer fires on a request that was never made.
        await watch.done(400);
        expect(watch.crashes).toEqual([]);
      } finally {
        await ssm.close();
      }
    },
  );

  test("sendHttp given a header Node refuses rejects with a code, once, and leaves no timer to crash on", async () => {
    const watch = noCrash();
    const sent = sendHttp({
      url: "http://127.0.0.1:9/",
      method: "POST",
      headers: { "x-amz-security-token": "bad\r" },
      body: "{}",
      timeoutMs: 50,
    });
    await expect(sent).rejects.toMatchObject({ code: "ERR_INVALID_CHAR" });
    await watch.done(150);
    expect(watch.crashes).toEqual([]);
  });

  test.each([
    ["AWS_ENDPOINT_URL_SSM", "localhost:4566"],
    ["AWS_ENDPOINT_URL", "127.0.0.1:4566"],
    ["AWS_ENDPOINT_URL_SSM", "ftp://localhost:4566"],
  ])("%s=%s (no http(s) scheme) is refused at once, saying what is expected", async (variable, value) => {
    process.env[variable] = value;
    const started = Date.now();
    const error = await failure(ssmLoader().get("github_token"));
    expect(error).toBeInstanceOf(SecretsConfigError);
    expect(error).toMatchObject({ setting: variable });
    expect(error.message).toContain("is not an http:// or https:// URL with a host; expected e.g.");
    expect(Date.now() - started).toBeLessThan(200);
  });
});

describe("the placeholder in any disguise is never served", () => {
  test.each([
    ["a trailing newline", `${PLACEHOLDER_VALUE}\n`],
    ["a leading space", ` ${PLACEHOLDER_VALUE}`],
    ["a zero-width space inside", `SECURE_LAMBDA_\u200bPLACEHOLDER_SET_THE_REAL_VALUE_OUT_OF_BAND`],
  ])("SSM: the placeholder with %s is SecretNotSetError", async (_, value) => {
    const ssm = await startSsmServer();
    try {
      process.env.AWS_ENDPOINT_URL_SSM = ssm.url;
      ssm.putParameter(PARAM, value);
      await expect(ssmLoader().get("github_token")).rejects.toBeInstanceOf(SecretNotSetError);
    } finally {
      await ssm.close();
    }
  });

  test("Secrets Manager: a key holding the placeholder with a no-break space or a tab is SecretNotSetError", async () => {
    const sm = await startSecretsManagerServer();
    try {
      process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = sm.url;
      sm.createSecret(SECRET_ID, JSON.stringify({ github_token: `\u00a0${PLACEHOLDER_VALUE}\t` }));
      await expect(smLoader().get("github_token")).rejects.toBeInstanceOf(SecretNotSetError);
    } finally {
      await sm.close();
    }
  });
});
