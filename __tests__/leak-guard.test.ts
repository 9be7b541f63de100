import { TARGET_VERSIONS, TARGET_VERSIONS_CONTEXT_KEY } from "../constructs/terraform-version";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLACEHOLDER_VALUE, SecretLeakGuard, SecureLambda, SecureLambdaValidationError } from "../constructs";
import { DEFAULT_LEAK_RULES } from "../constructs/leak-guard";
import { knownTokenFormat, looksRandom } from "../common/token-formats";
import { hasReference, literalText } from "../constructs/leak-guard/literal";
import { Aspects, AwsProvider, LambdaFunction, SsmParameter, Testing, TerraformStack } from "../constructs/tf";
import { environments } from "../config/environments";
import { buildApp } from "../main";
import { HELLO_ENTRY, synthStack } from "./helpers/synth";
import { leakOf } from "./helpers/leak";
import { BASE64URL, FAKE, HEX, pseudoRandom } from "./helpers/fake-tokens";

/** A stack with one plain LambdaFunction (not a SecureLambda) whose environment holds `variables`, guarded. */
function plainFunctionStack(variables: Record<string, string>): { stack: TerraformStack; fn: LambdaFunction } {
  const stack = new TerraformStack(Testing.app(), "plain");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  SecretLeakGuard.protect(stack);
  const fn = new LambdaFunction(stack, "Other", {
    functionName: "other",
    role: "arn:aws:iam::123456789012:role/x",
    environment: { variables },
  });
  return { stack, fn };
}

describe("known token formats and high-entropy strings in a function's environment", () => {
  test.each(Object.entries(FAKE))(
    "fails synthesis on a %s in a function the user added outside SecureLambda",
    (kind, value) => {
      const { stack } = plainFunctionStack({ NOTIFY_CONFIG: value });
      const error = leakOf(() => Testing.synth(stack));
      expect(error.stackName).toBe("plain");
      expect(error.message).toContain('stack "plain"');
      expect(error.message).toContain("aws_lambda_function.Other");
      expect(error.message).toContain("variable NOTIFY_CONFIG");
      expect(error.message).toMatch(
        kind === "high-entropy string" ? /high-entropy string/ : new RegExp(`looks like an? ${kind}`),
      );
      expect(error.message).not.toContain(value);
      expect(error.message).not.toContain(value.slice(4, 20));
    },
  );

  test("fails synthesis on a token in a SecureLambda's environment, naming the function's address", () => {
    const error = leakOf(() =>
      synthStack(
        (stack) =>
          new SecureLambda(stack, "fn", {
            functionName: "fn",
            entry: HELLO_ENTRY,
            environment: { UPSTREAM: FAKE["GitHub token"] },
          }),
      ),
    );
    expect(error.findings).toEqual([
      expect.objectContaining({
        constructPath: "test/fn/Function",
        variable: "UPSTREAM",
        rules: expect.arrayContaining(["known-token-format"]),
      }),
    ]);
    expect(error.findings[0]!.address).toMatch(/^aws_lambda_function\.fn_Function_[0-9A-F]{8}$/);
  });

  test("reports every offending variable of the stack at once", () => {
    const { stack } = plainFunctionStack({
      A_URL: FAKE["Slack webhook URL"],
      B_ID: FAKE["AWS access key id"],
      FINE: "https://api.github.com",
    });
    expect(leakOf(() => Testing.synth(stack)).findings.map((f) => f.variable)).toEqual(["A_URL", "B_ID"]);
  });

  test("catches a value set through an escape-hatch override", () => {
    const { stack, fn } = plainFunctionStack({});
    fn.addOverride("environment.variables.PATCHED", FAKE["JSON Web Token"]);
    expect(leakOf(() => Testing.synth(stack)).findings[0]!.variable).toBe("PATCHED");
  });

  test("judges only literal text: a reference to another resource is not a value", () => {
    const { stack } = plainFunctionStack({});
    const other = new LambdaFunction(stack, "Target", { functionName: "target", role: "r" });
    new LambdaFunction(stack, "Caller", {
      functionName: "caller",
      role: "r",
      environment: { variables: { TARGET_ARN: other.arn, API_TOKEN: other.arn } },
    });
    expect(() => Testing.synth(stack)).not.toThrow();
  });

  test.each([
    ["a URL", "https://api.github.com/repos/octo-org/octo-repo"],
    ["an ARN", "arn:aws:lambda:eu-west-1:123456789012:function:notifier-dev"],
    ["a parameter name", "/team/notifier-dev/slack_webhook_url"],
    ["a UUID", "123e4567-e89b-12d3-a456-426614174000"],
    ["a sentence", "Posts the number of open issues to Slack every morning"],
    ["a long lower-case name", "my-service-production-eu-west-one-backend-worker"],
    ["the placeholder", PLACEHOLDER_VALUE],
  ])("lets %s through", (_, value) => {
    expect(() => Testing.synth(plainFunctionStack({ SETTING: value }).stack)).not.toThrow();
  });
});

