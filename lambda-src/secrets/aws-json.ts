import type { Budget } from "./budget";
import { serviceEndpoint, type AwsJsonService } from "./endpoints";
import { type InvalidResponseProblem, SecretsConfigError } from "./errors";
import type { HttpResponse, Send } from "./http-send";
import { quotaAwareRetry, type RetryPolicy } from "./retry-policy";
import { signRequest } from "./sigv4";
import type { Env } from "./source";

/** What {@link callAwsJson} needs besides the call. */
export interface AwsCallContext {
  /** Sends one signed request: sendHttp (node:https), or a test's stand-in. */
  readonly send: Send;
  /**
   * Region, credentials, endpoints, AWS_MAX_ATTEMPTS and AWS_USE_FIPS_ENDPOINT, as the SDKs read them: process.env in a
   * function.
   */
  readonly awsEnv: Env;
  /** Waits between attempts. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The jitter's source, in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** The clock the deadline is read on, in ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /**
   * The waits between attempts (retry-policy.ts), shared by the calls of one execution environment.
   * @default a policy of this call's own
   */
  readonly retry?: RetryPolicy;
}

/** One AWS JSON 1.1 call: `POST /` with `X-Amz-Target: <prefix>.<action>`. */
export interface AwsCall {
  readonly service: AwsJsonService;
  readonly action: string;
  readonly request: unknown;
  /** The time the call has, retries included (its deadline on the context's clock). */
  readonly budget: Budget;
  /**
   * The largest answer the call can have, in bytes: a larger one is refused unread (`too-large`).
   * @default SECRETS_MANAGER_ANSWER_BYTES
   */
  readonly maxBodyBytes?: number;
}

/**
 * The largest answers the stores send, in bytes: the largest value each holds (AWS: an
 * advanced-tier parameter 8 KB, a secret's SecretString 64 KB), at most 6 bytes a byte once
 * JSON-escaped (`\u0001`), plus 8 KB for the fields around it (names, ARNs, dates).
 */
export const SSM_ANSWER_BYTES_PER_NAME = 8192 * 6 + 8192;
export const SECRETS_MANAGER_ANSWER_BYTES = 65536 * 6 + 8192;

/**
 * Why a call failed, as far as retrying it goes: the service asked to slow down; AWS
 * failed (a 5xx); no answer came (refused, reset, timed out); or the answer is final.
 */
export type FailureKind = "throttled" | "transient" | "network" | "final";

/**
 * A failed AWS call: the service's error code (or a network code such as `ECONNREFUSED`),
 * how it failed and how many attempts were made. Shaped like an SDK service error (`name`,
 * `message`, `$metadata.attempts`), so classify-error.ts reads both alike; it never leaves
 * the loader: classifyFetchError turns it into a typed error and drops it, message included.
 */
export class AwsCallError extends Error {
  readonly $metadata: { readonly attempts: number; readonly httpStatusCode: number | undefined };
  readonly kind: FailureKind;
  /** Where the requests went: the endpoint's origin (no path, no user info). */
  readonly endpoint: string;
  /** The budget the call had, in ms. */
  readonly budgetMs: number;
  /** What is wrong with the answer, when the call failed because the answer was refused. */
  readonly invalid: InvalidResponseProblem | undefined;

  constructor(
    code: string,
    message: string,
    failure: {
      kind: FailureKind;
      status: number | undefined;
      attempts: number;
      endpoint: string;
      budgetMs: number;
      invalid?: InvalidResponseProblem | undefined;
    },
  ) {
    super(message);
    this.name = code;
    this.kind = failure.kind;
    this.invalid = failure.invalid;
    this.endpoint = failure.endpoint;
    this.budgetMs = failure.budgetMs;
    this.$metadata = { attempts: failure.attempts, httpStatusCode: failure.status };
  }
}

/**
 * Attempts per call when AWS_MAX_ATTEMPTS does not say, and the cap when it says more: the
 * deadline decides, and this bounds the count when attempts fail at once (a refused connection
 * takes well under a millisecond).
 */
export const MAX_ATTEMPTS_WITHIN_BUDGET = 100;

// Each attempt gets a third of the budget, within these bounds, and never more than is left:
// one lost connection must leave time for another attempt.
const MIN_ATTEMPT_TIMEOUT_MS = 1000;
const MAX_ATTEMPT_TIMEOUT_MS = 5000;
// No retry starts with less than this left before the deadline: it could not be answered.
const MIN_ATTEMPT_MS = 200;

// The codes the SDKs treat as throttling that SSM and Secrets Manager can answer (plus HTTP 429, below).
const THROTTLING_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
]);
const TRANSIENT_CODES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

