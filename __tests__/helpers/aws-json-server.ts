/**
 * The core of the loopback fakes of AWS services (ssm-server.ts, secretsmanager-server.ts,
 * sts-server.ts): it verifies each request's SigV4 signature, reads its action (the
 * X-Amz-Target header of AWS JSON 1.1, or the Action parameter of the Query protocol
 * STS speaks), records the call, counts how many calls of an action overlapped, can delay
 * its answers, can answer the next calls of an action with an injected error, break them on
 * the wire (never answer, reset mid-answer, answer slowly) or run a hook when they arrive,
 * can enforce a throughput limit as AWS does (a token bucket answering ThrottlingException
 * beyond it), logs every error it answered with, and answers in the service's protocol.
 *
 * A fake supplies only the service logic, as a `handle(action, request, caller)` that
 * returns the response body or throws a {@link ServiceError}.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "./loopback";
import { SignatureError, verifySignature, type VerifiedSignature } from "./sigv4";

/** The access keys the fakes accept, and their secret keys: the tests' credentials. */
const KNOWN_CREDENTIALS: Readonly<Record<string, string>> = { test: "test" };

/** One request the fake received. */
export interface RecordedCall {
  readonly action: string;
  /** The parsed JSON request body. */
  readonly request: Readonly<Record<string, unknown>>;
  /** When the request arrived (ms since epoch). */
  readonly receivedAt: number;
  /** What its (valid) signature says: credential scope and signed headers. */
  readonly signature: VerifiedSignature;
  /** Whether it carried a session token (X-Amz-Security-Token). */
  readonly sessionToken: boolean;
}

/** An error to answer with instead of handling the request. */
export interface InjectedError {
  /** The AWS error code, e.g. `ThrottlingException`, `AccessDeniedException`. */
  readonly code: string;
  /** @default "injected <code>" */
  readonly message?: string;
  /** HTTP status. @default 400 */
  readonly status?: number;
  /** How many consecutive calls fail. @default 1 */
  readonly times?: number;
}

/**
 * A fault on the wire, for the next call(s) of an action: accept the request and never
 * answer; send the head and half of the answer, then reset the connection, or then stall;
 * or answer normally after `ms`.
 */
export type InjectedFault = (
  | { readonly kind: "never-answers" }
  | { readonly kind: "reset-mid-answer" }
  | { readonly kind: "stall-mid-answer" }
  | { readonly kind: "slow"; readonly ms: number }
) & {
  /** How many consecutive calls it breaks (Infinity: every one). @default 1 */
  readonly times?: number;
};

/**
 * A throughput limit: a token bucket holding `burst` tokens, refilled at `perSecond`; a call finding it empty is
 * throttled.
 */
export interface Throughput {
  readonly perSecond: number;
  /** @default perSecond (one second of calls) */
  readonly burst?: number;
}

/** An error the fake answered with (injected or not): everything a client could show of it. */
export interface AnsweredError {
  readonly action: string;
  readonly code: string;
  readonly message: string;
}

/** What {@link AwsJsonServer.beforeNext} runs: gets the parsed request of the call that arrived. */
export type CallHook = (request: Readonly<Record<string, unknown>>) => void;

/** Thrown by a fake's handler for an error the service answers with: becomes a 400 `{ __type: code, message }`. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Who signed a request: the fakes derive an identity from the access key. */
export interface Caller {
  readonly accessKeyId: string;
}

/**
 * How a service's requests and answers are encoded: AWS JSON 1.1 (SSM, Secrets Manager),
 * or the Query protocol (STS: a form-encoded `Action=...` body, XML answers).
 */
export type AwsProtocol =
  | { readonly kind: "json"; readonly targetPrefix: string }
  | { readonly kind: "query"; readonly xmlNamespace: string };

/** Options of {@link startAwsJsonServer}. */
export interface AwsJsonServerOptions {
  /** What precedes `.<Action>` in X-Amz-Target, e.g. `AmazonSSM`, `secretsmanager` (protocol JSON). */
  readonly targetPrefix?: string;
  /** @default JSON 1.1 with {@link targetPrefix} */
  readonly protocol?: AwsProtocol;
  /** The service's SigV4 signing name, e.g. `ssm`: a request signed for another service is refused. */
  readonly signingName: string;
  /** The service in the fake's own error messages, e.g. `SSM` ("the fake SSM failed"). */
  readonly name: string;
  /**
   * The code of the 500 answer when the handler fails with anything but a {@link ServiceError}, as the service spells
   * it.
   */
  readonly internalErrorCode: string;
  /** Delay before every answer, in ms, so that concurrent calls overlap measurably. @default 0 */
  readonly latencyMs?: number | undefined;
  /**
   * Answers one call: the response body, or undefined for an action the fake does not
   * implement (answered `UnknownOperationException`). Throws a {@link ServiceError} for a
   * service error.
   */
  readonly handle: (
    action: string,
    request: Record<string, unknown>,
    caller: Caller,
  ) => Record<string, unknown> | undefined;
}

