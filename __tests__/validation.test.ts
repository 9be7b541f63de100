import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SecretsKey, SecureLambda, SecureLambdaValidationError, type SecureLambdaProps } from "../constructs";
import { DataAwsRegion, Fn, Testing, TerraformStack } from "../constructs/tf";
import { propsChecker } from "./helpers/invalid-props";
import { HELLO_ENTRY, synthStack } from "./helpers/synth";
import { FAKE } from "./helpers/fake-tokens";

const { errorOf, expectInvalid } = propsChecker({ entry: HELLO_ENTRY });

describe("functionName", () => {
  test("refuses an empty name", () =>
    expectInvalid(
      { functionName: "" },
      "functionName",
      "an empty string",
      "1 to 64 characters of A-Z, a-z, 0-9, - and _",
    ));
  test("refuses a name of 65 characters", () =>
    expectInvalid({ functionName: "f".repeat(65) }, "functionName", "1 to 64 characters"));
  test("refuses characters Lambda does not allow", () =>
    expectInvalid({ functionName: "my.fn" }, "functionName", '"my.fn"', "A-Z, a-z, 0-9, - and _"));
  test("refuses a name that is not a string", () => expectInvalid({ functionName: 42 }, "functionName", "42"));
  // The properties test found { toString: 0 } (fast-check's objects have such keys): the default parameter
  // prefix was built from the name before validation, and converting it threw a TypeError.
  test.each([
    ["an object whose toString is no function", { toString: 0 }],
    ["an object without a prototype", Object.create(null)],
    [
      "an object whose toString throws",
      {
        toString: () => {
          throw new Error("boom");
        },
      },
    ],
    ["a symbol", Symbol("fn")],
    ["an array holding such an object", [{ toString: 0 }]],
  ])("refuses %s, never converting it", (_, functionName) => expectInvalid({ functionName }, "functionName"));
  test("accepts 64 characters", () =>
    expect(() =>
      synthStack((s) => new SecureLambda(s, "fn", { functionName: "f".repeat(64), entry: HELLO_ENTRY })),
    ).not.toThrow());
});

describe("secrets", () => {
  test("refuses a name that is not one SSM name segment", () =>
    expectInvalid({ secrets: ["team/token"] }, "secrets", '"team/token"', "one SSM name segment"));
  test("refuses a name with a space", () =>
    expectInvalid({ secrets: ["api token"] }, "secrets", "A-Z, a-z, 0-9, _, . and -"));
  test("refuses a list that is not an array", () =>
    expectInvalid({ secrets: "github_token" }, "secrets", "an array of secret names"));
  test("refuses a duplicate", () =>
    expectInvalid({ secrets: ["github_token", "github_token"] }, "secrets", '"github_token" is listed twice'));
  test("refuses two names that fold to the same variable", () =>
    expectInvalid(
      { secrets: ["api-key", "API.KEY"] },
      "secrets",
      '"api-key" and "API.KEY" both map to the variable API_KEY_PARAM_NAME',
      "folding - and . to _",
    ));
  test("refuses a name whose variable would not be a valid Lambda name", () =>
    expectInvalid(
      { secrets: ["1password"] },
      "secrets",
      '"1password" maps to 1PASSWORD_PARAM_NAME',
      "start the secret name with a letter",
    ));
  test("refuses a name whose variable would be reserved by Lambda (AWS_*)", () =>
    expectInvalid({ secrets: ["aws_session"] }, "secrets", "AWS_SESSION_PARAM_NAME", "avoid AWS_/LAMBDA_ prefixes"));
  test("refuses a name whose variable would be reserved by Lambda (LAMBDA_*)", () =>
    expectInvalid({ secrets: ["lambda_key"] }, "secrets", "LAMBDA_KEY_PARAM_NAME"));
  test("refuses a name whose variable collides with an environment key", () =>
    expectInvalid(
      { secrets: ["github_token"], environment: { GITHUB_TOKEN_PARAM_NAME: "/x" } },
      "environment",
      '"GITHUB_TOKEN_PARAM_NAME" collides with the parameter-name variable of secret "github_token"',
    ));
});

