/**
 * How the loader's signed requests travel: `node:https` (or `node:http` for a loopback
 * endpoint), one keep-alive agent per protocol and execution environment, and a timeout
 * on every attempt that covers connecting, waiting and reading the whole answer.
 *
 * Not fetch: Node loads its fetch implementation (undici) and WebCrypto on first use, which
 * tripled the wall time of a cold start's one request (docs/BENCHMARKS.md).
 */
import type { Agent } from "node:http";

/** One signed request, ready to send. */
export interface HttpRequest {
  readonly url: string;
  readonly method: "POST";
  /** Every header, as signed (Host among them). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** How long this attempt may take in all, in ms: connecting, the answer's arrival and reading it. */
  readonly timeoutMs: number;
  /**
   * The largest answer the call can have, in bytes: the store's own limits, JSON-escaped. A
   * larger one is refused as soon as its Content-Length or its bytes so far pass it (error
   * code `ResponseTooLarge`), never read whole. @default no limit (a stand-in's choice)
   */
  readonly maxBodyBytes?: number;
}

/** An answer, read whole. */
export interface HttpResponse {
  readonly status: number;
  /**
   * Header values by lower-case name (a header sent twice, as Node joins it; set-cookie, which AWS never sends here, as
   * a list).
   */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * Sends one request and reads its answer; rejects with an error whose `code` names what
 * failed on the network (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, `ETIMEDOUT` when the
 * attempt ran out of time, ...). The loader's `send` option takes a stand-in for tests.
 */
export type Send = (request: HttpRequest) => Promise<HttpResponse>;

type HttpModule = typeof import("node:http");

const clients = new Map<string, { readonly client: HttpModule; readonly agent: Agent }>();

// Loaded on first use, by protocol: a function reaches AWS over https only, and a loopback
// stand-in over http only; neither pays to load the other.
function clientFor(protocol: string): { readonly client: HttpModule; readonly agent: Agent } {
  let entry = clients.get(protocol);
  if (!entry) {
    const client: HttpModule = protocol === "http:" ? require("node:http") : require("node:https");
    // Keep-alive: the warm invocations' refreshes reuse the cold start's connection (and
    // its TLS session) instead of paying for a new one.
    entry = { client, agent: new client.Agent({ keepAlive: true }) };
    clients.set(protocol, entry);
  }
  return entry;
}

/**
 * An error with a network code, as Node's own socket errors carry one; only the code leaves this module (Node's
 * messages name the address).
 */
function networkError(error: unknown): Error & { code: string } {
  const code =
    typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : "NetworkError";
  return Object.assign(new Error(`request failed: ${code}`), { code });
}

/**
 * The default {@link Send}: `node:https`, or `node:http` for an `http:` endpoint. Whatever
 * goes wrong, the promise settles once, with an error carrying only a code: a request Node
 * refuses to build (`ERR_INVALID_CHAR` for a header value with a line end), a network
 * failure, the attempt's timeout, an answer over `maxBodyBytes` (`ResponseTooLarge`) or one
 * that is not UTF-8 (`InvalidResponse`).
 */
export const sendHttp: Send = (request) =>
  new Promise((resolve, reject) => {
    let settled = false;
    let outgoing: ReturnType<HttpModule["request"]> | undefined;
    let timer: NodeJS.Timeout | undefined;
    // Settles the attempt first, then drops the connection (whatever errors that raises come too late to count).
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(networkError(error));
      outgoing?.destroy();
    };
    const limit = request.maxBodyBytes ?? Number.POSITIVE_INFINITY;
    try {
      const url = new URL(request.url);
      const { client, agent } = clientFor(url.protocol);
      outgoing = client.request(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ""),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers: request.headers,
          agent,
        },
        (response) => {
          // Refused before a byte of the body is read when its announced size is too large.
          if (Number(response.headers["content-length"]) > limit) return fail({ code: "ResponseTooLarge" });
          const chunks: Buffer[] = [];
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            // An answer without Content-Length (chunked) is counted as it comes: never held past the limit.
            if (size > limit) fail({ code: "ResponseTooLarge" });
            else chunks.push(chunk);
          });
          // A connection reset mid-answer destroys the answer with ECONNRESET ("aborted"):
          // "end" comes only after a whole one.
          response.on("error", fail);
          response.on("end", () => {
            if (settled) return;
            let body: string;
            try {
              // Strict: bytes that are not UTF-8 would otherwise become U+FFFD in a secret.
              body = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
            } catch {
              return fail({ code: "InvalidResponse" });
            }
            settled = true;
            clearTimeout(timer);
            resolve({ status: response.statusCode ?? 0, headers: response.headers as HttpResponse["headers"], body });
          });
          return undefined;
        },
      );
    } catch (error) {
      // Node refuses to build the request (a header value with a line end, a bad URL): no request, no timer.
      return fail(error);
    }
    // One timer for the whole attempt: a socket option would only notice idleness, and an
    // endpoint that trickles bytes, or accepts and never answers, must not outlive the budget.
    timer = setTimeout(() => fail({ code: "ETIMEDOUT" }), request.timeoutMs);
    outgoing.on("error", fail);
    outgoing.end(request.body);
    return undefined;
  });