describe("variables named like secrets", () => {
  test.each(["API_TOKEN", "CLIENT_SECRET", "DB_PASSWORD", "SIGNING_KEY", "signing_key"])(
    "fails synthesis when %s holds a literal, however harmless it looks",
    (name) => {
      const error = leakOf(() => Testing.synth(plainFunctionStack({ [name]: "hello" }).stack));
      expect(error.findings).toEqual([expect.objectContaining({ variable: name, rules: ["secret-named-variable"] })]);
      expect(error.message).toMatch(
        /is named like a secret \(\*_(TOKEN|SECRET|PASSWORD|KEY)\) and holds a literal value/,
      );
      expect(error.message).not.toContain("hello");
    },
  );

  test("lets an empty value and a parameter-name variable through", () => {
    expect(() =>
      Testing.synth(plainFunctionStack({ API_TOKEN: "", API_TOKEN_PARAM_NAME: "/app/api_token" }).stack),
    ).not.toThrow();
  });
});

describe("SecureString parameters", () => {
  function parameterStack(config: { value?: string; valueWo?: string; type?: string }): TerraformStack {
    // Declares what the construct declares for itself: cdktn refuses value_wo without it.
    const stack = new TerraformStack(
      Testing.app({ context: { [TARGET_VERSIONS_CONTEXT_KEY]: TARGET_VERSIONS } }),
      "params",
    );
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    SecretLeakGuard.protect(stack);
    new SsmParameter(stack, "Db", {
      name: "/app/db_password",
      type: config.type ?? "SecureString",
      value: config.value,
      valueWo: config.valueWo,
      valueWoVersion: config.valueWo ? 1 : undefined,
    });
    return stack;
  }

  test("fail synthesis with any literal but the placeholder in value_wo, pointing to out-of-band setting", () => {
    const error = leakOf(() => Testing.synth(parameterStack({ valueWo: "correct horse battery staple" })));
    expect(error.findings).toEqual([
      expect.objectContaining({
        address: "aws_ssm_parameter.Db",
        variable: "value_wo",
        rules: ["secure-string-placeholder"],
      }),
    ]);
    expect(error.message).toContain("set the real value out of band");
    expect(error.message).not.toContain("correct horse");
  });

  test("fail synthesis with a reference in value_wo, whose source Terraform may keep in the state", () => {
    const error = leakOf(() => Testing.synth(parameterStack({ valueWo: "${var.db_password}" })));
    expect(error.findings).toEqual([
      expect.objectContaining({ variable: "value_wo", rules: ["secure-string-placeholder"] }),
    ]);
    expect(error.message).toContain("may keep in the state");
  });

  test.each([
    ["the placeholder", PLACEHOLDER_VALUE],
    ["a literal", "correct horse battery staple"],
    ["a reference", "${random_password.db.result}"],
  ])(
    "fail synthesis with value set at all (%s): the provider reads it back into the state on every refresh",
    (_, value) => {
      const error = leakOf(() => Testing.synth(parameterStack({ value })));
      expect(error.findings).toEqual([
        expect.objectContaining({
          address: "aws_ssm_parameter.Db",
          variable: "value",
          rules: ["secure-string-placeholder"],
        }),
      ]);
      expect(error.message).toContain("reads back into the state");
      expect(error.message).toContain("value_wo = PLACEHOLDER_VALUE");
    },
  );

  test("pass with exactly the placeholder in value_wo", () => {
    expect(() => Testing.synth(parameterStack({ valueWo: PLACEHOLDER_VALUE }))).not.toThrow();
  });

  test("a plain String parameter holding a token fails too", () => {
    expect(
      leakOf(() => Testing.synth(parameterStack({ type: "String", value: FAKE["GitHub token"] }))).findings[0]!.rules,
    ).toContain("known-token-format");
  });
});

