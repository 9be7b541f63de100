import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { environments, type EnvironmentConfig } from "../config/environments";
import { ConfigurationError, selectEnvironments, validateEnvironment, validateEnvironments } from "../config/validate";
import { buildApp } from "../main";

const dev: EnvironmentConfig = environments.dev;

/** Asserts that validating `config` as environment `x` fails naming the environment, the field and each fragment. */
function expectConfigError(config: unknown, field: string, ...fragments: string[]): void {
  let caught: unknown;
  try {
    validateEnvironment("x", config);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigurationError);
  const error = caught as ConfigurationError;
  expect(error.environment).toBe("x");
  expect(error.field).toBe(field);
  expect(error.message).toContain(`configuration of environment "x": ${field}:`);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
}

describe("configuration of an environment", () => {
  test("accepts every environment of config/environments.ts", () =>
    expect(() => validateEnvironments(environments)).not.toThrow());
  test("refuses a missing region", () =>
    expectConfigError({ ...dev, region: undefined }, "region", "is missing", '"eu-west-1"'));
  test("refuses a region that is not an AWS region name", () =>
    expectConfigError({ ...dev, region: "Ireland" }, "region", '"Ireland"', "an AWS region name"));
  test("accepts GovCloud and China regions", () => {
    expect(() => validateEnvironment("x", { ...dev, region: "us-gov-west-1" })).not.toThrow();
    expect(() => validateEnvironment("x", { ...dev, region: "cn-north-1" })).not.toThrow();
  });
  test("refuses an account id that is not 12 digits", () =>
    expectConfigError({ ...dev, accountId: "12345678901" }, "accountId", '"12345678901"', "a 12-digit AWS account id"));
  test("refuses an account id given as a number", () =>
    expectConfigError({ ...dev, accountId: 123456789012 }, "accountId", "as a string"));
  test("refuses a missing protected flag", () =>
    expectConfigError({ ...dev, protected: undefined }, "protected", "allowed are true"));
  test("refuses a protected LocalStack environment", () =>
    expectConfigError({ ...environments.local, protected: true }, "localstackEndpoint", "must not be protected"));
  test("refuses a LocalStack endpoint that is not a URL", () =>
    expectConfigError(
      { ...environments.local, localstackEndpoint: "localhost:4566" },
      "localstackEndpoint",
      "an http(s) URL",
    ));
  test("refuses an invalid state bucket", () =>
    expectConfigError(
      { ...dev, stateBackend: { bucket: "My_Bucket" } },
      "stateBackend.bucket",
      '"My_Bucket"',
      "an S3 bucket name",
    ));
  test("refuses a state bucket region that is not a region", () =>
    expectConfigError(
      { ...dev, stateBackend: { bucket: "acme-tfstate", region: "eu" } },
      "stateBackend.region",
      '"eu"',
    ));
  test("refuses two functions with the same name", () =>
    expectConfigError(
      { ...dev, functions: [...dev.functions, ...dev.functions] },
      "functions[1].functionName",
      "is used twice",
    ));
  test("refuses a function without entry", () =>
    expectConfigError(
      { ...dev, functions: [{ functionName: "f", secrets: [] }] },
      "functions[0].entry",
      "the handler's path",
    ));
  test("refuses a reservedConcurrentExecutions that is not a whole number from 0", () => {
    const fn = dev.functions[0]!;
    expectConfigError(
      { ...dev, functions: [{ ...fn, reservedConcurrentExecutions: -1 }] },
      "functions[0].reservedConcurrentExecutions",
      "-1",
      "a whole number from 0",
    );
    expectConfigError(
      { ...dev, functions: [{ ...fn, reservedConcurrentExecutions: "5" }] },
      "functions[0].reservedConcurrentExecutions",
      '"5"',
    );
  });
  test("refuses a deadLetterQueue that is not a boolean", () =>
    expectConfigError(
      { ...dev, functions: [{ ...dev.functions[0]!, deadLetterQueue: "yes" }] },
      "functions[0].deadLetterQueue",
      '"yes"',
      "allowed are true",
    ));
  test("refuses functions that are not a list", () =>
    expectConfigError({ ...dev, functions: undefined }, "functions", "a list of functions"));
  test("refuses an environment name that cannot name a stack directory", () => {
    expect(() => validateEnvironment("Prod EU", dev)).toThrow(
      /configuration of environment "Prod EU": name: "Prod EU": allowed are 1 to 32 characters of a-z, 0-9 and -/,
    );
  });
  describe("a protected environment", () => {
    const prod = environments.prod;
    const { stateBackend: _backend, accountId: _account, ...bare } = prod;
    test("keeps its state in S3: without stateBackend it is refused", () =>
      expectConfigError(
        { ...bare, accountId: prod.accountId },
        "stateBackend",
        "a protected environment keeps its state in S3",
        "acceptedRisks.localState",
      ));
    test("names its account: without accountId it is refused", () =>
      expectConfigError(
        { ...bare, stateBackend: prod.stateBackend },
        "accountId",
        "names the one account",
        "acceptedRisks.anyAccount",
      ));
    test("may do without either when acceptedRisks gives the reason", () => {
      expect(() =>
        validateEnvironment("x", {
          ...bare,
          acceptedRisks: {
            localState: "a sandbox account's throwaway copy",
            anyAccount: "applied by the account vending pipeline",
          },
        }),
      ).not.toThrow();
    });
    test("refuses a risk accepted without a reason, or an unknown risk", () => {
      expectConfigError(
        { ...bare, acceptedRisks: { localState: " ", anyAccount: "x" } },
        "acceptedRisks.localState",
        "the reason, in words",
      );
      expectConfigError({ ...prod, acceptedRisks: { noBackups: "x" } }, "acceptedRisks.noBackups", "unknown risk");
    });
    test("an unprotected environment needs neither", () =>
      expect(() => validateEnvironment("x", { ...bare, protected: false })).not.toThrow());
    test("buildApp refuses to synthesize it, before any stack is built", () => {
      expect(() => buildApp({ environments: { prod: bare } })).toThrow(
        /configuration of environment "prod": stateBackend: a protected environment/,
      );
    });
  });
  test("buildApp checks the configuration before building anything", () => {
    expect(() => buildApp({ environments: { x: { ...dev, region: "" } } })).toThrow(ConfigurationError);
  });
});