describe("environment", () => {
  test.each([
    "AWS_REGION",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_ACCESS_KEY_ID",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "TZ",
  ])("refuses the reserved name %s", (name) =>
    expectInvalid(
      { environment: { [name]: "x" } },
      "environment",
      `"${name}" is reserved by the Lambda runtime`,
      "names starting with AWS_, LAMBDA_, _",
    ),
  );
  test("refuses _HANDLER (reserved, and not a valid name)", () =>
    expectInvalid({ environment: { _HANDLER: "x" } }, "environment", '"_HANDLER"'));
  test("refuses a name that is not a valid Lambda variable name", () =>
    expectInvalid(
      { environment: { "MY-VAR": "x" } },
      "environment",
      '"MY-VAR"',
      "start with a letter and use only letters, digits and _",
    ));
  test("refuses names ending in _PARAM_NAME, which the construct sets", () =>
    expectInvalid(
      { environment: { OTHER_PARAM_NAME: "/x" } },
      "environment",
      "names ending in _PARAM_NAME are set by the construct",
    ));
  test("refuses a value that is not a string", () =>
    expectInvalid(
      { environment: { PORT: 8080 } },
      "environment",
      'variable "PORT" has a number value',
      "allowed are strings",
    ));
  test("refuses an environment that is not an object", () =>
    expectInvalid({ environment: ["A=b"] }, "environment", "an array", "an object of variable names to string values"));
  test("refuses more than Lambda's 4 KB in all, parameter names included", () =>
    expectInvalid(
      { environment: { BIG: "x".repeat(4050) }, secrets: ["github_token", "slack_webhook_url"] },
      "environment",
      /take \d+ bytes; Lambda allows 4096 bytes in all/,
    ));
  // BIG (3) + T_PARAM_NAME=/fn/t (17) + SECRETS_LOADER_TIMEOUT_MS=9000 (29): 4047 bytes of value fill 4096 exactly.
  test("counts the loader's budget variable the construct adds, to the byte", () => {
    const fits = { functionName: "fn", entry: HELLO_ENTRY, secrets: ["t"], environment: { BIG: "x".repeat(4047) } };
    expect(() => synthStack((stack) => new SecureLambda(stack, "fn", fits))).not.toThrow();
    expectInvalid(
      { secrets: ["t"], environment: { BIG: "x".repeat(4048) } },
      "environment",
      /take 4097 bytes; Lambda allows 4096 bytes in all/,
    );
  });
  // BIG (3) + SECRETS_MANAGER_SECRET_ID=fn/secrets (35) + the budget (29): 4029 bytes of value fill 4096 exactly.
  test("counts the secret's id, not parameter names, for store secretsmanager", () => {
    const fits = {
      functionName: "fn",
      entry: HELLO_ENTRY,
      secrets: ["t"],
      store: "secretsmanager" as const,
      environment: { BIG: "x".repeat(4029) },
    };
    expect(() => synthStack((stack) => new SecureLambda(stack, "fn", fits))).not.toThrow();
    expectInvalid(
      { secrets: ["t"], store: "secretsmanager", environment: { BIG: "x".repeat(4030) } },
      "environment",
      /take 4097 bytes; Lambda allows 4096 bytes in all/,
    );
  });
  test("never echoes an environment value", () => {
    const value = `do-not-echo-${"v".repeat(20)}`;
    expect(errorOf({ environment: { AWS_REGION: value } }).message).not.toContain(value);
  });
});

