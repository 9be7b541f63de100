/**
 * The scan's own logic, without the scanners (those run in npm run test:scan): the skip
 * list's checks, which failures a skip accepts, stale skips, and Checkov's resource names.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { addressOf, checkovReadable } from "../audit/scan/checkov";
import { ScanError, type ScanResult } from "../audit/scan/result";
import { applySkips, readSkips, SKIPS_FILE } from "../audit/scan/skips";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-skips-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function skipsFrom(content: unknown): ReturnType<typeof readSkips> {
  const file = path.join(dir, `skips-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return readSkips(file);
}

const result = (id: string, resource: string, outcome: ScanResult["result"] = "failed"): ScanResult => ({
  scanner: "checkov",
  id,
  resource,
  result: outcome,
  title: "t",
});

describe("the skip list", () => {
  test("the checked-in list reads, and every entry has a one-line reason", () => {
    const skips = readSkips(SKIPS_FILE);
    expect(skips.length).toBeGreaterThan(0);
    for (const skip of skips) expect(skip.reason.length).toBeGreaterThan(30);
  });

  test.each([
    ["not an array", { id: "CKV_AWS_7" }, /must be a JSON array/],
    [
      "a missing reason",
      [{ id: "CKV_AWS_7", resource: "all" }],
      /entry 0: reason must be one non-empty line saying why CKV_AWS_7 is accepted/,
    ],
    [
      "a two-line reason",
      [{ id: "CKV_AWS_7", resource: "all", reason: "a\nb" }],
      /entry 0: reason must be one non-empty line/,
    ],
    [
      "a missing resource",
      [{ id: "CKV_AWS_7", reason: "why" }],
      /entry 0: resource undefined must be a Terraform address or "all"/,
    ],
    ["a bad id", [{ id: "CKV AWS 7", resource: "all", reason: "why" }], /entry 0: id "CKV AWS 7" must be a check id/],
    [
      "an unknown field",
      [{ id: "CKV_AWS_7", resource: "all", reason: "why", until: "2027" }],
      /entry 0: unknown field "until"; allowed: id, resource, reason/,
    ],
    [
      "a duplicate",
      [
        { id: "CKV_AWS_7", resource: "all", reason: "why" },
        { id: "CKV_AWS_7", resource: "all", reason: "again" },
      ],
      /entry 1: CKV_AWS_7 on all is listed twice/,
    ],
    ["text that is not JSON", "[{", /cannot read the skip list/],
  ])("refuses %s, naming the entry", (_name, content, message) => {
    expect(() => skipsFrom(content)).toThrow(ScanError);
    expect(() => skipsFrom(content)).toThrow(message);
  });

  test("a skip accepts its check on its resource, or on every resource with `all`; a failure no skip names stays failed", () => {
    const skips = [
      { id: "CKV_AWS_117", resource: "all", reason: "opt-in" },
      { id: "CKV_AWS_7", resource: "aws_kms_key.a", reason: "this key only" },
    ];
    const { failed, skipped, stale } = applySkips(
      [
        result("CKV_AWS_117", "aws_lambda_function.x"),
        result("CKV_AWS_117", "aws_lambda_function.y"),
        result("CKV_AWS_7", "aws_kms_key.a"),
        result("CKV_AWS_7", "aws_kms_key.b"),
        result("CKV_AWS_50", "aws_lambda_function.x", "passed"),
      ],
      skips,
    );
    expect(failed.map((r) => `${r.id} ${r.resource}`)).toEqual(["CKV_AWS_7 aws_kms_key.b"]);
    expect(skipped.map((r) => `${r.id} ${r.resource}: ${r.reason}`)).toEqual([
      "CKV_AWS_117 aws_lambda_function.x: opt-in",
      "CKV_AWS_117 aws_lambda_function.y: opt-in",
      "CKV_AWS_7 aws_kms_key.a: this key only",
    ]);
    expect(stale).toEqual([]);
  });

  test("a skip that accepts no failure is stale, also when its check passes", () => {
    const skip = { id: "CKV_AWS_50", resource: "all", reason: "tracing" };
    expect(applySkips([result("CKV_AWS_50", "aws_lambda_function.x", "passed")], [skip]).stale).toEqual([skip]);
  });
});

describe("reading Checkov's output", () => {
  const json = { resource: { aws_kms_key: { Key_1: {} }, aws_lambda_function: { Function_2: {} } } };

  test("Checkov's `resource.<name>` becomes the Terraform address; graph checks' `<type>.<name>` is kept", () => {
    expect(addressOf("resource.Key_1", json)).toBe("aws_kms_key.Key_1");
    expect(addressOf("aws_lambda_function.Function_2", json)).toBe("aws_lambda_function.Function_2");
    expect(addressOf("provider.aws", json)).toBe("provider.aws");
    expect(() => addressOf("resource.Missing_3", json)).toThrow(/names 0 resources of the stack/);
  });

  test("the copy Checkov reads drops terraform.required_version and nothing else", () => {
    const stack = {
      terraform: { required_version: ">= 1.11.0", required_providers: { aws: { version: "6.25.0" } } },
      resource: json.resource,
    };
    expect(checkovReadable(stack)).toEqual({
      terraform: { required_providers: { aws: { version: "6.25.0" } } },
      resource: json.resource,
    });
    expect(stack.terraform.required_version).toBe(">= 1.11.0");
  });
});