describe("choosing environments", () => {
  test("builds every environment when no selection is given", () => {
    expect(Object.keys(selectEnvironments(environments, undefined))).toEqual(Object.keys(environments));
    expect(Object.keys(selectEnvironments(environments, " "))).toEqual(Object.keys(environments));
  });
  test("builds only the named environments", () => {
    expect(Object.keys(selectEnvironments(environments, "dev, prod"))).toEqual(["dev", "prod"]);
  });
  test("refuses an unknown environment, naming it and listing the known ones", () => {
    expect(() => selectEnvironments(environments, "dev,qa")).toThrow(ConfigurationError);
    expect(() => selectEnvironments(environments, "dev,qa")).toThrow(
      'configuration: SECURE_LAMBDA_ENVIRONMENTS: unknown environment "qa"; known environments are dev, stg, prod, local',
    );
  });
  test("refuses inherited names such as toString", () => {
    expect(() => selectEnvironments(environments, "toString")).toThrow(/unknown environment "toString"/);
  });
  test("main.ts prints the message without a stack trace and exits with 1", () => {
    const root = path.join(__dirname, "..");
    let output = "";
    let status = 0;
    try {
      execFileSync(process.execPath, ["-r", "./scripts/register.cjs", "main.ts"], {
        cwd: root,
        env: {
          ...process.env,
          SECURE_LAMBDA_ENVIRONMENTS: "nosuch",
          CDKTF_OUTDIR: path.join(root, "cdktf.out.never-written"),
        },
        stdio: "pipe",
      });
    } catch (error) {
      const failure = error as { status: number; stderr: Buffer };
      status = failure.status;
      output = failure.stderr.toString();
    }
    expect(status).toBe(1);
    expect(output.trim()).toBe(
      'ConfigurationError: configuration: SECURE_LAMBDA_ENVIRONMENTS: unknown environment "nosuch"; known environments are dev, stg, prod, local',
    );
  });
});
