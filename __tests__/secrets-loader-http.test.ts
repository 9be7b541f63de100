/**
 * The loader over real sockets against the loopback SSM, which checks every signature:
 * what the SDK used to do for the loader (endpoint variables, signing, retrying
 * throttling), now done by the loader itself.
 */
import { createSecretsLoader, SecretsThrottledError } from "../lambda-src/secrets";
import { sendHttp } from "../lambda-src/secrets/http-send";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { useOfflineAws } from "./helpers/offline-aws";

const TOKEN = "fake-gh-token-sdk-5d10";
const env = { GITHUB_TOKEN_PARAM_NAME: "/fn/github_token" };
const saved = { ...process.env };
let ssm: SsmServer;

beforeEach(async () => {
  ssm = await startSsmServer();
  ssm.putParameter("/fn/github_token", TOKEN);
  useOfflineAws({});
});

afterEach(async () => {
  process.env = { ...saved };
  await ssm.close();
});

/** The loader's own node:http(s) transport, passed explicitly so that each test's loader has a cache of its own. */
const viaNetwork = sendHttp;

/** A loader whose region, credentials and endpoint come from the environment, as in Lambda. */
function loader() {
  return createSecretsLoader(["github_token"], { send: viaNetwork, env });
}

test("reaches SSM at AWS_ENDPOINT_URL_SSM", async () => {
  process.env.AWS_ENDPOINT_URL_SSM = ssm.url;

  await expect(loader().get("github_token")).resolves.toBe(TOKEN);
  expect(ssm.callCount("GetParameters")).toBe(1);
  expect(ssm.calls[0]?.request).toEqual({ Names: ["/fn/github_token"], WithDecryption: true });
  // Signed for SSM in the function's region, the target and the date among the signed headers.
  expect(ssm.calls[0]?.signature).toMatchObject({ accessKeyId: "test", region: "us-east-1", service: "ssm" });
  expect(ssm.calls[0]?.signature.signedHeaders).toEqual(expect.arrayContaining(["host", "x-amz-date", "x-amz-target"]));
});

test("sends and signs the session token Lambda gives the execution role", async () => {
  process.env.AWS_ENDPOINT_URL_SSM = ssm.url;
  process.env.AWS_SESSION_TOKEN = "fake-session-token";

  await expect(loader().get("github_token")).resolves.toBe(TOKEN);
  expect(ssm.calls[0]?.sessionToken).toBe(true);
  expect(ssm.calls[0]?.signature.signedHeaders).toContain("x-amz-security-token");
});

test("reaches SSM at AWS_ENDPOINT_URL (as LocalStack sets it) when no SSM-specific endpoint is set", async () => {
  process.env.AWS_ENDPOINT_URL = ssm.url;

  await expect(loader().get("github_token")).resolves.toBe(TOKEN);
  expect(ssm.callCount("GetParameters")).toBe(1);
});

test("prefers AWS_ENDPOINT_URL_SSM over AWS_ENDPOINT_URL", async () => {
  process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
  process.env.AWS_ENDPOINT_URL_SSM = ssm.url;

  await expect(loader().get("github_token")).resolves.toBe(TOKEN);
});

test("retries a ThrottlingException with backoff and then succeeds", async () => {
  process.env.AWS_ENDPOINT_URL_SSM = ssm.url;
  ssm.failNext("GetParameters", { code: "ThrottlingException", message: "Rate exceeded", times: 2 });

  await expect(loader().get("github_token")).resolves.toBe(TOKEN);
  expect(ssm.callCount("GetParameters")).toBe(3);
});

test("gives up after AWS_MAX_ATTEMPTS throttled attempts with SecretsThrottledError", async () => {
  process.env.AWS_ENDPOINT_URL_SSM = ssm.url;
  process.env.AWS_MAX_ATTEMPTS = "2";
  ssm.failNext("GetParameters", { code: "ThrottlingException", message: "Rate exceeded", times: 5 });

  const error = await loader()
    .get("github_token")
    .catch((e: unknown) => e);

  expect(error).toBeInstanceOf(SecretsThrottledError);
  expect(error).toMatchObject({ attempts: 2, parameterNames: ["/fn/github_token"] });
  expect(ssm.callCount("GetParameters")).toBe(2);
});

test("without a send, loaders of one execution environment share one cache, which a TTL of 0 never reads", async () => {
  process.env.AWS_ENDPOINT_URL_SSM = ssm.url;
  ssm.putParameter("/fn/slack_webhook_url", "https://hooks.example.invalid/fake-http-hook");
  let loaderModule!: typeof import("../lambda-src/secrets");
  // A fresh module registry: a new execution environment, with an empty cache.
  jest.isolateModules(() => {
    loaderModule = require("../lambda-src/secrets") as typeof import("../lambda-src/secrets");
  });
  const both = { ...env, SLACK_WEBHOOK_URL_PARAM_NAME: "/fn/slack_webhook_url" };

  await loaderModule.createSecretsLoader(["github_token", "slack_webhook_url"], { env: both }).getAll();
  await expect(loaderModule.createSecretsLoader(["github_token"], { env: both }).get("github_token")).resolves.toBe(
    TOKEN,
  );
  expect(ssm.callCount("GetParameters")).toBe(1);

  await expect(
    loaderModule.createSecretsLoader(["github_token"], { env: both, ttlSeconds: 0 }).get("github_token"),
  ).resolves.toBe(TOKEN);
  expect(ssm.callCount("GetParameters")).toBe(2);
});
