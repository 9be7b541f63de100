/**
 * The shapes the public API takes for jsii (constants classes, structs, plain strings validated at synth) behave
 * as the TypeScript shapes they replaced: the same values synthesize the same, the wrong ones are refused.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DeadLetterAction,
  ExecutionRole,
  LambdaArchitecture,
  LambdaRuntime,
  SecretStore,
  SecureLambda,
  SecureLambdaValidationError,
  type SecureLambdaProps,
} from "../constructs";
import { SecretLeakError } from "../constructs/errors";
import { HELLO_ENTRY, only, synthStack } from "./helpers/synth";

const base: SecureLambdaProps = { functionName: "notifier", entry: HELLO_ENTRY, secrets: ["github_token"] };

function policyOf(build: (role: ExecutionRole) => void): { Statement: Record<string, unknown>[] } {
  const json = synthStack((stack) => build(new ExecutionRole(stack, "Role", { roleName: "reporter" })));
  return JSON.parse(only(json, "aws_iam_role_policy")[1].policy);
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("constants and plain strings", () => {
  test("a constant and its text synthesize the same function", () => {
    const withConstants = synthStack((stack) => {
      new SecureLambda(stack, "Fn", {
        ...base,
        runtime: LambdaRuntime.NODEJS_24_X,
        architecture: LambdaArchitecture.X86_64,
        store: SecretStore.SECRETS_MANAGER,
      });
    });
    const withText = synthStack((stack) => {
      new SecureLambda(stack, "Fn", {
        ...base,
        runtime: "nodejs24.x",
        architecture: "x86_64",
        store: "secretsmanager",
      });
    });
    expect(withConstants).toEqual(withText);
    expect(only(withText, "aws_lambda_function")[1]).toMatchObject({
      runtime: "nodejs24.x",
      architectures: ["x86_64"],
    });
  });

  test.each([
    ["runtime", { runtime: "nodejs99.x" }, /allowed are nodejs22\.x, nodejs24\.x/],
    ["architecture", { architecture: "sparc" }, /allowed are arm64, x86_64/],
    ["store", { store: "vault" }, /allowed are "ssm"/],
  ])("a %s string outside the constants is refused at synth, naming the prop", (prop, props, allowed) => {
    const error = thrown(() => synthStack((stack) => new SecureLambda(stack, "Fn", { ...base, ...props })));
    expect(error).toBeInstanceOf(SecureLambdaValidationError);
    expect((error as SecureLambdaValidationError).prop).toBe(prop);
    expect((error as Error).message).toMatch(allowed);
  });
});

describe("code, one struct of two optional fields", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "public-api-code-"));
    fs.writeFileSync(path.join(dir, "app.py"), "def handler(event, context):\n    return 1\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const python = { functionName: "reporter", runtime: LambdaRuntime.PYTHON_3_13, handler: "app.handler" };

  test("an unset field beside the given one (as another language's struct may carry) is the same code", () => {
    const given = synthStack((stack) => new SecureLambda(stack, "Fn", { ...python, code: { directory: dir } }));
    const withUnset = synthStack(
      (stack) => new SecureLambda(stack, "Fn", { ...python, code: { directory: dir, zipFile: undefined } }),
    );
    expect(withUnset).toEqual(given);
  });

  test("both fields, or neither, are refused naming code", () => {
    for (const code of [{ directory: dir, zipFile: path.join(dir, "x.zip") }, {}]) {
      const error = thrown(() => synthStack((stack) => new SecureLambda(stack, "Fn", { ...python, code })));
      expect([(error as SecureLambdaValidationError).prop, (error as Error).message]).toEqual([
        "code",
        expect.stringContaining("allowed is { directory } (zipped at synth) or { zipFile }"),
      ]);
    }
  });
});

describe("ExecutionRole.addStatement, a struct with jsii's member names", () => {
  test("renders the statement in the JSON shape IAM reads, Allow by default", () => {
    const policy = policyOf((role) => {
      role.addStatement({ sid: "ReadReports", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::reports/*"] });
      role.addStatement({
        sid: "NoDeletes",
        effect: "Deny",
        actions: ["s3:DeleteObject"],
        resources: ["*"],
        condition: { StringEquals: { "aws:SourceAccount": ["123456789012"] } },
      });
    });
    expect(policy.Statement).toEqual([
      { Sid: "ReadReports", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::reports/*"] },
      {
        Sid: "NoDeletes",
        Effect: "Deny",
        Action: ["s3:DeleteObject"],
        Resource: ["*"],
        Condition: { StringEquals: { "aws:SourceAccount": ["123456789012"] } },
      },
    ]);
  });

  test.each([
    ["statement.sid", { sid: "read reports", actions: ["s3:GetObject"], resources: ["*"] }, /letters and digits/],
    ["statement.effect", { sid: "A", effect: "allow", actions: ["s3:GetObject"], resources: ["*"] }, /"Allow" and/],
    ["statement.actions", { sid: "A", actions: [], resources: ["*"] }, /non-empty list of strings/],
    ["statement.resources", { sid: "A", actions: ["s3:GetObject"] }, /non-empty list of strings/],
  ])("refuses a wrong %s, naming it", (prop, statement, allowed) => {
    const error = thrown(() =>
      policyOf((role) => role.addStatement(statement as Parameters<ExecutionRole["addStatement"]>[0])),
    );
    expect([(error as SecureLambdaValidationError).prop, (error as Error).message]).toEqual([
      prop,
      expect.stringMatching(allowed),
    ]);
  });
});

describe("ExecutionRole.grantSendToDeadLetter and DeadLetterAction", () => {
  test("grants the one action named, on the one target", () => {
    const policy = policyOf((role) => {
      role.grantSendToDeadLetter({
        arn: "arn:aws:sns:eu-west-1:123456789012:failed",
        action: DeadLetterAction.SNS_PUBLISH,
      });
    });
    expect(policy.Statement).toEqual([
      {
        Sid: "PublishToDeadLetterTopic",
        Effect: "Allow",
        Action: ["sns:Publish"],
        Resource: ["arn:aws:sns:eu-west-1:123456789012:failed"],
      },
    ]);
  });

  test("refuses any other action, naming it", () => {
    const error = thrown(() =>
      policyOf((role) => role.grantSendToDeadLetter({ arn: "arn:aws:sqs:eu-west-1:123456789012:q", action: "sqs:*" })),
    );
    expect([(error as SecureLambdaValidationError).prop, (error as Error).message]).toEqual([
      "action",
      // A value the role does not know is described, not quoted (as every refusal does).
      expect.stringContaining('a string of 5 characters: allowed are "sqs:SendMessage" (a queue) and "sns:Publish"'),
    ]);
  });
});

describe("the errors, out of the jsii assembly and still classes in TypeScript", () => {
  test("a refusal is an Error and a SecureLambdaValidationError, told apart from a SecretLeakError", () => {
    const error = thrown(() => synthStack((stack) => new SecureLambda(stack, "Fn", { ...base, memorySize: 1 })));
    expect([
      error instanceof Error,
      error instanceof SecureLambdaValidationError,
      error instanceof SecretLeakError,
    ]).toEqual([true, true, false]);
    expect((error as SecureLambdaValidationError).name).toBe("SecureLambdaValidationError");
  });
});

describe("esbuild, loaded when an entry is bundled", () => {
  // The jsii packages for other languages carry no esbuild: a construct that loaded it up front would not load there.
  test("without esbuild, the construct loads, code synthesizes, and entry is refused saying what to do", () => {
    jest.isolateModules(() => {
      jest.doMock("esbuild", () => {
        throw new Error("Cannot find module 'esbuild'");
      });
      const api = require("../constructs") as typeof import("../constructs");
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "no-esbuild-"));
      fs.writeFileSync(path.join(dir, "app.py"), "def handler(event, context):\n    return 1\n");
      const python = { runtime: api.LambdaRuntime.PYTHON_3_13, handler: "app.handler", code: { directory: dir } };
      const json = synthStack((stack) => new api.SecureLambda(stack, "Fn", { functionName: "py", ...python }));
      expect(only(json, "aws_lambda_function")[1].runtime).toBe("python3.13");
      const error = thrown(() => synthStack((stack) => new api.SecureLambda(stack, "Fn", base)));
      expect([(error as SecureLambdaValidationError).prop, (error as Error).message]).toEqual([
        "entry",
        expect.stringContaining("esbuild, which bundles entry at synth, is not installed: install it (npm install"),
      ]);
    });
  });
});