/** A running fake AWS JSON 1.1 service: what every fake offers besides its service logic. */
export interface AwsJsonServer<Action extends string = string> {
  /** `http://127.0.0.1:<port>`, for the service's `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly url: string;
  /** Every call so far, in arrival order. */
  readonly calls: readonly RecordedCall[];
  /** Number of calls of an action so far. */
  callCount(action: Action): number;
  /** Most calls of an action that were in progress at the same time. */
  maxConcurrent(action: Action): number;
  /**
   * Forgets the recorded calls and concurrency (keeps the service's data, injected errors, hooks and the errors log).
   */
  resetCalls(): void;
  /** Delays every answer by `ms` from now on (0: none), so that concurrent calls overlap measurably. */
  setLatency(ms: number): void;
  /** Answers the next call(s) of `action` with `error`. Injections queue up in order. */
  failNext(action: Action, error: InjectedError): void;
  /**
   * Runs `hook` when each of the next `times` calls of `action` arrives (Infinity: every
   * one), before the fake answers it (after the latency, before an injected error), e.g.
   * to make another writer change the service's data between a client's read and its
   * write. Hooks queue up in order. @default times 1
   */
  beforeNext(action: Action, hook: CallHook, times?: number): void;
  /** Breaks the next call(s) of `action` on the wire. Faults queue up in order, before injected errors. */
  breakNext(action: Action, fault: InjectedFault): void;
  /**
   * Limits every call from now on to `throughput`, as AWS limits an account's calls per
   * region (SSM's GetParameter* share 40 per second by default), answering
   * ThrottlingException beyond it; undefined lifts the limit.
   */
  setThroughput(throughput: Throughput | undefined): void;
  /** Every error the fake answered with, in order (not cleared by resetCalls). */
  readonly errors: readonly AnsweredError[];
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>;
}

/** Starts a fake AWS JSON 1.1 service on 127.0.0.1 on a random free port. */
export async function startAwsJsonServer<Action extends string>(
  options: AwsJsonServerOptions,
): Promise<AwsJsonServer<Action>> {
  const { name, internalErrorCode, handle } = options;
  const protocol: AwsProtocol = options.protocol ?? { kind: "json", targetPrefix: options.targetPrefix ?? "" };
  const calls: RecordedCall[] = [];
  const injected = new Map<string, InjectedError[]>();
  const broken = new Map<string, InjectedFault[]>();
  let bucket: { perSecond: number; burst: number; tokens: number; at: number } | undefined;
  const hooks = new Map<string, { hook: CallHook; times: number }[]>();
  const errors: AnsweredError[] = [];
  const active = new Map<string, number>();
  const peak = new Map<string, number>();
  let latencyMs = options.latencyMs ?? 0;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const { action, request } = decode(protocol, req, text);
    let signature: VerifiedSignature;
    try {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(",") : value]),
      );
      signature = verifySignature(
        { method: req.method ?? "", path: req.url ?? "/", headers, body: text },
        (key) => KNOWN_CREDENTIALS[key],
      );
      if (signature.service !== options.signingName)
        throw new SignatureError(
          "InvalidSignatureException",
          `Credential should be scoped to correct service: '${options.signingName}'.`,
        );
    } catch (error) {
      if (!(error instanceof SignatureError)) throw error;
      return sendError(
        res,
        action,
        error.code === "MissingAuthenticationTokenException" ? 403 : 400,
        error.code,
        error.message,
      );
    }
    calls.push({
      action,
      request,
      receivedAt: Date.now(),
      signature,
      sessionToken: req.headers["x-amz-security-token"] !== undefined,
    });
    active.set(action, (active.get(action) ?? 0) + 1);
    peak.set(action, Math.max(peak.get(action) ?? 0, active.get(action) ?? 0));
    try {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      const fault = take(broken, action);
      // Never answered: the socket stays open until the client gives up or close() drops it.
      if (fault?.kind === "never-answers") return;
      if (fault?.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.ms));
      if (fault?.kind === "reset-mid-answer" || fault?.kind === "stall-mid-answer") {
        return halfAnswer(res, { Parameters: [], note: "cut short" }, fault.kind === "reset-mid-answer");
      }
      if (!takeToken()) return sendError(res, action, 400, "ThrottlingException", "Rate exceeded");
      takeHook(action)?.(request);
      const failure = take(injected, action);
      if (failure)
        return sendError(
          res,
          action,
          failure.status ?? 400,
          failure.code,
          failure.message ?? `injected ${failure.code}`,
        );
      const response = handle(action, request, { accessKeyId: signature.accessKeyId });
      if (!response)
        throw new ServiceError("UnknownOperationException", `the fake ${name} does not implement ${action}`);
      send(protocol, res, 200, action, response);
    } catch (error) {
      if (error instanceof ServiceError) return sendError(res, action, 400, error.code, error.message);
      sendError(res, action, 500, internalErrorCode, `the fake ${name} failed`);
    } finally {
      active.set(action, (active.get(action) ?? 1) - 1);
    }
  }

  function sendError(res: ServerResponse, action: string, status: number, code: string, message: string): void {
    errors.push({ action, code, message });
    sendFailure(protocol, res, status, code, message);
  }

  function takeHook(action: string): CallHook | undefined {
    const queue = hooks.get(action);
    const next = queue?.[0];
    if (!queue || !next) return undefined;
    if (next.times > 1) queue[0] = { ...next, times: next.times - 1 };
    else queue.shift();
    return next.hook;
  }

  function take<T extends { readonly times?: number }>(queues: Map<string, T[]>, action: string): T | undefined {
    const queue = queues.get(action);
    const next = queue?.[0];
    if (!queue || !next) return undefined;
    const remaining = (next.times ?? 1) - 1;
    if (remaining > 0) queue[0] = { ...next, times: remaining };
    else queue.shift();
    return next;
  }

  /** Takes a token from the bucket, refilled for the time since the last call; false when it is empty. */
  function takeToken(): boolean {
    if (!bucket) return true;
    const now = performance.now();
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.at) / 1000) * bucket.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch(() => sendFailure(protocol, res, 500, internalErrorCode, `the fake ${name} failed`));
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    calls,
    callCount: (action) => calls.filter((call) => call.action === action).length,
    maxConcurrent: (action) => peak.get(action) ?? 0,
    resetCalls() {
      calls.length = 0;
      peak.clear();
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    failNext(action, error) {
      injected.set(action, [...(injected.get(action) ?? []), error]);
    },
    breakNext(action, fault) {
      broken.set(action, [...(broken.get(action) ?? []), fault]);
    },
    setThroughput(throughput) {
      bucket = throughput && {
        perSecond: throughput.perSecond,
        burst: throughput.burst ?? throughput.perSecond,
        tokens: throughput.burst ?? throughput.perSecond,
        at: performance.now(),
      };
    },
    beforeNext(action, hook, times = 1) {
      hooks.set(action, [...(hooks.get(action) ?? []), { hook, times }]);
    },
    errors,
    close: () => closeServer(server),
  };
}