describe("deliberate exceptions", () => {
  test("SecretLeakGuard.allow lets one variable of one function through, and only that one", () => {
    const { stack, fn } = plainFunctionStack({ PUBLIC_KEY: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", OTHER_KEY: "x" });
    SecretLeakGuard.allow(fn, { variable: "PUBLIC_KEY", reason: "a public key, published in the README" });
    expect(leakOf(() => Testing.synth(stack)).findings.map((f) => f.variable)).toEqual(["OTHER_KEY"]);
  });

  test("SecureLambda's allowLiteralEnvironment declares the exception beside the variable", () => {
    expect(() =>
      synthStack((stack) => {
        new SecureLambda(stack, "fn", {
          functionName: "fn",
          entry: HELLO_ENTRY,
          environment: { CACHE_KEY: "v2" },
          allowLiteralEnvironment: { CACHE_KEY: "a cache namespace, not a credential" },
        });
      }),
    ).not.toThrow();
  });

  test("an exception needs a reason", () => {
    const { fn } = plainFunctionStack({});
    expect(() => SecretLeakGuard.allow(fn, { variable: "PUBLIC_KEY", reason: "" })).toThrow(
      SecureLambdaValidationError,
    );
    expect(() => SecretLeakGuard.allow(fn, { variable: "PUBLIC_KEY", reason: "" })).toThrow(
      /plain\/Other: invalid reason: the exception for PUBLIC_KEY needs a reason/,
    );
  });
});

describe("where the guard runs", () => {
  test("SecureLambda installs it once on a stack the user builds, however many functions it holds: in the stack's own synthesis", () => {
    const stack = new TerraformStack(Testing.app(), "mine");
    new SecureLambda(stack, "a", { functionName: "a", entry: HELLO_ENTRY });
    const hooked = stack.toTerraform;
    new SecureLambda(stack, "b", { functionName: "b", entry: HELLO_ENTRY });
    SecretLeakGuard.protect(stack);
    expect(Object.hasOwn(stack, "toTerraform")).toBe(true);
    expect(stack.toTerraform).toBe(hooked);
    expect(Aspects.of(stack).all).toEqual([]);
  });

  test("guards a resource added beside a SecureLambda in a user's stack, without the stack registering it", () => {
    const stack = new TerraformStack(Testing.app(), "mine");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new SecureLambda(stack, "fn", { functionName: "fn", entry: HELLO_ENTRY });
    new LambdaFunction(stack, "Extra", {
      functionName: "extra",
      role: "r",
      environment: { variables: { WEBHOOK: FAKE["Slack webhook URL"] } },
    });
    expect(leakOf(() => Testing.synth(stack)).findings[0]!.address).toBe("aws_lambda_function.Extra");
  });

  test("fails app.synth() and Testing.fullSynth, not only Testing.synth", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-guard-"));
    try {
      const app = Testing.app({ outdir });
      const stack = new TerraformStack(app, "s");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      new SecureLambda(stack, "fn", {
        functionName: "fn",
        entry: HELLO_ENTRY,
        environment: { UPSTREAM: FAKE["AWS access key id"] },
      });
      leakOf(() => app.synth());
      leakOf(() => Testing.fullSynth(stack));
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("runs in every EnvironmentStack: a token in the configuration fails the app", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-guard-app-"));
    try {
      const [notifier] = environments.dev.functions;
      const leaky = {
        ...environments.dev,
        functions: [{ ...notifier!, environment: { SLACK: FAKE["Slack webhook URL"] } }],
      };
      const error = leakOf(() => buildApp({ outdir, environments: { dev: leaky } }).synth());
      expect(error.message).toContain('stack "dev"');
      expect(error.message).toContain("variable SLACK");
      expect(fs.existsSync(path.join(outdir, "stacks", "dev", "cdk.tf.json"))).toBe(false);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("the example app passes the guard", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-guard-ok-"));
    try {
      expect(() => buildApp({ outdir }).synth()).not.toThrow();
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("the detectors", () => {
  test("read only literal text, not ${...} references", () => {
    expect(literalText("pre-${aws_x.y.arn}-post")).toBe("pre- -post");
    expect(literalText("$${not.a.reference}")).toBe("${not.a.reference}");
    expect(hasReference('${lookup(var.m, "}")}')).toBe(true);
    expect(hasReference("plain")).toBe(false);
    expect(knownTokenFormat("Bearer ${var.token}")).toBeUndefined();
  });

  test("know each token format", () => {
    for (const [kind, value] of Object.entries(FAKE))
      if (kind !== "high-entropy string") expect(knownTokenFormat(value)).toMatch(new RegExp(kind));
  });

  test("find random keys of 32+ characters and leave words, paths and hex ids under 32 alone", () => {
    expect(looksRandom(pseudoRandom(32, BASE64URL, 7))).toBe(true);
    expect(looksRandom(pseudoRandom(40, HEX, 7))).toBe(true);
    expect(looksRandom(pseudoRandom(16, HEX, 7))).toBe(false);
    expect(looksRandom("/very/long/parameter/prefix/for-team-x/app-y/slack_webhook_url")).toBe(false);
  });
});

describe("the rule pack", () => {
  test("every leak rule's id is its file's name, as every posture rule's is; each has a title and says why", () => {
    const files = fs
      .readdirSync(path.join(__dirname, "..", "constructs", "leak-guard", "rules"))
      .map((file) => path.parse(file).name)
      .filter((name) => name !== "index")
      .sort();
    expect(DEFAULT_LEAK_RULES.map((rule) => rule.id).sort()).toEqual(files);
    for (const rule of DEFAULT_LEAK_RULES) {
      expect(rule.title.length).toBeGreaterThan(20);
      expect(rule.why.length).toBeGreaterThan(40);
    }
  });
});
