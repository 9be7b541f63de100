/**
 * The routes a red-team pass used to put a secret literal into a stack holding a SecureLambda:
 * each is refused at synth, with a message that names where and never the value.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Construct } from "constructs";
import { SecretLeakGuard, SecureLambda, type SecretLeakError } from "../constructs";
import { PLACEHOLDER_VALUE } from "../common/naming";
import { TARGET_VERSIONS, TARGET_VERSIONS_CONTEXT_KEY } from "../constructs/terraform-version";
import {
  Aspects,
  AwsProvider,
  Fn,
  LambdaFunction,
  S3Backend,
  SecretsmanagerSecretVersion,
  SsmParameter,
  TerraformHclModule,
  TerraformLocal,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
  Testing,
  type IAspect,
} from "../constructs/tf";
import { FAKE, alnum, pseudoRandom } from "./helpers/fake-tokens";
import { leakOf } from "./helpers/leak";
import { HELLO_ENTRY } from "./helpers/synth";

const TOKEN = FAKE["GitHub token"];
const HALF = TOKEN.length / 2;

/** A user's stack: a provider and one SecureLambda, as the README shows it. */
function userStack(): { stack: TerraformStack; fn: SecureLambda } {
  const stack = new TerraformStack(
    Testing.app({ context: { [TARGET_VERSIONS_CONTEXT_KEY]: TARGET_VERSIONS } }),
    "user",
  );
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const fn = new SecureLambda(stack, "notifier", {
    functionName: "notifier",
    entry: HELLO_ENTRY,
    secrets: ["github_token"],
  });
  return { stack, fn };
}

/** The refusal of synthesizing `stack`, checked never to quote the token or a long piece of it. */
function refusal(stack: TerraformStack, secret: string = TOKEN): SecretLeakError {
  const error = leakOf(() => Testing.synth(stack));
  expect(error.message).not.toContain(secret);
  for (let i = 0; i + 12 <= secret.length; i += 6) expect(error.message).not.toContain(secret.slice(i, i + 12));
  return error;
}

function finding(error: SecretLeakError, variable: string) {
  const found = error.findings.find((f) => f.variable === variable);
  if (!found) throw new Error(`no finding for ${variable}: ${error.message}`);
  return found;
}

/** An aspect like an observability library's: it adds an API key to every function it visits. */
class InjectsApiKey implements IAspect {
  visit(node: Construct): void {
    if (node instanceof LambdaFunction) node.addOverride("environment.variables.OBSERVABILITY_KEY", TOKEN);
  }
}

describe("changes made after the guard used to run: it judges the final JSON", () => {
  test("an aspect on a child (the function) that injects an API key", () => {
    const { stack, fn } = userStack();
    Aspects.of(fn.function).add(new InjectsApiKey());
    const error = refusal(stack);
    expect(finding(error, "OBSERVABILITY_KEY")).toMatchObject({
      address: expect.stringMatching(/^aws_lambda_function\.notifier_Function_/),
      rules: expect.arrayContaining(["known-token-format"]),
    });
  });

  test("an aspect on a child added after the SecureLambda", () => {
    const { stack } = userStack();
    const late = new Construct(stack, "late");
    new LambdaFunction(late, "Other", { functionName: "other", role: "arn:aws:iam::123456789012:role/x" });
    Aspects.of(late).add(new InjectsApiKey());
    expect(finding(refusal(stack), "OBSERVABILITY_KEY").address).toMatch(
      /^aws_lambda_function\.late_Other_[0-9A-F]{8}$/,
    );
  });

  test("stack.addOverride on the function's environment", () => {
    const { stack, fn } = userStack();
    stack.addOverride(
      `resource.aws_lambda_function.${fn.function.friendlyUniqueId}.environment.variables.PATCHED`,
      TOKEN,
    );
    expect(finding(refusal(stack), "PATCHED").rules).toContain("known-token-format");
  });

  test("a new function added by override", () => {
    const { stack } = userStack();
    stack.addOverride("resource.aws_lambda_function.smuggled", {
      function_name: "smuggled",
      role: "r",
      environment: { variables: { X: TOKEN } },
    });
    expect(finding(refusal(stack), "X").address).toBe("aws_lambda_function.smuggled");
  });

  test("a new SecureString holding a value added by override", () => {
    const { stack } = userStack();
    stack.addOverride("resource.aws_ssm_parameter.smuggled", {
      name: "/x",
      type: "SecureString",
      value_wo: "correct horse battery staple",
      value_wo_version: 1,
    });
    expect(finding(refusal(stack, "correct horse battery staple"), "value_wo")).toMatchObject({
      address: "aws_ssm_parameter.smuggled",
      rules: ["secure-string-placeholder"],
    });
  });
});