/**
 * Sends the head of a 200 and half its body, then resets the connection (TCP RST), as a
 * dying proxy or a dropped link does, or sends nothing more (the socket stays open until
 * the client gives up or close() drops it).
 */
function halfAnswer(res: ServerResponse, body: Record<string, unknown>, reset: boolean): void {
  const payload = JSON.stringify(body);
  res.writeHead(200, { "content-type": "application/x-amz-json-1.1", "content-length": Buffer.byteLength(payload) });
  res.write(payload.slice(0, payload.length / 2), () => (reset ? res.socket?.resetAndDestroy() : undefined));
}

/** The action and the request's parameters, as the protocol carries them. */
function decode(
  protocol: AwsProtocol,
  req: IncomingMessage,
  text: string,
): { action: string; request: Record<string, unknown> } {
  if (protocol.kind === "query") {
    const params = Object.fromEntries(new URLSearchParams(text));
    return { action: params.Action ?? "", request: params };
  }
  const prefix = `${protocol.targetPrefix}.`;
  const target = String(req.headers["x-amz-target"] ?? "");
  let request: Record<string, unknown> = {};
  try {
    request = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  } catch {
    // An unreadable body: the handler sees no parameters and answers as the service would.
  }
  return { action: target.startsWith(prefix) ? target.slice(prefix.length) : target, request };
}

function send(
  protocol: AwsProtocol,
  res: ServerResponse,
  status: number,
  action: string,
  body: Record<string, unknown>,
): void {
  if (protocol.kind === "json") {
    write(res, status, "application/x-amz-json-1.1", JSON.stringify(body));
    return;
  }
  const fields = Object.entries(body)
    .map(([key, value]) => `<${key}>${escapeXml(String(value))}</${key}>`)
    .join("");
  const xml =
    `<${action}Response xmlns="${protocol.xmlNamespace}"><${action}Result>${fields}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${action}Response>`;
  write(res, status, "text/xml", xml);
}

function sendFailure(protocol: AwsProtocol, res: ServerResponse, status: number, code: string, message: string): void {
  if (protocol.kind === "json") {
    write(res, status, "application/x-amz-json-1.1", JSON.stringify({ __type: code, message }));
    return;
  }
  const xml =
    `<ErrorResponse xmlns="${protocol.xmlNamespace}"><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`;
  write(res, status, "text/xml", xml);
}

function write(res: ServerResponse, status: number, contentType: string, payload: string): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(payload),
    "x-amzn-requestid": requestId(),
  });
  res.end(payload);
}

function requestId(): string {
  return `fake-${Math.random().toString(16).slice(2)}`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
