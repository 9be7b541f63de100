/**
 * Props known only at plan time (a TerraformVariable, another resource's attribute): the
 * construct passes them to Terraform unjudged, as aws-cdk skips unresolved tokens, while the
 * same prop given as a bad literal still fails at synth with the same message.
 */
import {
  SecretsEndpoints,
  SecretsKey,
  SecureLambda,
  SecureLambdaValidationError,
  type SecureLambdaProps,
} from "../constructs";
import { TerraformVariable, Testing, TerraformStack } from "../constructs/tf";
import { thrownBy } from "./helpers/leak";
import { HELLO_ENTRY, only, synthStack, type TerraformJson } from "./helpers/synth";

function synthFn(build: (stack: TerraformStack) => Partial<SecureLambdaProps>): TerraformJson {
  return synthStack((stack) => {
    new SecureLambda(stack, "fn", { functionName: "fn", entry: HELLO_ENTRY, ...build(stack) });
  });
}

const numberVariable = (stack: TerraformStack, name: string): number =>
  new TerraformVariable(stack, name, { type: "number" }).numberValue;
const stringVariable = (stack: TerraformStack, name: string): string =>
  new TerraformVariable(stack, name, { type: "string" }).stringValue;

const errorOf = (build: () => unknown): SecureLambdaValidationError => thrownBy(SecureLambdaValidationError, build);

describe("numbers given as Terraform variables", () => {
  test.each(["memorySize", "timeout", "logRetentionDays", "reservedConcurrentExecutions"] as const)(
    "%s synthesizes as a reference to the variable",
    (prop) => {
      const json = synthFn((stack) => ({ [prop]: numberVariable(stack, "value") }));
      const [, fn] = only(json, "aws_lambda_function");
      const [, logGroup] = only(json, "aws_cloudwatch_log_group");
      const argument = {
        memorySize: fn.memory_size,
        timeout: fn.timeout,
        logRetentionDays: logGroup.retention_in_days,
        reservedConcurrentExecutions: fn.reserved_concurrent_executions,
      }[prop];
      expect(argument).toBe("${var.value}");
    },
  );

  test.each([
    ["memorySize", -1, "test/fn: invalid memorySize: -1: allowed is a whole number of MB from 128 to 10240"],
    ["timeout", 901, "test/fn: invalid timeout: 901: allowed is a whole number of seconds from 1 to 900"],
    [
      "reservedConcurrentExecutions",
      -1,
      "test/fn: invalid reservedConcurrentExecutions: -1: allowed is a whole number from 0 (0 stops the function) up to the account's concurrency limit",
    ],
  ] as const)("a literal bad %s still fails at synth with its message", (prop, value, message) => {
    expect(errorOf(() => synthFn(() => ({ [prop]: value }))).message).toBe(message);
  });
});

describe("strings given as Terraform variables", () => {
  test("functionName, roleName, description, architecture and a tag value synthesize as references", () => {
    const json = synthFn((stack) => ({
      functionName: stringVariable(stack, "name"),
      roleName: stringVariable(stack, "role"),
      description: stringVariable(stack, "description"),
      architecture: stringVariable(stack, "architecture") as SecureLambdaProps["architecture"],
      tags: { team: stringVariable(stack, "team") },
    }));
    const [, fn] = only(json, "aws_lambda_function");
    expect(fn.function_name).toBe("${var.name}");
    expect(fn.description).toBe("${var.description}");
    expect(fn.architectures).toEqual(["${var.architecture}"]);
    expect(fn.tags).toEqual({ team: "${var.team}" });
    expect(only(json, "aws_iam_role")[1].name).toBe("${var.role}");
    expect(only(json, "aws_cloudwatch_log_group")[1].name).toBe("/aws/lambda/${var.name}");
  });

  test("a parameterPrefix variable names the parameters and their variables", () => {
    const json = synthFn((stack) => ({ parameterPrefix: stringVariable(stack, "prefix"), secrets: ["github_token"] }));
    expect(only(json, "aws_ssm_parameter")[1].name).toBe("${var.prefix}/github_token");
    expect(only(json, "aws_lambda_function")[1].environment.variables).toEqual({
      GITHUB_TOKEN_PARAM_NAME: "${var.prefix}/github_token",
      SECRETS_LOADER_TIMEOUT_MS: "9000",
    });
  });

  test("a literal bad description still fails at synth with its message", () => {
    const error = errorOf(() => synthFn(() => ({ description: "d".repeat(257) })));
    expect(error.message).toMatch(
      /^test\/fn: invalid description: a string of 257 characters: allowed is a string of at most 256 characters$/,
    );
  });
});

