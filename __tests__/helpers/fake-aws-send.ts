/**
 * An in-process stand-in for an AWS JSON 1.1 service, for the loader's `send` option: it
 * answers the loader's signed requests (checking their SigV4 signature, as the loopback
 * fakes do) from a handler, and records them. For unit tests that script each answer; the
 * loopback fakes (ssm-server.ts, secretsmanager-server.ts) are for everything that goes
 * over a socket.
 */
import type { HttpResponse, Send } from "../../lambda-src/secrets";
import { SignatureError, verifySignature, type VerifiedSignature } from "./sigv4";

/** An error answer: `{ __type: code, message, ...extra }` with this HTTP status. */
export class FakeAwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** One request the fake answered. */
export interface FakeCall {
  readonly action: string;
  readonly request: Record<string, unknown>;
  readonly signature: VerifiedSignature;
  /** The request's headers, by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly url: string;
}

/** Answers one call: the response body, or a promise of it; throws a {@link FakeAwsError} for an error answer. */
export type FakeHandler = (
  action: string,
  request: Record<string, unknown>,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** A fake service: its `send` for the loader, the calls so far, and the handler, replaceable. */
export interface FakeAwsService {
  readonly send: Send;
  readonly calls: FakeCall[];
  handler: FakeHandler;
}

/**
 * A fake of the service whose requests carry `X-Amz-Target: <targetPrefix>.<Action>`, signed for `signingName`, with
 * the tests' credentials test / test.
 */
export function fakeAwsService(options: {
  readonly targetPrefix: string;
  readonly signingName: string;
  readonly handler: FakeHandler;
}): FakeAwsService {
  const service: FakeAwsService = {
    calls: [],
    handler: options.handler,
    async send({ url, method, headers: sent, body }) {
      const headers = Object.fromEntries(Object.entries(sent).map(([name, value]) => [name.toLowerCase(), value]));
      let signature: VerifiedSignature;
      try {
        signature = verifySignature({ method, path: new URL(url).pathname, headers, body }, (key) =>
          key === "test" ? "test" : undefined,
        );
        if (signature.service !== options.signingName)
          throw new SignatureError("InvalidSignatureException", "signed for another service");
        if (headers.host !== new URL(url).host)
          throw new SignatureError("InvalidSignatureException", "signed for another host");
      } catch (error) {
        if (error instanceof SignatureError) return answer(400, { __type: error.code, message: error.message });
        throw error;
      }
      const target = headers["x-amz-target"] ?? "";
      const action = target.startsWith(`${options.targetPrefix}.`)
        ? target.slice(options.targetPrefix.length + 1)
        : target;
      const request = JSON.parse(body) as Record<string, unknown>;
      service.calls.push({ action, request, signature, headers, url });
      try {
        return answer(200, await service.handler(action, request));
      } catch (error) {
        if (error instanceof FakeAwsError)
          return answer(error.status, { ...error.extra, __type: error.code, message: error.message });
        throw error;
      }
    },
  };
  return service;
}

function answer(status: number, body: Record<string, unknown>): HttpResponse {
  return { status, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify(body) };
}
