/**
 * A loopback endpoint that answers however a test scripts it: what a broken proxy, a
 * misconfigured stand-in or a hostile server at AWS_ENDPOINT_URL* could send. Unlike the
 * fakes, it checks nothing and implements no service: each request gets the scripted
 * answer, and the endpoint records how many body bytes it managed to send and whether the
 * client hung up before it was done.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "./loopback";

/** One answer: status, headers and a body, or a function that writes the answer itself. */
export type HostileAnswer =
  | {
      readonly status?: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body: string | Buffer;
    }
  | ((request: IncomingMessage, response: ServerResponse, sent: (bytes: number) => void) => void);

/** A running hostile endpoint. */
export interface HostileEndpoint {
  readonly url: string;
  /** Requests answered so far. */
  readonly requests: number;
  /** Body bytes written, in all. */
  readonly bytesSent: number;
  /** Whether a client closed its connection before an answer was complete. */
  readonly hungUp: boolean;
  close(): Promise<void>;
}

/** Starts an endpoint that answers every request with `answer`. */
export async function startHostileEndpoint(answer: HostileAnswer): Promise<HostileEndpoint> {
  let requests = 0;
  let bytesSent = 0;
  let hungUp = false;
  const server = createServer((request, response) => {
    requests++;
    response.on("close", () => {
      if (!response.writableFinished) hungUp = true;
    });
    request.resume();
    request.on("end", () => {
      if (typeof answer === "function") return answer(request, response, (bytes) => (bytesSent += bytes));
      const body = typeof answer.body === "string" ? Buffer.from(answer.body) : answer.body;
      response.writeHead(answer.status ?? 200, { "content-type": "application/x-amz-json-1.1", ...answer.headers });
      bytesSent += body.length;
      response.end(body);
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    get requests() {
      return requests;
    },
    get bytesSent() {
      return bytesSent;
    },
    get hungUp() {
      return hungUp;
    },
    close: () => closeServer(server),
  };
}

/**
 * An answer that never ends: 64 KiB chunks as fast as the client reads them, without a
 * Content-Length (chunked), until the client hangs up.
 */
export function endlessAnswer(prefix: string): HostileAnswer {
  return (_request, response, sent) => {
    response.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
    const chunk = Buffer.alloc(64 * 1024, "a");
    response.write(prefix);
    const pump = () => {
      while (!response.destroyed) {
        sent(chunk.length);
        if (!response.write(chunk)) return void response.once("drain", pump);
      }
    };
    pump();
  };
}