/** How long one attempt may take, given the call's whole budget and what is left of it. */
export function attemptTimeoutMs(budgetMs: number, leftMs: number): number {
  return Math.max(
    1,
    Math.min(leftMs, Math.max(MIN_ATTEMPT_TIMEOUT_MS, Math.min(MAX_ATTEMPT_TIMEOUT_MS, budgetMs / 3))),
  );
}

/**
 * One AWS JSON 1.1 call, signed with SigV4 (sigv4.ts, on node:crypto) with the credentials
 * Lambda puts in the environment, sent with the context's `send`. Throttling, 5xx answers
 * and network failures are retried, after the waits the context's retry policy decides
 * (retry-policy.ts), until the deadline (and at most AWS_MAX_ATTEMPTS attempts when it is
 * set); every attempt has a timeout. Any other error answer is final at once. Returns the parsed response body;
 * throws {@link AwsCallError} (or {@link SecretsConfigError} for a missing region or credentials).
 */
export async function callAwsJson(call: AwsCall, context: AwsCallContext): Promise<unknown> {
  const { awsEnv } = context;
  const region = setting(awsEnv, "AWS_REGION", awsEnv.AWS_DEFAULT_REGION);
  const maxAttempts = maxAttemptsOf(awsEnv);
  const url = new URL(serviceEndpoint(call.service, region, awsEnv));
  const body = JSON.stringify(call.request);
  const sleep = context.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = context.random ?? Math.random;
  const now = context.now ?? Date.now;
  const retry = context.retry ?? quotaAwareRetry();
  const { budgetMs, deadline } = call.budget;
  const failure = { endpoint: url.origin, budgetMs };

  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(
      call,
      { url, region, body, timeoutMs: attemptTimeoutMs(budgetMs, deadline - now()) },
      context,
    );
    if ("body" in outcome || outcome.kind === "final") retry.answered();
    if ("body" in outcome) return outcome.body;
    const room = deadline - now() - MIN_ATTEMPT_MS;
    if (outcome.kind === "final" || attempt >= maxAttempts || room <= 0) {
      throw new AwsCallError(outcome.code, outcome.message, {
        ...failure,
        kind: outcome.kind,
        status: outcome.status,
        attempts: attempt,
        invalid: outcome.invalid,
      });
    }
    await sleep(retry.delayMs({ kind: outcome.kind, retry: attempt - 1, budgetMs, roomMs: room, random: random() }));
  }
}

type Outcome =
  | { readonly body: unknown }
  | {
      readonly kind: FailureKind;
      readonly code: string;
      readonly message: string;
      readonly status: number | undefined;
      readonly invalid?: InvalidResponseProblem;
    };

/** What {@link sendHttp} rejects with when it refused the answer itself, as the problem it is. */
const REFUSED_ANSWERS: Readonly<Record<string, InvalidResponseProblem>> = {
  ResponseTooLarge: "too-large",
  InvalidResponse: "not-utf8",
};

interface Attempt {
  readonly url: URL;
  readonly region: string;
  readonly body: string;
  readonly timeoutMs: number;
}

