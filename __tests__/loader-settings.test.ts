/**
 * What the construct tells the runtime loader from the function's timeout (its budget,
 * SECRETS_LOADER_TIMEOUT_MS), and the synth warning when the reserved concurrency's cold
 * starts cannot fit in SSM's default 40 calls per second within that timeout.
 */
import { SecureLambda, type SecureLambdaProps } from "../constructs";
import { loaderBudgetMs } from "../common/loader-budget";
import { TerraformVariable, type TerraformStack } from "../constructs/tf";
import { HELLO_ENTRY, only, synthStack } from "./helpers/synth";

/** The function's environment variables and the construct's warnings, for `props`. */
function synthesize(props: Partial<SecureLambdaProps> | ((stack: TerraformStack) => Partial<SecureLambdaProps>)) {
  let construct!: SecureLambda;
  const json = synthStack((stack) => {
    construct = new SecureLambda(stack, "fn", {
      functionName: "fn",
      entry: HELLO_ENTRY,
      secrets: ["github_token"],
      ...(typeof props === "function" ? props(stack) : props),
    });
  });
  const [, fn] = only(json, "aws_lambda_function");
  const warnings = construct.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
  return { variables: (fn.environment?.variables ?? {}) as Record<string, string>, warnings };
}

describe("the loader's budget", () => {
  test("the loader may spend the timeout less a tenth, at least 1 s and at most half: 10 s give 9 s, 3 s give 2 s, 1 s gives 0.5 s", () => {
    expect([10_000, 3000, 1000, 60_000, 900_000].map(loaderBudgetMs)).toEqual([9000, 2000, 500, 54_000, 810_000]);
  });

  test.each([
    [undefined, "9000"],
    [3, "2000"],
    [900, "810000"],
  ])("a function with timeout %s gets SECRETS_LOADER_TIMEOUT_MS=%s", (timeout, budget) => {
    expect(synthesize({ timeout }).variables.SECRETS_LOADER_TIMEOUT_MS).toBe(budget);
  });

  test("with store secretsmanager too", () => {
    expect(synthesize({ store: "secretsmanager", timeout: 20 }).variables.SECRETS_LOADER_TIMEOUT_MS).toBe("18000");
  });

  test("a function without secrets has no loader, and no variable (nor an environment for it)", () => {
    expect(synthesize({ secrets: [] }).variables).toEqual({});
  });

  test("a timeout known only at plan leaves the budget to the loader's default and the invocation's context", () => {
    const { variables } = synthesize((stack) => ({
      timeout: new TerraformVariable(stack, "timeout", { type: "number" }).numberValue,
    }));
    expect(variables).not.toHaveProperty("SECRETS_LOADER_TIMEOUT_MS");
  });

  test("a SECRETS_LOADER_TIMEOUT_MS the user set in environment is kept, not overwritten", () => {
    expect(synthesize({ environment: { SECRETS_LOADER_TIMEOUT_MS: "2500" } }).variables.SECRETS_LOADER_TIMEOUT_MS).toBe(
      "2500",
    );
  });
});

describe("the cold-start storm warning", () => {
  test("warns when reserved concurrency x calls per cold start exceeds 40 calls per second x the timeout, naming the figures and the ways out", () => {
    const { warnings } = synthesize({ reservedConcurrentExecutions: 401, timeout: 10 });

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "401 reserved concurrent executions x 1 GetParameters call(s) per cold start = 401 calls",
    );
    expect(warnings[0]).toContain("SSM's default 40 calls per second serve within the 10 s timeout (400)");
    expect(warnings[0]).toMatch(/store "secretsmanager".*higher throughput.*fewer secrets per function/);
  });

  test("counts one call per 10 secrets", () => {
    const secrets = Array.from({ length: 11 }, (_, i) => `secret_${i}`);
    expect(synthesize({ secrets, reservedConcurrentExecutions: 200, timeout: 10 }).warnings).toEqual([]);
    expect(synthesize({ secrets, reservedConcurrentExecutions: 201, timeout: 10 }).warnings[0]).toContain(
      "201 reserved concurrent executions x 2",
    );
  });

  test.each<[string, Partial<SecureLambdaProps>]>([
    ["a storm that fits", { reservedConcurrentExecutions: 400, timeout: 10 }],
    ["no reservation", { timeout: 1 }],
    ["store secretsmanager", { store: "secretsmanager", reservedConcurrentExecutions: 5000, timeout: 1 }],
    ["no secrets", { secrets: [], reservedConcurrentExecutions: 5000, timeout: 1 }],
  ])("does not warn with %s", (_, props) => {
    expect(synthesize(props).warnings).toEqual([]);
  });

  test("does not judge a reservation known only at plan", () => {
    const { warnings } = synthesize((stack) => ({
      reservedConcurrentExecutions: new TerraformVariable(stack, "reserved", { type: "number" }).numberValue,
      timeout: 1,
    }));
    expect(warnings).toEqual([]);
  });
});
