import { AwsV4Signer } from "aws4fetch";
import { serviceEndpoint, type AwsJsonService } from "./endpoints";
import { SecretsConfigError } from "./errors";
import type { Env } from "./source";

/** The fetch a loader sends its signed requests with: `globalThis.fetch`, or a test's stand-in. */
export type Fetch = (url: string, init: { method: string; headers: Headers; body: string }) => Promise<Response>;

/** What {@link callAwsJson} needs besides the request. */
export interface AwsCallContext {
  readonly fetch: Fetch;
  /** Region, credentials, endpoints, AWS_MAX_ATTEMPTS and AWS_USE_FIPS_ENDPOINT, as the SDKs read them: process.env in a function. */
  readonly awsEnv: Env;
  /** Waits between attempts. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The jitter's source, in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/**
 * A failed AWS call: the service's error code (or a network code such as `ECONNREFUSED`)
 * and how many attempts were made. Shaped like an SDK service error (`name`, `message`,
 * `$metadata.attempts`), so classify-error.ts reads both alike; it never leaves the
 * loader: classifyFetchError turns it into a typed error and drops it, message included.
 */
export class AwsCallError extends Error {
  readonly $metadata: { readonly attempts: number; readonly httpStatusCode: number | undefined };

  constructor(code: string, message: string, status: number | undefined, attempts: number) {
    super(message);
    this.name = code;
    this.$metadata = { attempts, httpStatusCode: status };
  }
}

/** Attempts per call when AWS_MAX_ATTEMPTS does not say: the SDKs' standard mode. */
export const DEFAULT_MAX_ATTEMPTS = 3;

// The SDKs' standard retry mode: full jitter over an exponential ceiling, a larger base
// for throttling (the service asked to slow down) than for transient faults, capped at 20 s.
const BASE_DELAY_MS = 100;
const THROTTLING_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;

// The codes the SDKs treat as throttling (plus HTTP 429, below).
const THROTTLING_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
]);
const TRANSIENT_CODES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

/**
 * How long to wait before retry number `retry` (0 for the first retry): a uniformly random
 * time below `base * 2^retry` (full jitter), never above 20 s.
 */
export function retryDelayMs(retry: number, throttled: boolean, random: number): number {
  const ceiling = Math.min(MAX_DELAY_MS, (throttled ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS) * 2 ** retry);
  return Math.floor(random * ceiling);
}

/**
 * One AWS JSON 1.1 call (`POST /` with `X-Amz-Target: <prefix>.<action>`), signed with
 * SigV4 by aws4fetch with the credentials Lambda puts in the environment, retried like
 * the SDKs' standard mode: up to AWS_MAX_ATTEMPTS attempts (default 3) for throttling,
 * 5xx answers and network failures, with exponential backoff and full jitter. Any other
 * error answer is final at once. Returns the parsed response body; throws
 * {@link AwsCallError} (or {@link SecretsConfigError} for a missing region or credentials).
 */
export async function callAwsJson(service: AwsJsonService, action: string, request: unknown, context: AwsCallContext): Promise<Record<string, unknown>> {
  const { awsEnv } = context;
  const region = setting(awsEnv, "AWS_REGION", awsEnv.AWS_DEFAULT_REGION);
  const maxAttempts = maxAttemptsOf(awsEnv);
  const url = `${serviceEndpoint(service, region, awsEnv).replace(/\/+$/, "")}/`;
  const body = JSON.stringify(request);
  const sleep = context.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = context.random ?? Math.random;

  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(service, action, url, region, body, context);
    if (!("retry" in outcome)) return outcome.body;
    if (outcome.retry === "no" || attempt >= maxAttempts) throw outcome.error(attempt);
    await sleep(retryDelayMs(attempt - 1, outcome.retry === "throttled", random()));
  }
}

type Outcome =
  | { readonly body: Record<string, unknown> }
  | { readonly retry: "no" | "throttled" | "transient"; readonly error: (attempts: number) => AwsCallError };

async function attemptOnce(service: AwsJsonService, action: string, url: string, region: string, body: string, context: AwsCallContext): Promise<Outcome> {
  // Credentials are read per attempt: nothing keeps them beyond the call.
  const env = context.awsEnv;
  const signer = new AwsV4Signer({
    url,
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `${service.targetPrefix}.${action}` },
    body,
    accessKeyId: setting(env, "AWS_ACCESS_KEY_ID"),
    secretAccessKey: setting(env, "AWS_SECRET_ACCESS_KEY"),
    sessionToken: env.AWS_SESSION_TOKEN || undefined,
    service: service.signingName,
    region,
  });
  const signed = await signer.sign();

  let response: Response;
  let text: string;
  try {
    response = await context.fetch(signed.url.toString(), { method: "POST", headers: signed.headers, body });
    text = await response.text();
  } catch (error) {
    const code = networkCode(error);
    return { retry: "transient", error: (attempts) => new AwsCallError(code, `${service.displayName} could not be reached`, undefined, attempts) };
  }

  if (response.ok) {
    try {
      return { body: JSON.parse(text) as Record<string, unknown> };
    } catch {
      // JSON.parse's message quotes the text, which holds values: only the fact is kept.
      return {
        retry: "no",
        error: (attempts) =>
          new AwsCallError("InvalidResponse", `${service.displayName} answered ${action} with a body that is not JSON`, response.status, attempts),
      };
    }
  }
  const { code, message } = errorOf(response, text);
  const throttled = THROTTLING_CODES.has(code) || response.status === 429;
  const transient = TRANSIENT_CODES.has(code) || TRANSIENT_STATUSES.has(response.status);
  return { retry: throttled ? "throttled" : transient ? "transient" : "no", error: (attempts) => new AwsCallError(code, message, response.status, attempts) };
}

/** The error code and message of an AWS JSON error answer (`__type` may carry a namespace `...#Code` or a suffix `Code:...`). */
function errorOf(response: Response, text: string): { code: string; message: string } {
  let parsed: { __type?: unknown; code?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // Not JSON (a proxy's error page): the status names it.
  }
  const raw =
    response.headers.get("x-amzn-errortype") ?? (typeof parsed.__type === "string" ? parsed.__type : typeof parsed.code === "string" ? parsed.code : "");
  const code = raw.split(":")[0]!.split("#").pop() || `HTTP${response.status}`;
  const message = typeof parsed.message === "string" ? parsed.message : typeof parsed.Message === "string" ? parsed.Message : "";
  return { code, message };
}

/** The code of a fetch failure: the socket's (`ECONNREFUSED`, ...), undici's time-outs as `ETIMEDOUT`. */
function networkCode(error: unknown): string {
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: { code?: unknown } };
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  if (code?.startsWith("UND_ERR_") && code.includes("TIMEOUT")) return "ETIMEDOUT";
  if (code) return code;
  return name === "TimeoutError" || name === "AbortError" ? "TimeoutError" : "NetworkError";
}

function setting(env: Env, name: string, fallback?: string): string {
  const value = env[name] || fallback;
  if (!value) throw new SecretsConfigError(name, "not set: Lambda sets it in every function's environment; elsewhere, set it as for the AWS SDK");
  return value;
}

function maxAttemptsOf(env: Env): number {
  const raw = env.AWS_MAX_ATTEMPTS;
  if (raw === undefined || raw === "") return DEFAULT_MAX_ATTEMPTS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new SecretsConfigError("AWS_MAX_ATTEMPTS", `${JSON.stringify(raw)} is not a whole number of attempts >= 1`);
  return value;
}