describe("literals inside Terraform expressions", () => {
  const withVariable = (value: string) => {
    const { stack, fn } = userStack();
    fn.function.addOverride("environment.variables.UPSTREAM", value);
    return stack;
  };

  test.each([
    ["a string literal in an interpolation", `\${"${TOKEN}"}`],
    ['a token split by ${""}', `${TOKEN.slice(0, HALF)}\${""}${TOKEN.slice(HALF)}`],
    ["a token split by a %{ } directive", `${TOKEN.slice(0, HALF)}%{ if true }%{ endif }${TOKEN.slice(HALF)}`],
    ["Fn.join of two halves", Fn.join("", [TOKEN.slice(0, HALF), TOKEN.slice(HALF)])],
    ["Fn.base64decode", Fn.base64decode(Buffer.from(TOKEN).toString("base64"))],
    ["Fn.format", Fn.format("%s%s", [TOKEN.slice(0, HALF), TOKEN.slice(HALF)])],
    ["Fn.lower of an upper-cased token", Fn.lower(TOKEN.toUpperCase().replace("GHP_", "ghp_"))],
    ["a token split around a reference", `${TOKEN.slice(0, HALF)}\${aws_s3_bucket.b.id}${TOKEN.slice(HALF)}`],
  ])("%s", (_, value) => {
    const error = refusal(withVariable(value), value.includes(TOKEN) ? TOKEN : TOKEN);
    expect(finding(error, "UPSTREAM").rules).toContain("known-token-format");
  });

  test("a TerraformVariable's default referenced from the environment (and the default itself)", () => {
    const { stack, fn } = userStack();
    const variable = new TerraformVariable(stack, "upstream", { type: "string", default: TOKEN });
    fn.function.addOverride("environment.variables.UPSTREAM", variable.stringValue);
    const error = refusal(stack);
    expect(finding(error, "UPSTREAM").rules).toContain("known-token-format");
    expect(error.findings.map((f) => `${f.address} ${f.variable}`)).toContain("var.upstream default");
  });

  test("a TerraformLocal referenced from the environment, judged by the name rule too", () => {
    const { stack, fn } = userStack();
    const local = new TerraformLocal(stack, "api", "hunter2");
    fn.function.addOverride("environment.variables.API_TOKEN", local.asString);
    expect(finding(refusal(stack, "hunter2"), "API_TOKEN").rules).toEqual(["secret-named-variable"]);
  });

  test("a random key built from a variable default is judged by the randomness rule", () => {
    const { stack, fn } = userStack();
    const key = pseudoRandom(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    const variable = new TerraformVariable(stack, "signing", { type: "string", default: key.slice(20) });
    fn.function.addOverride("environment.variables.SIGNING", `${key.slice(0, 20)}\${var.signing}`);
    expect(finding(refusal(stack, key), "SIGNING").rules).toContain("high-entropy-string");
    expect(variable).toBeDefined();
  });

  test.each([
    ["jsondecode(...)", `\${jsondecode("{\\"UPSTREAM\\":\\"${TOKEN}\\"}")}`],
    ["a variable", "${var.environment}"],
  ])("an environment.variables that is not a literal map (%s) is refused, with the way out", (_, expression) => {
    const { stack, fn } = userStack();
    fn.function.addOverride("environment.variables", expression);
    const error = refusal(stack);
    expect(finding(error, "environment.variables").rules).toContain("environment-literal-map");
    expect(error.message).toContain("write the variables out in the code");
  });
});

describe("places the guard never looked: every block, by the known formats", () => {
  test.each<[string, (stack: TerraformStack, fn: SecureLambda) => void, string | RegExp, string]>([
    [
      "a sensitive output",
      (stack) => new TerraformOutput(stack, "leak", { value: TOKEN, sensitive: true }),
      "output.leak",
      "value",
    ],
    [
      "an output built with an expression",
      (stack) => new TerraformOutput(stack, "built", { value: Fn.join("", [TOKEN.slice(0, HALF), TOKEN.slice(HALF)]) }),
      "output.built",
      "value",
    ],
    ["a local", (stack) => new TerraformLocal(stack, "kept", { nested: TOKEN }), "local.kept", "value.nested"],
    [
      "a tag",
      (_, fn) => fn.function.addOverride("tags.owner", TOKEN),
      /^aws_lambda_function\.notifier_Function_/,
      "tags.owner",
    ],
    [
      "a description",
      (_, fn) => fn.role.addOverride("description", `deploys with ${TOKEN}`),
      /^aws_iam_role\.notifier_Role_/,
      "description",
    ],
    [
      "a tag key",
      (_, fn) => fn.logGroup.addOverride("tags", { [TOKEN]: "x" }),
      /^aws_cloudwatch_log_group\.notifier_LogGroup_/,
      "tags (a key)",
    ],
    [
      "a provider's default_tags",
      (stack) => stack.addOverride("provider.aws.0.default_tags", [{ tags: { ci: TOKEN } }]),
      "provider.aws",
      "default_tags[0].tags.ci",
    ],
    [
      "a provider's secret_key",
      (stack) => stack.addOverride("provider.aws.0.secret_key", `${TOKEN}`),
      "provider.aws",
      "secret_key",
    ],
    [
      "a second provider's access_key",
      (stack) =>
        new AwsProvider(stack, "other", { region: "us-east-1", alias: "other", accessKey: FAKE["AWS access key id"] }),
      "provider.aws.other",
      "access_key",
    ],
    [
      "a backend setting",
      (stack) =>
        new S3Backend(stack, { bucket: "b", key: "k", region: "eu-west-1", accessKey: FAKE["AWS access key id"] }),
      "terraform",
      "backend.s3.access_key",
    ],
    [
      "a module input",
      (stack) =>
        new TerraformHclModule(stack, "mod", {
          source: "git::https://example.com/mod.git",
          variables: { token: TOKEN },
        }),
      "module.mod",
      "token",
    ],
    [
      "a provisioner",
      (_, fn) =>
        fn.function.addOverride("provisioner", [{ "local-exec": { command: `curl -H 'Authorization: ${TOKEN}' x` } }]),
      /^aws_lambda_function\.notifier_Function_/,
      "provisioner[0].local-exec.command",
    ],
  ])("%s", (_, add, address, variable) => {
    const { stack, fn } = userStack();
    add(stack, fn);
    const secret = variable.includes("access_key") ? FAKE["AWS access key id"] : TOKEN;
    const error = refusal(stack, secret);
    const where = typeof address === "string" ? address : expect.stringMatching(address);
    expect(error.findings).toContainEqual(
      expect.objectContaining({ address: where, variable, rules: expect.arrayContaining(["known-token-format"]) }),
    );
  });

  test("a token hard-coded in the handler is refused from the function's zip, with its line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-leaky-handler-"));
    try {
      const entry = path.join(dir, "handler.ts");
      fs.writeFileSync(
        entry,
        `const token = ${JSON.stringify(TOKEN)};\nexport const handler = async () => token.length;\n`,
      );
      const stack = new TerraformStack(Testing.app(), "code");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      new SecureLambda(stack, "fn", { functionName: "fn", entry, minify: false });
      const error = refusal(stack);
      expect(error.findings).toEqual([
        expect.objectContaining({
          address: expect.stringMatching(/^assets\/Bundle-[0-9a-f]{12}_Code_[0-9A-F]{8}\/[0-9a-f]{64}\/code\.zip$/),
          variable: "index.js",
          rules: ["known-token-format"],
          problems: [expect.stringMatching(/holds what looks like a GitHub token \(line \d+\)/)],
        }),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("no trust in inputs", () => {
  test("a <SECRET>_PARAM_NAME variable the construct did not write is judged like any other", () => {
    const { stack, fn } = userStack();
    fn.function.addOverride(
      "environment.variables.EXTRA_PARAM_NAME",
      `/${pseudoRandom(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}`,
    );
    expect(
      finding(
        leakOf(() => Testing.synth(stack)),
        "EXTRA_PARAM_NAME",
      ).rules,
    ).toEqual(["high-entropy-string"]);
  });

  test("the construct's own parameter-name variable is exempt only with the value it wrote", () => {
    // A function name that looks random gives a random-looking default prefix: the construct's own names pass...
    const random = pseudoRandom(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    const build = () => {
      const stack = new TerraformStack(Testing.app(), "own");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      return {
        stack,
        fn: new SecureLambda(stack, "fn", { functionName: random, entry: HELLO_ENTRY, secrets: ["github_token"] }),
      };
    };
    expect(() => Testing.synth(build().stack)).not.toThrow();
    // ...and the same variable given another random value by override does not.
    const { stack, fn } = build();
    fn.function.addOverride("environment.variables.GITHUB_TOKEN_PARAM_NAME", `/${random}/other_token`);
    expect(
      finding(
        leakOf(() => Testing.synth(stack)),
        "GITHUB_TOKEN_PARAM_NAME",
      ).rules,
    ).toEqual(["high-entropy-string"]);
  });

  test.each([
    ["overridden to a reference", "${var.parameter_type}"],
    ["an unknown literal", "Secure"],
  ])("a parameter whose type is %s counts as SecureString", (_, type) => {
    const { stack, fn } = userStack();
    const parameter = Object.values(fn.parameters)[0]!;
    parameter.addOverride("type", type);
    parameter.addOverride("value", "correct horse battery staple");
    expect(finding(refusal(stack, "correct horse battery staple"), "value").rules).toEqual([
      "secure-string-placeholder",
    ]);
  });

  test("a secret version whose JSON holds a duplicate key is refused, however its last key reads", () => {
    const stack = new TerraformStack(
      Testing.app({ context: { [TARGET_VERSIONS_CONTEXT_KEY]: TARGET_VERSIONS } }),
      "dup",
    );
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    SecretLeakGuard.protect(stack);
    const hidden = `correct-horse-${alnum(8)}`;
    new SecretsmanagerSecretVersion(stack, "Version", {
      secretId: "s",
      secretStringWo: `{"k":"${hidden}","k":"${PLACEHOLDER_VALUE}"}`,
      secretStringWoVersion: 1,
    });
    const error = refusal(stack, hidden);
    expect(finding(error, "secret_string_wo").problems.join()).toContain("not canonical");
  });

  test("SecureLambda's secret version holds exactly its declared names: an extra placeholder key is refused", () => {
    const stack = new TerraformStack(Testing.app(), "sm");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const fn = new SecureLambda(stack, "fn", {
      functionName: "fn",
      entry: HELLO_ENTRY,
      secrets: ["token"],
      store: "secretsmanager",
    });
    const version = fn.node.findChild("SecretVersion") as SecretsmanagerSecretVersion;
    version.addOverride("secret_string_wo", JSON.stringify({ token: PLACEHOLDER_VALUE, extra: PLACEHOLDER_VALUE }));
    expect(
      finding(
        leakOf(() => Testing.synth(stack)),
        "secret_string_wo",
      ).problems.join(),
    ).toContain("exactly its declared secrets");
  });
});

describe("no refusal quotes a value, not even a name made of one", () => {
  test("a token used as a construct id is described in the address, never printed", () => {
    const stack = new TerraformStack(Testing.app(), "ids");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    SecretLeakGuard.protect(stack);
    new SsmParameter(stack, TOKEN, { name: "/x", type: "String", value: "v" });
    const error = refusal(stack);
    expect(error.message).toMatch(/aws_ssm_parameter\.<\d+ characters that look like a GitHub token>/);
  });

  test("exceptions still work, by the variable the refusal names", () => {
    const { stack, fn } = userStack();
    fn.function.addOverride(
      "tags.public_key",
      `ssh-ed25519 ${pseudoRandom(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}`,
    );
    fn.function.addOverride(
      "environment.variables.PUBLIC_KEY",
      "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    );
    SecretLeakGuard.allow(fn.function, { variable: "PUBLIC_KEY", reason: "a public verification key" });
    const json = JSON.parse(JSON.stringify(stack.toTerraform()));
    expect(json["//"].secretLeakGuard.exceptions).toEqual([
      {
        address: expect.stringMatching(/^aws_lambda_function\./),
        variable: "PUBLIC_KEY",
        reason: "a public verification key",
      },
    ]);
  });
});
