/**
 * The shapes Terraform reads (keys, `"//"`, overrides by block index), the functions it evaluates,
 * the judgement being final, and messages of other tools never quoting a value (issue 31).
 */
import { SecretLeakGuard, SecureLambda, type SecretLeakError } from "../constructs";
import { BundlingError, bundle } from "../constructs/bundling";
import { readTemplate } from "../constructs/leak-guard/expression";
import { redactText } from "../common/token-formats";
import { AwsProvider, LambdaFunction, TerraformStack, Testing } from "../constructs/tf";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FAKE } from "./helpers/fake-tokens";
import { leakOf, thrownBy } from "./helpers/leak";
import { HELLO_ENTRY } from "./helpers/synth";

const TOKEN = FAKE["GitHub token"];
const HALF = TOKEN.length / 2;

function stack(): TerraformStack {
  const s = new TerraformStack(Testing.app(), "shapes");
  new AwsProvider(s, "aws", { region: "eu-west-1" });
  SecretLeakGuard.protect(s);
  return s;
}

function plainFunction(s: TerraformStack): LambdaFunction {
  return new LambdaFunction(s, "plain", { functionName: "plain", role: "arn:aws:iam::123456789012:role/x" });
}

function refusal(s: TerraformStack, secret: string = TOKEN): SecretLeakError {
  const error = leakOf(() => Testing.synth(s));
  expect(error.message).not.toContain(secret);
  for (let i = 0; i + 12 <= secret.length; i += 6) expect(error.message).not.toContain(secret.slice(i, i + 12));
  return error;
}

describe("the shapes Terraform reads", () => {
  test("a token as a tag key", () => {
    const s = stack();
    plainFunction(s).addOverride("tags", { [TOKEN]: "x" });
    expect(refusal(s).findings[0]).toMatchObject({ variable: "tags (a key)", rules: ["known-token-format"] });
  });

  test('a "//" key below a block\'s body (a tag) is an ordinary key, and judged', () => {
    const s = stack();
    plainFunction(s).addOverride("tags", { "//": TOKEN });
    expect(refusal(s).findings.map((f) => f.variable)).toContain("tags.//");
  });

  test("an environment override by block index (environment.0.variables.X)", () => {
    const s = stack();
    const fn = plainFunction(s);
    fn.addOverride("environment.variables.A", "b");
    fn.addOverride("environment.0.variables.X", TOKEN);
    const finding = refusal(s).findings.find((f) => f.variable === "X");
    expect(finding?.rules).toContain("known-token-format");
  });
});

describe("functions Terraform evaluates, as Terraform does", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["replace with a /regex/", `\${replace("${TOKEN.slice(0, HALF)}#${TOKEN.slice(HALF)}", "/#+/", "")}`],
    ["format with a width", `\${format("%1s%s", "${TOKEN.slice(0, HALF)}", "${TOKEN.slice(HALF)}")}`],
    ["format with indexes", `\${format("%[2]s%[1]s", "${TOKEN.slice(HALF)}", "${TOKEN.slice(0, HALF)}")}`],
    ["reverse and join", `\${join("", reverse(["${TOKEN.slice(HALF)}", "${TOKEN.slice(0, HALF)}"]))}`],
    [
      "textdecodebase64 UTF-16LE",
      `\${textdecodebase64("${Buffer.from(TOKEN, "utf16le").toString("base64")}", "UTF-16LE")}`,
    ],
  ];

  test.each(cases)("%s", (_, template) => {
    expect(readTemplate(template).value).toBe(TOKEN);
    const s = stack();
    plainFunction(s).addOverride("tags.built", template);
    expect(refusal(s).findings[0]?.rules).toContain("known-token-format");
  });

  test("a token split between terraform_data.input and the text that reads it", () => {
    const s = stack();
    s.addOverride("resource.terraform_data.prefix", { input: TOKEN.slice(0, HALF) });
    plainFunction(s).addOverride("environment.variables.URL", `\${terraform_data.prefix.output}${TOKEN.slice(HALF)}`);
    expect(
      refusal(s)
        .findings.find((f) => f.variable === "URL")
        ?.problems.join(),
    ).toMatch(/once Terraform evaluates it/);
  });

  test("a function of literals the guard does not evaluate is refused as unjudgeable, with the way out", () => {
    const s = stack();
    plainFunction(s).addOverride("tags.built", '${regex("[a-z]+", "abc123")}');
    const finding = leakOf(() => Testing.synth(s)).findings[0];
    expect(finding).toMatchObject({ variable: "tags.built", rules: ["judgeable-expression"] });
    expect(finding?.problems.join()).toMatch(/regex\(\.\.\.\) of known values.*write the value out as a literal/);
  });

  test("functions that cannot assemble text from their literals are not refused", () => {
    for (const template of [
      '${sha256("abc")}',
      '${jsonencode({ a = "b" })}',
      "${timestamp()}",
      '${length(["a", "b"])}',
      '${file("policy.json")}',
    ]) {
      expect(readTemplate(template).unjudgeable).toBeUndefined();
    }
  });

  test("a regular expression RE2 reads otherwise than JavaScript is unjudgeable, not guessed", () => {
    expect(readTemplate('${replace("abc", "/(?i)B/", "")}').unjudgeable).toMatch(/replace/);
    expect(readTemplate('${replace("abc", "/\\\\pL/", "")}').unjudgeable).toMatch(/replace/);
    expect(readTemplate('${replace(var.x, "/(?i)B/", "")}').unjudgeable).toBeUndefined();
  });
});