describe("parameterPrefix", () => {
  test("refuses a prefix without a leading /", () =>
    expectInvalid({ parameterPrefix: "team/app" }, "parameterPrefix", '"team/app"', 'starts with "/"'));
  test("refuses a trailing /", () =>
    expectInvalid({ parameterPrefix: "/team/app/" }, "parameterPrefix", '"/team/app/"', "no trailing or double"));
  test("refuses a double /", () =>
    expectInvalid({ parameterPrefix: "/team//app" }, "parameterPrefix", "no trailing or double"));
  test("refuses characters SSM does not allow", () =>
    expectInvalid({ parameterPrefix: "/team/app name" }, "parameterPrefix", "A-Z, a-z, 0-9, _, . and -"));
  test("refuses /aws, which SSM reserves", () =>
    expectInvalid(
      { parameterPrefix: "/aws/app" },
      "parameterPrefix",
      '"/aws/app"',
      'SSM reserves names that start with "/aws" or "/ssm"',
    ));
  test("refuses /ssm in any case", () =>
    expectInvalid({ parameterPrefix: "/SSM/app" }, "parameterPrefix", "SSM reserves"));
  test("says when the refused prefix is the default derived from functionName", () =>
    expectInvalid(
      { functionName: "ssm-rotator" },
      "parameterPrefix",
      '"/ssm-rotator"',
      'the default "/<functionName>"',
      "pass parameterPrefix",
    ));
  test("refuses full parameter names longer than SSM allows", () =>
    expectInvalid(
      { parameterPrefix: `/${"p".repeat(940)}`, secrets: ["github_token"] },
      "parameterPrefix",
      /parameter name of secret "github_token" is \d+ characters; SSM allows 947/,
    ));
  test("refuses more than 15 levels of hierarchy", () =>
    expectInvalid(
      { parameterPrefix: "/a".repeat(15), secrets: ["s1"] },
      "parameterPrefix",
      "gives 16 levels of hierarchy; SSM allows at most 15",
    ));
  test("accepts 15 levels", () =>
    expect(() =>
      synthStack(
        (s) =>
          new SecureLambda(s, "fn", {
            functionName: "fn",
            entry: HELLO_ENTRY,
            parameterPrefix: "/a".repeat(14),
            secrets: ["s1"],
          }),
      ),
    ).not.toThrow());
});

describe("numbers", () => {
  test.each([2, 10, -1, 4000])("refuses logRetentionDays %p, which CloudWatch does not accept", (days) =>
    expectInvalid({ logRetentionDays: days }, "logRetentionDays", `${days}: allowed are 0, 1, 3, 5, 7, 14, 30`, "3653"),
  );
  test.each([127, 10241, 256.5])("refuses memorySize %p", (mb) =>
    expectInvalid({ memorySize: mb }, "memorySize", `${mb}: allowed is a whole number of MB from 128 to 10240`),
  );
  test("refuses a memorySize given as a string", () =>
    expectInvalid({ memorySize: "256" }, "memorySize", '"256"', "from 128 to 10240"));
  test.each([0, 901, 1.5])("refuses timeout %p", (seconds) =>
    expectInvalid({ timeout: seconds }, "timeout", `${seconds}: allowed is a whole number of seconds from 1 to 900`),
  );
  test("accepts the bounds", () =>
    expect(() =>
      synthStack(
        (s) =>
          new SecureLambda(s, "fn", {
            functionName: "fn",
            entry: HELLO_ENTRY,
            memorySize: 10240,
            timeout: 900,
            logRetentionDays: 0,
          }),
      ),
    ).not.toThrow());
});

