/**
 * An independent SigV4 check for the loopback fakes, written from AWS's description of the
 * algorithm with node:crypto (not aws4fetch): it recomputes the signature of a received
 * request from the headers it says it signed, so a fake refuses what AWS would refuse.
 * Proven against AWS's published test vectors in secrets-sigv4.test.ts.
 */
import { createHash, createHmac } from "node:crypto";

/** A request as a server received it. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, e.g. `/` or `/?a=b`. */
  readonly path: string;
  /** Header values by lower-case name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** What a valid signature says about its request. */
export interface VerifiedSignature {
  readonly accessKeyId: string;
  /** The credential scope's date, region and service. */
  readonly date: string;
  readonly region: string;
  readonly service: string;
  /** The lower-case names of the signed headers. */
  readonly signedHeaders: readonly string[];
}

/** Why a request's signature is refused, as AWS names it. */
export class SignatureError extends Error {
  constructor(
    readonly code: "MissingAuthenticationTokenException" | "IncompleteSignatureException" | "InvalidSignatureException",
    message: string,
  ) {
    super(message);
  }
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const hmac = (key: string | Buffer, text: string) => createHmac("sha256", key).update(text, "utf8").digest();

/** The canonical request of SigV4 for `request` and the headers it signs. */
export function canonicalRequest(request: ReceivedRequest, signedHeaders: readonly string[]): string {
  const url = new URL(request.path, "http://placeholder");
  const encode = (text: string) =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...url.searchParams]
    .map(([key, value]) => [encode(key), encode(value)] as const)
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
  const headers = signedHeaders
    .map((name) => `${name}:${(request.headers[name] ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const payloadHash = request.headers["x-amz-content-sha256"] ?? sha256(request.body);
  return [request.method.toUpperCase(), url.pathname, query, headers, signedHeaders.join(";"), payloadHash].join("\n");
}

/** The signature of `canonical` for the secret key, date-time (`YYYYMMDDTHHMMSSZ`), region and service. */
export function signature(
  canonical: string,
  secretAccessKey: string,
  amzDate: string,
  region: string,
  service: string,
): string {
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), "aws4_request");
  return createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
}

/**
 * Checks a request's SigV4 signature with the secret key `secretFor(accessKeyId)` gives;
 * throws a {@link SignatureError} when it is missing, malformed, leaves out `host` or
 * `x-amz-date`, or does not match.
 */
export function verifySignature(
  request: ReceivedRequest,
  secretFor: (accessKeyId: string) => string | undefined,
): VerifiedSignature {
  const authorization = request.headers.authorization;
  if (!authorization)
    throw new SignatureError("MissingAuthenticationTokenException", "Request is missing Authentication Token");
  const match = AUTHORIZATION.exec(authorization);
  if (!match)
    throw new SignatureError(
      "IncompleteSignatureException",
      "Authorization header is not a SigV4 AWS4-HMAC-SHA256 signature",
    );
  const [, accessKeyId, date, region, service, signed, given] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const signedHeaders = signed.split(";");
  const amzDate = request.headers["x-amz-date"] ?? "";
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date") || !amzDate.startsWith(date)) {
    throw new SignatureError(
      "IncompleteSignatureException",
      "host and x-amz-date must be signed, and x-amz-date must match the credential scope",
    );
  }
  const secret = secretFor(accessKeyId);
  if (
    secret === undefined ||
    signature(canonicalRequest(request, signedHeaders), secret, amzDate, region, service) !== given
  ) {
    throw new SignatureError(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided.",
    );
  }
  return { accessKeyId, date, region, service, signedHeaders };
}