async function attemptOnce(call: AwsCall, attempt: Attempt, context: AwsCallContext): Promise<Outcome> {
  const { service, action } = call;
  const { url, body } = attempt;
  const maxBodyBytes = call.maxBodyBytes ?? SECRETS_MANAGER_ANSWER_BYTES;
  // An endpoint variable may carry a path (a proxy's prefix): requests go below it.
  const path = `${url.pathname.replace(/\/+$/, "")}/`;
  // Credentials are read per attempt, from the environment Lambda refreshes them in.
  const env = context.awsEnv;
  const credentials = [setting(env, "AWS_ACCESS_KEY_ID"), setting(env, "AWS_SECRET_ACCESS_KEY")];
  const sessionToken = env.AWS_SESSION_TOKEN ? setting(env, "AWS_SESSION_TOKEN") : undefined;
  if (sessionToken) credentials.push(sessionToken);
  const headers = signRequest({
    method: "POST",
    host: url.host,
    path,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `${service.targetPrefix}.${action}` },
    body,
    service: service.signingName,
    region: attempt.region,
    accessKeyId: credentials[0]!,
    secretAccessKey: credentials[1]!,
    sessionToken,
  });

  let response: HttpResponse;
  try {
    response = await context.send({
      url: `${url.origin}${path}`,
      method: "POST",
      headers,
      body,
      timeoutMs: attempt.timeoutMs,
      maxBodyBytes,
    });
  } catch (error) {
    const code = networkCode(error);
    const invalid = REFUSED_ANSWERS[code];
    // Node's own refusals (ERR_*: a request it cannot build) and refused answers would fail alike again: final.
    const final = invalid !== undefined || code.startsWith("ERR_");
    return {
      kind: final ? "final" : "network",
      code,
      message: `${service.displayName} could not be reached: ${code}`,
      status: undefined,
      invalid,
    };
  }
  // A stand-in's answer is held to the same limit as one read from the network.
  if (Buffer.byteLength(response.body) > maxBodyBytes)
    return { kind: "final", code: "ResponseTooLarge", message: "", status: response.status, invalid: "too-large" };

  if (response.status >= 200 && response.status < 300) {
    try {
      return { body: JSON.parse(response.body) as unknown };
    } catch {
      // JSON.parse's message quotes the text, which holds values: only the fact is kept.
      return {
        kind: "final",
        code: "InvalidResponse",
        message: `${service.displayName} answered ${action} with a body that is not JSON`,
        status: response.status,
        invalid: "not-json",
      };
    }
  }
  const { code, message } = errorOf(response, credentials);
  const throttled = THROTTLING_CODES.has(code) || response.status === 429;
  const transient = TRANSIENT_CODES.has(code) || TRANSIENT_STATUSES.has(response.status);
  return { kind: throttled ? "throttled" : transient ? "transient" : "final", code, message, status: response.status };
}

// An error code as AWS sends one: a bounded word of letters and digits (`ThrottlingException`).
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/**
 * The error code and message of an AWS JSON error answer (`__type` may carry a namespace `...#Code` or a suffix
 * `Code:...`). The code is kept only when it looks like one AWS sends and holds nothing of the
 * request's credentials (an endpoint echoing the session token back): otherwise `HTTP<status>`.
 * The message is never kept, only whether it names KMS (classify-error.ts tells KMS refusals by it).
 */
function errorOf(response: HttpResponse, credentials: readonly string[]): { code: string; message: string } {
  let parsed: { __type?: unknown; code?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = JSON.parse(response.body) as typeof parsed;
  } catch {
    // Not JSON (a proxy's error page): the status names it.
  }
  const header = response.headers["x-amzn-errortype"];
  const raw =
    (typeof header === "string" ? header : undefined) ??
    (typeof parsed.__type === "string" ? parsed.__type : typeof parsed.code === "string" ? parsed.code : "");
  const word = raw.split(":")[0]!.split("#").pop() ?? "";
  const echoed = credentials.some((secret) => secret.includes(word) || word.includes(secret));
  const code = ERROR_CODE.test(word) && !echoed ? word : `HTTP${response.status}`;
  const text = typeof parsed.message === "string" ? parsed.message : parsed.Message;
  return { code, message: typeof text === "string" && /\bkms:|AWSKMS|\bKMS\b/.test(text) ? "KMS" : "" };
}

/** The code of a failed send: the socket's (`ECONNREFUSED`, ...), `ETIMEDOUT` for an attempt out of time. */
function networkCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && code !== "" ? code : "NetworkError";
}

/**
 * A setting the request is built from. Each goes into a header or the signature, so it must
 * be printable ASCII: a line end (an env file with CRLF line ends) or a control character is
 * refused here, naming the variable and never showing the value, rather than left for Node to
 * refuse while building the request.
 */
function setting(env: Env, name: string, fallback?: string): string {
  const value = env[name] || fallback;
  if (!value)
    throw new SecretsConfigError(
      name,
      "not set: Lambda sets it in every function's environment; elsewhere, set it as for the AWS SDK",
    );
  const bad = [...value].findIndex((char) => char < "!" || char > "~");
  if (bad >= 0)
    throw new SecretsConfigError(
      name,
      `character ${bad + 1} of its ${value.length} is ${/[\r\n]/.test(value[bad]!) ? "a line end (an env file with CRLF line ends?)" : "a space, a control or a non-ASCII character"}, which a request cannot carry; the value is not shown`,
    );
  return value;
}

function maxAttemptsOf(env: Env): number {
  const raw = env.AWS_MAX_ATTEMPTS;
  if (raw === undefined || raw === "") return MAX_ATTEMPTS_WITHIN_BUDGET;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new SecretsConfigError("AWS_MAX_ATTEMPTS", `${JSON.stringify(raw)} is not a whole number of attempts >= 1`);
  // Capped all the same: a retry loop is bounded by a count as well as by the deadline.
  return Math.min(value, MAX_ATTEMPTS_WITHIN_BUDGET);
}
