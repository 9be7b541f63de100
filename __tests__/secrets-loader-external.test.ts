/**
 * The loader reading secrets another account or app owns, by the ARN `<NAME>_SECRET_ARN` holds:
 * each read whole, in the ARN's own region, beside the function's own secrets.
 */
import { PLACEHOLDER_VALUE, SECRET_ID_ENV_VAR } from "../common/naming";
import {
  createSecretsLoader,
  SecretNotFoundError,
  SecretNotSetError,
  SecretsConfigError,
  SecretsInvalidResponseError,
  type Send,
} from "../lambda-src/secrets";
import { FakeAwsError, fakeAwsService, type FakeAwsService } from "./helpers/fake-aws-send";
import { useOfflineAws } from "./helpers/offline-aws";

const PARTNER_SECRET = "arn:aws:secretsmanager:eu-central-1:444455556666:secret:partner/token-AbCdEf";
const PARTNER_PARAMETER = "arn:aws:ssm:us-west-2:444455556666:parameter/partner/api_key";
const TOKEN = "fake-partner-token-ext-91c2";
const API_KEY = "fake-partner-key-ext-2b07";
const OWN = "fake-own-token-ext-5d1e";
const saved = { ...process.env };

let sm: FakeAwsService;
let ssm: FakeAwsService;
let send: Send;

beforeEach(() => {
  // The function runs in us-east-1; each external secret lives in its own region.
  useOfflineAws({});
  sm = fakeAwsService({
    targetPrefix: "secretsmanager",
    signingName: "secretsmanager",
    handler: (action, request) => {
      if (request.SecretId === PARTNER_SECRET)
        return { ARN: PARTNER_SECRET, Name: "partner/token", SecretString: TOKEN, VersionStages: ["AWSCURRENT"] };
      if (request.SecretId === "own/secrets")
        return { ARN: "arn:x", Name: "own/secrets", SecretString: JSON.stringify({ own_token: OWN }) };
      throw new FakeAwsError("ResourceNotFoundException", `${action}: no such secret`);
    },
  });
  ssm = fakeAwsService({
    targetPrefix: "AmazonSSM",
    signingName: "ssm",
    handler: (action, request) => {
      if (action === "GetParameter" && request.Name === PARTNER_PARAMETER)
        return { Parameter: { Name: "/partner/api_key", ARN: PARTNER_PARAMETER, Value: API_KEY } };
      if (action === "GetParameters")
        return { Parameters: [{ Name: "/reader/own_token", Value: OWN }], InvalidParameters: [] };
      throw new FakeAwsError("ParameterNotFound", "no such parameter");
    },
  });
  send = (request) =>
    (request.headers["X-Amz-Target"] ?? request.headers["x-amz-target"] ?? "").startsWith("secretsmanager.")
      ? sm.send(request)
      : ssm.send(request);
});

afterEach(() => {
  process.env = { ...saved };
});

const external = {
  PARTNER_TOKEN_SECRET_ARN: PARTNER_SECRET,
  PARTNER_API_KEY_SECRET_ARN: PARTNER_PARAMETER,
};

test("reads a Secrets Manager secret and an SSM parameter by ARN, each whole, beside an own SSM secret", async () => {
  const loader = createSecretsLoader(["own_token", "partner_token", "partner_api_key"], {
    send,
    env: { ...external, OWN_TOKEN_PARAM_NAME: "/reader/own_token" },
  });
  await expect(loader.getAll()).resolves.toEqual({ own_token: OWN, partner_token: TOKEN, partner_api_key: API_KEY });
  expect(sm.calls.map((c) => c.request)).toEqual([{ SecretId: PARTNER_SECRET, VersionStage: "AWSCURRENT" }]);
  expect(ssm.calls.map((c) => [c.action, c.request])).toEqual(
    expect.arrayContaining([
      ["GetParameter", { Name: PARTNER_PARAMETER, WithDecryption: true }],
      ["GetParameters", { Names: ["/reader/own_token"], WithDecryption: true }],
    ]),
  );
});

test("signs and sends each external read for the region its ARN names, the own reads for the function's region", async () => {
  const loader = createSecretsLoader(["own_token", "partner_token", "partner_api_key"], {
    send,
    env: { ...external, OWN_TOKEN_PARAM_NAME: "/reader/own_token" },
  });
  await loader.getAll();
  const regions = [...sm.calls, ...ssm.calls].map((c) => [c.action, c.signature.region, new URL(c.url).host]);
  expect(regions).toEqual(
    expect.arrayContaining([
      ["GetSecretValue", "eu-central-1", "secretsmanager.eu-central-1.amazonaws.com"],
      ["GetParameter", "us-west-2", "ssm.us-west-2.amazonaws.com"],
      ["GetParameters", "us-east-1", "ssm.us-east-1.amazonaws.com"],
    ]),
  );
});

test("an external secret beside an own Secrets Manager secret: the own secret's JSON keys, the external read whole", async () => {
  const loader = createSecretsLoader(["own_token", "partner_token"], {
    send,
    env: { [SECRET_ID_ENV_VAR]: "own/secrets", PARTNER_TOKEN_SECRET_ARN: PARTNER_SECRET },
  });
  await expect(loader.getAll()).resolves.toEqual({ own_token: OWN, partner_token: TOKEN });
});

test("caches by ARN: a warm call makes no request", async () => {
  const loader = createSecretsLoader(["partner_token"], { send, env: external });
  await loader.get("partner_token");
  await loader.get("partner_token");
  expect(sm.calls).toHaveLength(1);
});

test("refuses an answer about another secret, and a missing secret is SecretNotFoundError naming the ARN", async () => {
  sm.handler = () => ({ ARN: `${PARTNER_SECRET}x`, SecretString: TOKEN });
  await expect(createSecretsLoader(["partner_token"], { send, env: external }).get("partner_token")).rejects.toThrow(
    SecretsInvalidResponseError,
  );
  sm.handler = () => {
    throw new FakeAwsError("ResourceNotFoundException", "gone");
  };
  const error = await createSecretsLoader(["partner_token"], { send, env: external })
    .get("partner_token")
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SecretNotFoundError);
  expect((error as Error).message).toContain(PARTNER_SECRET);
});

test("a value that is still the placeholder is SecretNotSetError, never served", async () => {
  ssm.handler = () => ({ Parameter: { Name: "/partner/api_key", ARN: PARTNER_PARAMETER, Value: PLACEHOLDER_VALUE } });
  await expect(
    createSecretsLoader(["partner_api_key"], { send, env: external }).get("partner_api_key"),
  ).rejects.toThrow(SecretNotSetError);
});

test("refuses a <NAME>_SECRET_ARN that is no secret or parameter ARN, naming the variable", () => {
  expect(() =>
    createSecretsLoader(["partner_token"], { send, env: { PARTNER_TOKEN_SECRET_ARN: "partner/token" } }),
  ).toThrow(SecretsConfigError);
  expect(() =>
    createSecretsLoader(["partner_token"], { send, env: { PARTNER_TOKEN_SECRET_ARN: "partner/token" } }),
  ).toThrow(/PARTNER_TOKEN_SECRET_ARN/);
});