describe("entry", () => {
  test("refuses a relative entry that does not exist, naming the working directory and the path it resolved to", () =>
    expectInvalid(
      { entry: "no/such/handler.ts" },
      "entry",
      '"no/such/handler.ts"',
      `resolved against the working directory ${process.cwd()} to ${path.join(process.cwd(), "no", "such", "handler.ts")}`,
      'path.join(__dirname, "no/such/handler.ts")',
      "the file does not exist",
    ));
  test("refuses an absolute entry that does not exist, naming it", () => {
    const entry = path.join(os.tmpdir(), "no-such-handler.ts");
    const error = errorOf({ entry });
    expect(error.message).toBe(`test/fn: invalid entry: ${JSON.stringify(entry)}: the file does not exist`);
  });
  test("refuses an entry that is not a string", () =>
    expectInvalid({ entry: 42 }, "entry", "42", "the path of the handler"));
  test("refuses props with neither entry nor code", () =>
    expectInvalid({ entry: undefined }, "entry", "neither entry nor code", "exactly one"));
  test("reports an esbuild error with the entry path and location, not a stack trace", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-bad-entry-"));
    const entry = path.join(dir, "broken.ts");
    fs.writeFileSync(entry, "export const handler = ( => 1;\n");
    try {
      expectInvalid({ entry }, "entry", JSON.stringify(entry), `${entry}:1:`);
      expect(errorOf({ entry }).message).not.toMatch(/\n\s+at /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  test("reports an unresolvable import with the entry path", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-bad-import-"));
    const entry = path.join(dir, "imports.ts");
    fs.writeFileSync(entry, 'import "./missing-module";\nexport const handler = () => 1;\n');
    try {
      expectInvalid({ entry }, "entry", JSON.stringify(entry), /Could not resolve "\.\/missing-module"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("other props", () => {
  test("refuses a handler that is not an identifier", () =>
    expectInvalid({ handler: "index.handler" }, "handler", '"index.handler"', "a JavaScript identifier"));
  test("refuses a runtime that is not a string, with code, never converting it", () =>
    expectInvalid(
      { entry: undefined, code: { directory: path.join(__dirname, "fixtures") }, runtime: { toString: 0 } },
      "runtime",
    ));
  test("refuses an unsupported runtime", () =>
    expectInvalid({ runtime: "nodejs18.x" }, "runtime", '"nodejs18.x"', "nodejs22.x, nodejs24.x"));
  test("refuses nodejs20.x, which Lambda deprecated on 2026-04-30 (the posture rule lambda-runtime-supported refuses it too)", () =>
    expectInvalid(
      { runtime: "nodejs20.x" },
      "runtime",
      "is deprecated by Lambda (since 2026-04-30)",
      "allowed are nodejs22.x, nodejs24.x",
    ));
  test("refuses an unknown architecture", () =>
    expectInvalid({ architecture: "arm" }, "architecture", '"arm"', "arm64, x86_64"));
  test("refuses a description over 256 characters", () =>
    expectInvalid({ description: "d".repeat(257) }, "description", "at most 256 characters"));
  test("refuses aws: tags and non-string tag values", () => {
    expectInvalid({ tags: { "aws:team": "x" } }, "tags", '"aws:team"', 'do not start with "aws:"');
    expectInvalid({ tags: { team: 1 } }, "tags", 'tag "team" has value 1');
  });
  test.each(["minify", "protect", "tracing", "functionUrl"] as const)("refuses a %s that is not a boolean", (prop) =>
    expectInvalid({ [prop]: "yes" }, prop, '"yes": allowed are true and false'),
  );
  test("refuses a roleName IAM would reject", () =>
    expectInvalid(
      { roleName: "notifier/eu" },
      "roleName",
      '"notifier/eu" (character 9 is "/"): allowed are 1 to 64 characters',
    ));
  test("refuses a kmsKey that is not a SecretsKey or an imported key", () =>
    expectInvalid({ kmsKey: { keyArn: "arn" } }, "kmsKey", "allowed is a SecretsKey, or SecretsKey.fromKeyArn"));
  test("refuses allowLiteralEnvironment without a reason or for an unknown variable", () => {
    expectInvalid(
      { environment: { PUBLIC_KEY: "k" }, allowLiteralEnvironment: { PUBLIC_KEY: " " } },
      "allowLiteralEnvironment",
      '"PUBLIC_KEY" needs a reason',
    );
    expectInvalid(
      { allowLiteralEnvironment: { NOPE: "because" } },
      "allowLiteralEnvironment",
      '"NOPE" is not a variable of "environment"',
    );
  });
  test("refuses props that are not an object", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    expect(() => new SecureLambda(stack, "fn", null as unknown as SecureLambdaProps)).toThrow(
      SecureLambdaValidationError,
    );
  });
});

describe("reservedConcurrentExecutions", () => {
  test.each([-1, 1.5, Number.NaN])("refuses %p", (value) =>
    expectInvalid(
      { reservedConcurrentExecutions: value },
      "reservedConcurrentExecutions",
      `${value}: allowed is a whole number from 0 (0 stops the function)`,
    ),
  );
  test("refuses a number given as a string", () =>
    expectInvalid({ reservedConcurrentExecutions: "5" }, "reservedConcurrentExecutions", '"5"', "a whole number"));
  test("accepts 0, which stops the function", () =>
    expect(() =>
      synthStack(
        (s) => new SecureLambda(s, "fn", { functionName: "fn", entry: HELLO_ENTRY, reservedConcurrentExecutions: 0 }),
      ),
    ).not.toThrow());
});

describe("deadLetterTarget", () => {
  const allowed =
    "allowed are true (a queue <functionName>-dlq is created), false, or { targetArn } naming an existing SQS queue (arn:<partition>:sqs:<region>:<account>:<name>) or SNS topic";
  test("refuses a value that is neither a boolean nor { targetArn }", () => {
    expectInvalid({ deadLetterTarget: "yes" }, "deadLetterTarget", '"yes"', allowed);
    expectInvalid({ deadLetterTarget: {} }, "deadLetterTarget", "an object without a targetArn string", allowed);
  });
  test.each([
    ["a bucket", "arn:aws:s3:::failed-events"],
    ["an account id that is not 12 digits", "arn:aws:sqs:eu-west-1:1234:failed-events"],
    ["a queue URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/failed-events"],
    ["a Lambda function", "arn:aws:lambda:eu-west-1:123456789012:function:other"],
  ])("refuses a targetArn that is %s", (_, targetArn) =>
    expectInvalid(
      { deadLetterTarget: { targetArn } },
      "deadLetterTarget",
      `{ targetArn: ${JSON.stringify(targetArn)} }`,
      allowed,
    ),
  );
  test("refuses a reference whose service cannot be told", () =>
    expectInvalid(
      { deadLetterTarget: { targetArn: Fn.join("", ["arn:aws:sqs:eu-west-1:123456789012:", "q"]) } },
      "deadLetterTarget",
      "{ targetArn: a string of 57 characters }",
      allowed,
    ));
  test("accepts an ARN built from references, telling SNS by its service", () => {
    const json = synthStack((stack) => {
      const region = new DataAwsRegion(stack, "Region").region;
      new SecureLambda(stack, "fn", {
        functionName: "fn",
        entry: HELLO_ENTRY,
        deadLetterTarget: { targetArn: `arn:aws:sns:${region}:123456789012:failed-events` },
      });
    });
    expect(Object.values(json.resource.aws_iam_role_policy!)[0]!.policy).toContain('"Action":["sns:Publish"]');
  });
  test("its deprecated name deadLetterQueue still works, and a refusal names the prop the user gave", () => {
    const json = synthStack(
      (stack) => new SecureLambda(stack, "fn", { functionName: "fn", entry: HELLO_ENTRY, deadLetterQueue: true }),
    );
    expect(Object.values(json.resource.aws_sqs_queue!)[0]!.name).toBe("fn-dlq");
    expectInvalid({ deadLetterQueue: "yes" }, "deadLetterQueue", '"yes"', allowed);
  });
  test("refuses both names at once", () =>
    expectInvalid(
      { deadLetterTarget: true, deadLetterQueue: true },
      "deadLetterQueue",
      "given with deadLetterTarget",
      "allowed is deadLetterTarget alone",
    ));
});

describe("codeSigningConfigArn", () => {
  test.each([
    "csc-0123456789abcdef0",
    "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123",
    "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789ABCDEF0",
    "arn:aws:signer:eu-west-1:123456789012:/signing-profiles/profile",
  ])("refuses %p", (arn) =>
    expectInvalid(
      { codeSigningConfigArn: arn },
      "codeSigningConfigArn",
      JSON.stringify(arn),
      "allowed is a code-signing config ARN, arn:<partition>:lambda:<region>:<account>:code-signing-config:csc-<17 lower-case letters and digits>",
    ),
  );
  test("accepts a reference", () =>
    expect(() =>
      synthStack(
        (s) =>
          new SecureLambda(s, "fn", {
            functionName: "fn",
            entry: HELLO_ENTRY,
            codeSigningConfigArn: Fn.join("", ["arn"]),
          }),
      ),
    ).not.toThrow());
});

describe("SecretsKey", () => {
  test.each([6, 31, 7.5])("refuses deletionWindowDays %p", (days) => {
    const stack = new TerraformStack(Testing.app(), "test");
    expect(() => new SecretsKey(stack, "key", { aliasName: "k", deletionWindowDays: days })).toThrow(
      /test\/key: invalid deletionWindowDays: .*from 7 to 30/,
    );
  });
  // Each was passed to the provider as given, or threw a TypeError building the alias (found by probing
  // every prop with objects whose toString is no function, symbols, functions and bigints).
  test.each([
    ["aliasName", { aliasName: { toString: 0 } }, /allowed are 1 to 250 characters of A-Z, a-z, 0-9, \/, _ and -/],
    ["aliasName", { aliasName: "" }, /an empty string/],
    ["aliasName", { aliasName: "a".repeat(251) }, /more than 250 characters/],
    ["aliasName", { aliasName: "team secrets" }, /character 5 is a space/],
    ["aliasName", { aliasName: "aws/team" }, /not starting with aws\//],
    ["description", { aliasName: "k", description: () => "x" }, /allowed is a string of at most 8192 characters/],
    ["description", { aliasName: "k", description: "d".repeat(8193) }, /a string of 8193 characters/],
    ["preventDestroy", { aliasName: "k", preventDestroy: "yes" }, /allowed is true or false/],
    ["region", { aliasName: "k", region: "Frankfurt" }, /allowed is a region name/],
    ["tags", { aliasName: "k", tags: { team: 10n } }, /allowed are string values/],
    ["props", null, /allowed is an object with at least aliasName/],
  ])("refuses a wrong %s, naming it", (prop, props, message) => {
    const stack = new TerraformStack(Testing.app(), "test");
    let caught: unknown;
    try {
      new SecretsKey(stack, "key", props as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SecureLambdaValidationError);
    expect((caught as Error).message).toContain(`test/key: invalid ${prop}: `);
    expect((caught as Error).message).toMatch(message);
  });
  test("accepts an alias with slashes, a token alias and a token region", () => {
    expect(() =>
      synthStack((s) => {
        new SecretsKey(s, "a", { aliasName: "team/payments_prod-1" });
        new SecretsKey(s, "b", { aliasName: Fn.join("-", ["team", "x"]), region: new DataAwsRegion(s, "r").region });
      }),
    ).not.toThrow();
  });
  test("refuses a protected key with less than the 30-day window", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    expect(() => new SecretsKey(stack, "key", { aliasName: "k", deletionWindowDays: 7, preventDestroy: true })).toThrow(
      /test\/key: invalid deletionWindowDays: 7: a protected key \(preventDestroy\) keeps the 30-day window/,
    );
  });
});

describe("no refusal quotes a value (a token pasted into the wrong prop stays out of CI logs)", () => {
  const TOKEN = FAKE["GitHub token"];
  const RANDOM = FAKE["high-entropy string"];

  test.each([
    [
      "a secrets entry holding a token",
      { secrets: ["github_token", TOKEN] },
      "secrets",
      /entry 2, a string of 40 characters that looks like a GitHub token: a secret's name belongs here, not its value/,
    ],
    [
      "a secrets entry holding a random 40-character key",
      { secrets: [RANDOM.replace(/-/g, "_")] },
      "secrets",
      /entry 1, a string of 40 characters that looks random/,
    ],
    [
      "a secrets entry holding a Slack webhook URL",
      { secrets: [FAKE["Slack webhook URL"]] },
      "secrets",
      /entry 1, a string of \d+ characters that looks like a Slack webhook URL \(character 6 is ":"\)/,
    ],
    [
      "a tag holding a token",
      { tags: { team: "x".repeat(300) + TOKEN } },
      "tags",
      /tag "team" has value a string of 340 characters that looks like a GitHub token/,
    ],
    [
      "a description holding a token",
      { description: `${"x".repeat(250)} ${TOKEN}` },
      "description",
      /a string of 291 characters that looks like a GitHub token/,
    ],
    [
      "a prefix holding a token",
      { parameterPrefix: `/${TOKEN} x` },
      "parameterPrefix",
      /a string of 43 characters that looks like a GitHub token \(character 42 is a space\)/,
    ],
    [
      "an environment variable name holding a token",
      { environment: { [`${TOKEN}!`]: "v" } },
      "environment",
      /a string of 41 characters that looks like a GitHub token/,
    ],
  ])("%s names the prop and what is wrong, never the text", (_, props, prop, fragment) => {
    const error = errorOf(props as never);
    expect(error.prop).toBe(prop);
    expect(error.message).toMatch(fragment);
    expect(error.message).not.toContain(TOKEN.slice(4, 20));
    expect(error.message).not.toContain(RANDOM.slice(0, 12).replace(/-/g, "_"));
  });

  test("a name that fits its pattern and holds no token is shown, with what is wrong with it", () => {
    expectInvalid({ functionName: "my fn" }, "functionName", "a string of 5 characters (character 3 is a space)");
    expectInvalid(
      { secrets: ["github token"] },
      "secrets",
      "entry 1, a string of 12 characters (character 7 is a space)",
    );
    expectInvalid({ secrets: ["ok", "ok"] }, "secrets", '"ok" is listed twice');
  });
});
