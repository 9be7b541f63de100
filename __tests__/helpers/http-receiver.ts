/**
 * A loopback HTTP server that records what it receives and answers with canned
 * responses: stands in for the GitHub API and a Slack webhook in tests. Always `close()` it.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import { closeServer, listenOnLoopback } from "./loopback";

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, e.g. `/repos/octo-org/octo-repo`. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A canned answer. */
export interface CannedResponse {
  /** @default 200 */
  readonly status?: number;
  /** Sent as JSON. @default {} */
  readonly json?: unknown;
}

/** A running receiver. */
export interface HttpReceiver {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly ReceivedRequest[];
  /** Answers `METHOD path` with `response` (or what it gives for each request) from now on; unknown routes get 404. */
  respond(
    method: string,
    path: string,
    response: CannedResponse | ((request: ReceivedRequest) => CannedResponse),
  ): void;
  /** Forgets the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 on a random free port. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const routes = new Map<string, CannedResponse | ((request: ReceivedRequest) => CannedResponse)>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const request: ReceivedRequest = {
        method: req.method ?? "GET",
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(request);
      const answer = routes.get(`${req.method} ${path}`);
      const route = typeof answer === "function" ? answer(request) : answer;
      const payload = JSON.stringify(route ? (route.json ?? {}) : { message: "Not Found" });
      res.writeHead(route ? (route.status ?? 200) : 404, { "content-type": "application/json" });
      res.end(payload);
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    requests,
    respond: (method, path, response) => void routes.set(`${method.toUpperCase()} ${path}`, response),
    reset: () => {
      requests.length = 0;
    },
    close: () => closeServer(server),
  };
}
