/**
 * SigV4, checked against AWS's published test vectors: the "Signature Version 4 test
 * suite" of the AWS General Reference (also shipped as aws-c-auth's
 * tests/aws-signing-test-suite/v4), cases get-vanilla, post-vanilla and
 * post-x-www-form-urlencoded. Credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
 * region us-east-1, service "service", 2015-08-30T12:36:00Z, host example.amazonaws.com;
 * post-sts-header-before adds the suite's session token.
 *
 * Both implementations are held to them, each written separately from AWS's description:
 * the loader's signer (lambda-src/secrets/sigv4.ts) and the fakes' verifier
 * (helpers/sigv4.ts), so the loader sends what AWS accepts and a fake accepts only that.
 */
import { signRequest } from "../lambda-src/secrets/sigv4";
import { canonicalRequest, signature, verifySignature } from "./helpers/sigv4";

const SUITE = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  service: "service",
  datetime: "20150830T123600Z",
};
const SCOPE = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

/** A vector: the request, and the Authorization header the suite's .authz file holds. */
interface Vector {
  readonly name: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly authz: string;
}

const VECTORS: readonly Vector[] = [
  {
    name: "get-vanilla",
    method: "GET",
    headers: {},
    body: "",
    authz: `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
  },
  {
    name: "post-vanilla",
    method: "POST",
    headers: {},
    body: "",
    authz: `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`,
  },
  {
    name: "post-x-www-form-urlencoded",
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "Param1=value1",
    authz: `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a`,
  },
];

describe("the loader's signer", () => {
  const sign = (vector: Vector, extra: Partial<Parameters<typeof signRequest>[0]> = {}) =>
    signRequest({
      method: vector.method,
      host: "example.amazonaws.com",
      path: "/",
      headers: vector.headers,
      body: vector.body,
      service: SUITE.service,
      region: SUITE.region,
      accessKeyId: SUITE.accessKeyId,
      secretAccessKey: SUITE.secretAccessKey,
      date: new Date("2015-08-30T12:36:00Z"),
      ...extra,
    });

  test.each(VECTORS)("signs $name exactly as the suite's .authz says", (vector) => {
    const headers = sign(vector);

    expect(headers.authorization).toBe(vector.authz);
    expect(headers["x-amz-date"]).toBe(SUITE.datetime);
    expect(headers.host).toBe("example.amazonaws.com");
  });

  test("signs the session token it sends, as the suite's post-sts-header-before says", () => {
    // post-sts-token/post-sts-header-before: the token is a header before signing, so it is signed.
    const token =
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
    const headers = sign(VECTORS[1]!, { sessionToken: token });

    expect(headers["x-amz-security-token"]).toBe(token);
    expect(headers.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead`,
    );
  });

  test("folds runs of whitespace in header values and trims them, as the canonical form requires", () => {
    const spaced = sign({ ...VECTORS[2]!, headers: { "content-type": "  application/x-www-form-urlencoded  " } });

    expect(spaced.authorization).toBe(VECTORS[2]!.authz);
  });
});

describe("the fakes' verifier", () => {
  function received(vector: Vector, authorization: string) {
    return {
      method: vector.method,
      path: "/",
      headers: { ...vector.headers, host: "example.amazonaws.com", "x-amz-date": SUITE.datetime, authorization },
      body: vector.body,
    };
  }

  test.each(VECTORS)("computes $name's signature and accepts its .authz", ({ authz, ...vector }) => {
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authz)![1]!.split(";");
    const given = /Signature=(\w+)/.exec(authz)![1]!;

    expect(
      signature(
        canonicalRequest(received({ ...vector, authz }, authz), signedHeaders),
        SUITE.secretAccessKey,
        SUITE.datetime,
        "us-east-1",
        "service",
      ),
    ).toBe(given);
    expect(verifySignature(received({ ...vector, authz }, authz), () => SUITE.secretAccessKey)).toMatchObject({
      accessKeyId: "AKIDEXAMPLE",
      region: "us-east-1",
      service: "service",
    });
  });

  test("refuses a changed body, a wrong secret key and an unsigned x-amz-date", () => {
    const vector = VECTORS[2]!;
    expect(() =>
      verifySignature({ ...received(vector, vector.authz), body: "Param1=value2" }, () => SUITE.secretAccessKey),
    ).toThrow(/signature we calculated does not match/);
    expect(() => verifySignature(received(vector, vector.authz), () => "another-secret")).toThrow(/does not match/);
    const withoutDate = vector.authz.replace("content-type;host;x-amz-date", "content-type;host");
    expect(() => verifySignature(received(vector, withoutDate), () => SUITE.secretAccessKey)).toThrow(
      /x-amz-date must be signed/,
    );
  });
});
