/**
 * AWS Signature Version 4 for the one request shape the loader sends: a POST of a JSON body
 * to the endpoint's path, no query string, a handful of single-valued headers. Synchronous,
 * on node:crypto.
 *
 * Why not a library: aws4 (the signer much of the Node ecosystem has used for a decade) is
 * 8.2 KB of a minified bundle, a third of the function's 25 KiB budget, for request shapes
 * the loader never sends (S3, presigned URLs, query strings, path normalisation); aws4fetch
 * is as large and signs with WebCrypto, which Node loads on first use (about 25 ms of a cold
 * start); the SDK's own signer (@smithy/signature-v4) is asynchronous and bundles to 140 KB.
 * Measured side by side by `npm run bench` (docs/BENCHMARKS.md). This file is held to AWS's
 * published test vectors (secrets-sigv4.test.ts), and every request the tests send is
 * checked by the loopback fakes' own, separately written verifier.
 */
import { createHash, createHmac } from "node:crypto";

/** What is signed: the request, and who signs it where. */
export interface SigningRequest {
  readonly method: string;
  /** The endpoint's host, with its port when it has one: the Host header. */
  readonly host: string;
  /** The path, already in canonical form (no `.` or `..` segments, reserved characters percent-encoded). */
  readonly path: string;
  /** Headers besides Host, by lower-case name; every one is signed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly service: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The role's session token, sent and signed as X-Amz-Security-Token. */
  readonly sessionToken?: string | undefined;
  /** When the request is signed. @default now */
  readonly date?: Date;
}

const hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const mac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/**
 * The request's headers with the signature: Host, X-Amz-Date, X-Amz-Security-Token (with a
 * session token) and Authorization added to the given ones, all by lower-case name.
 */
export function signRequest(request: SigningRequest): Record<string, string> {
  const amzDate = (request.date ?? new Date()).toISOString().replace(/[:-]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...request.headers, host: request.host, "x-amz-date": amzDate };
  if (request.sessionToken) headers["x-amz-security-token"] = request.sessionToken;
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(";");
  const canonical = [
    request.method,
    request.path,
    "",
    ...names.map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, " ")}`),
    "",
    signedHeaders,
    hex(request.body),
  ].join("\n");
  const scope = `${day}/${request.region}/${request.service}/aws4_request`;
  // The signing key: the secret key, HMAC'd with the day, the region, the service and the terminator in turn.
  const key = [day, request.region, request.service, "aws4_request"].reduce<string | Buffer>(
    mac,
    `AWS4${request.secretAccessKey}`,
  );
  const signature = createHmac("sha256", key)
    .update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${hex(canonical)}`, "utf8")
    .digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${request.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
