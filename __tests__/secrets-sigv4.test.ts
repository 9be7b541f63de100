/**
 * SigV4, checked against AWS's published test vectors: the "Signature Version 4 test
 * suite" of the AWS General Reference (also shipped as aws-c-auth's
 * tests/aws-signing-test-suite/v4), cases get-vanilla, post-vanilla and
 * post-x-www-form-urlencoded. Credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
 * region us-east-1, service "service", 2015-08-30T12:36:00Z, host example.amazonaws.com.
 *
 * Both signers are held to them: aws4fetch, which signs the loader's requests, and the
 * fakes' own verifier (helpers/sigv4.ts), so a fake can only accept what AWS would.
 */
import { AwsV4Signer } from "aws4fetch";
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

describe("aws4fetch, the loader's signer", () => {
  test.each(VECTORS)("signs $name exactly as the suite's .authz says", async ({ method, headers, body, authz }) => {
    const signer = new AwsV4Signer({
      ...SUITE,
      url: "https://example.amazonaws.com/",
      method,
      headers,
      body: body || undefined,
      // aws4fetch leaves content-type out of the signature unless told; the suite signs it.
      allHeaders: true,
    });

    const signed = await signer.sign();

    expect(signed.headers.get("authorization")).toBe(authz);
    expect(signed.headers.get("x-amz-date")).toBe(SUITE.datetime);
  });

  test("get-vanilla's canonical request hashes to the suite's string-to-sign", async () => {
    const signer = new AwsV4Signer({ ...SUITE, url: "https://example.amazonaws.com/", method: "GET" });

    expect(await signer.canonicalString()).toBe(
      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(await signer.stringToSign()).toBe(
      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
    );
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
      signature(canonicalRequest(received({ ...vector, authz }, authz), signedHeaders), SUITE.secretAccessKey, SUITE.datetime, "us-east-1", "service"),
    ).toBe(given);
    expect(verifySignature(received({ ...vector, authz }, authz), () => SUITE.secretAccessKey)).toMatchObject({
      accessKeyId: "AKIDEXAMPLE",
      region: "us-east-1",
      service: "service",
    });
  });

  test("refuses a changed body, a wrong secret key and an unsigned x-amz-date", () => {
    const vector = VECTORS[2]!;
    expect(() => verifySignature({ ...received(vector, vector.authz), body: "Param1=value2" }, () => SUITE.secretAccessKey)).toThrow(
      /signature we calculated does not match/,
    );
    expect(() => verifySignature(received(vector, vector.authz), () => "another-secret")).toThrow(/does not match/);
    const withoutDate = vector.authz.replace("content-type;host;x-amz-date", "content-type;host");
    expect(() => verifySignature(received(vector, withoutDate), () => SUITE.secretAccessKey)).toThrow(/x-amz-date must be signed/);
  });
});