describe("the judgement is final", () => {
  test("a toTerraform wrapper assigned after the SecureLambda is refused at the assignment", () => {
    const s = stack();
    new SecureLambda(s, "fn", { functionName: "fn", entry: HELLO_ENTRY });
    const original = s.toTerraform.bind(s);
    const error = thrownBy(Error, () => {
      (s as { toTerraform: unknown }).toTerraform = () => ({ ...original(), extra: TOKEN });
    });
    expect(error.message).toMatch(/toTerraform\(\) .*cannot be replaced after a SecureLambda/);
    expect(() => Testing.synth(s)).not.toThrow();
  });

  test("a subclass that changes toTerraform is judged after its change", () => {
    class Patched extends TerraformStack {
      override toTerraform(): any {
        const json = super.toTerraform();
        json.output = { leaked: { value: TOKEN } };
        return json;
      }
    }
    const s = new Patched(Testing.app(), "patched");
    new AwsProvider(s, "aws", { region: "eu-west-1" });
    new SecureLambda(s, "fn", { functionName: "fn", entry: HELLO_ENTRY });
    expect(refusal(s).findings.map((f) => f.address)).toContain("output.leaked");
  });

  test("a patch of the stack's class after construction is judged too", () => {
    class Later extends TerraformStack {}
    const s = new Later(Testing.app(), "later");
    new AwsProvider(s, "aws", { region: "eu-west-1" });
    new SecureLambda(s, "fn", { functionName: "fn", entry: HELLO_ENTRY });
    const base = TerraformStack.prototype.toTerraform;
    Later.prototype.toTerraform = function (this: TerraformStack) {
      return { ...base.call(this), output: { leaked: { value: TOKEN } } };
    };
    expect(refusal(s).findings.map((f) => f.address)).toContain("output.leaked");
  });
});

describe("nothing quotes a value", () => {
  test("esbuild's message about a syntax error next to an unquoted token", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-esbuild-"));
    try {
      const entry = path.join(dir, "broken.ts");
      fs.writeFileSync(entry, `export const handler = { a: 1 ${TOKEN} };\n`);
      const error = thrownBy(BundlingError, () => bundle({ entry, target: "node22", minify: true }));
      expect(error.message).toMatch(/characters that look like a GitHub token/);
      expect(error.message).not.toContain(TOKEN.slice(0, 12));
      expect(error.details).not.toContain(TOKEN.slice(4, 16));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the TypeScript loader (scripts/register.cjs) on a syntax error next to an unquoted token", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-loader-"));
    try {
      const entry = path.join(dir, "main.ts");
      fs.writeFileSync(entry, `export const x = { a: 1 ${TOKEN} };\n`);
      const run = spawnSync(process.execPath, ["-r", path.join(__dirname, "..", "scripts", "register.cjs"), entry], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(
        /cannot load .*main\.ts:1:24: Expected "\}" but found "<40 characters that look like a GitHub token>"/,
      );
      expect(run.stderr).not.toContain(TOKEN.slice(0, 12));
      expect(run.stderr).not.toContain(TOKEN.slice(12, 24));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("any tool's text: token formats, passwords in URLs and random runs become their length and kind", () => {
    const random = FAKE["high-entropy string"];
    const text = redactText(`found "${TOKEN}" at postgres://app:hunter2x@db and ${random}`);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("hunter2x");
    expect(text).not.toContain(random);
    expect(text).toMatch(/<40 characters that look like a GitHub token>/);
    expect(text).toMatch(/characters that look random/);
  });
});