describe("props that decide what the construct makes must be known at synth", () => {
  type Build = (stack: TerraformStack) => Partial<SecureLambdaProps>;
  const boolVariable = (stack: TerraformStack, name: string): boolean =>
    new TerraformVariable(stack, name, { type: "bool" }).booleanValue as unknown as boolean;
  test.each<[string, Build, string]>([
    ["entry", (stack) => ({ entry: stringVariable(stack, "entry") }), "the file is bundled at synth"],
    [
      "runtime",
      (stack) => ({ runtime: stringVariable(stack, "runtime") as SecureLambdaProps["runtime"] }),
      "it decides how the code is built and run",
    ],
    [
      "secrets",
      (stack) => ({ secrets: [stringVariable(stack, "secret")] }),
      "each secret gets a parameter (or a key of the secret) and a variable of its own",
    ],
    ["protect", (stack) => ({ protect: boolVariable(stack, "protect") }), "it decides what the construct makes"],
  ])("refuses a Terraform variable as %s", (prop, build, because) => {
    const error = errorOf(() => synthFn(build));
    expect(error.prop).toBe(prop);
    const known = `${prop} must be known at synth, since ${because}`;
    expect(error.message).toBe(
      `test/fn: invalid ${prop}: a Terraform reference or variable, known only at plan: ${known}`,
    );
  });
});

describe("rotation, keys and endpoints", () => {
  test("rotation days given as a variable synthesize", () => {
    const json = synthFn((stack) => ({
      store: "secretsmanager",
      secrets: ["token"],
      rotation: {
        rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:rotator",
        automaticallyAfterDays: numberVariable(stack, "days"),
      },
    }));
    expect(only(json, "aws_secretsmanager_secret_rotation")[1].rotation_rules.automatically_after_days).toBe(
      "${var.days}",
    );
  });

  test("a SecretsKey deletion window given as a variable synthesizes; on a protected key it is refused", () => {
    const json = synthStack(
      (stack) => new SecretsKey(stack, "key", { aliasName: "k", deletionWindowDays: numberVariable(stack, "days") }),
    );
    expect(only(json, "aws_kms_key")[1].deletion_window_in_days).toBe("${var.days}");
    const stack = new TerraformStack(Testing.app(), "test");
    const error = errorOf(
      () =>
        new SecretsKey(stack, "key", {
          aliasName: "k",
          preventDestroy: true,
          deletionWindowDays: numberVariable(stack, "days"),
        }),
    );
    expect(error.message).toBe(
      "test/key: invalid deletionWindowDays: a Terraform reference or variable: " +
        "a protected key (preventDestroy) keeps the 30-day window, the longest chance to cancel a deletion",
    );
  });

  test("SecretsEndpoints takes a tag value given as a variable, and checks tags as SecureLambda does", () => {
    const endpointProps = {
      vpcId: "vpc-0a1b2c3d",
      subnetIds: ["subnet-0a1b2c3d"],
      clientSecurityGroupIds: ["sg-0a1b2c3d"],
    };
    const json = synthStack(
      (stack) =>
        new SecretsEndpoints(stack, "endpoints", { ...endpointProps, tags: { team: stringVariable(stack, "team") } }),
    );
    expect(only(json, "aws_security_group")[1].tags).toEqual({ team: "${var.team}" });
    const stack = new TerraformStack(Testing.app(), "test");
    const error = errorOf(
      () => new SecretsEndpoints(stack, "endpoints", { ...endpointProps, tags: { "aws:team": "x" } }),
    );
    expect(error.message).toBe(
      'test/endpoints: invalid tags: tag "aws:team": allowed are names of 1 to 128 characters that do not start with "aws:"',
    );
  });
});

describe("one pass before anything is made", () => {
  test("a bad vpc fails before the entry is bundled or any resource exists", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const vpc = { subnetIds: [], securityGroupIds: [] };
    const error = errorOf(
      () => new SecureLambda(stack, "fn", { functionName: "fn", entry: "/no/such/handler.ts", vpc }),
    );
    expect(error.prop).toBe("vpc.subnetIds");
    // Nothing was added to the stack: no data source, no key, no role.
    expect(stack.node.findAll().map((c) => c.node.path)).toEqual(["test", "test/fn"]);
  });
});
