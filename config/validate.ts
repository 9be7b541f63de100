import { SECRET_STORES } from "../common/naming";
import { isPlainObject, type Fail } from "../common/values";
import { show } from "../common/show";
import type { EnvironmentConfig, FunctionConfig } from "./environments";

/**
 * Raised for a configuration mistake, before any stack is built: names the environment
 * and the field, says what is wrong and what is allowed.
 */
export class ConfigurationError extends Error {
  /** The environment the mistake is in, or undefined for the selection of environments. */
  readonly environment: string | undefined;
  /** The field, e.g. `region` or `functions[0].entry`. */
  readonly field: string;

  constructor(environment: string | undefined, field: string, problem: string) {
    super(
      environment === undefined
        ? `configuration: ${field}: ${problem}`
        : `configuration of environment "${environment}": ${field}: ${problem}`,
    );
    this.name = "ConfigurationError";
    this.environment = environment;
    this.field = field;
  }
}

/** The variable that restricts which environments `main.ts` builds, e.g. `dev,prod`. */
export const ENVIRONMENTS_VARIABLE = "SECURE_LAMBDA_ENVIRONMENTS";

// Commercial, China, GovCloud and ISO partitions: `eu-west-1`, `cn-north-1`, `us-gov-west-1`, `us-isob-east-1`.
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const ACCOUNT_ID = /^\d{12}$/;
// Stack names become directory names under cdktf.out/stacks and Terraform state keys.
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
// S3 bucket names: 3 to 63 characters of lower-case letters, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Picks the environments named in `selection` (comma-separated, e.g. the value of
 * SECURE_LAMBDA_ENVIRONMENTS); all of them when it is empty or undefined.
 */
export function selectEnvironments<T>(
  all: Readonly<Record<string, T>>,
  selection: string | undefined,
): Record<string, T> {
  const names = (selection ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (names.length === 0) return { ...all };
  const known = Object.keys(all);
  const selected: Record<string, T> = {};
  for (const name of names) {
    if (!Object.hasOwn(all, name)) {
      throw new ConfigurationError(
        undefined,
        ENVIRONMENTS_VARIABLE,
        `unknown environment ${JSON.stringify(name)}; known environments are ${known.join(", ")}`,
      );
    }
    selected[name] = all[name] as T;
  }
  return selected;
}

/** Throws {@link ConfigurationError} on the first mistake in any environment. */
export function validateEnvironments(environments: Readonly<Record<string, unknown>>): void {
  if (Object.keys(environments).length === 0)
    throw new ConfigurationError(undefined, "environments", "there is no environment to build");
  for (const [name, config] of Object.entries(environments)) validateEnvironment(name, config);
}

/** Throws {@link ConfigurationError} on the first mistake in one environment's configuration. */
export function validateEnvironment(name: string, config: unknown): asserts config is EnvironmentConfig {
  const fail: Fail = (field, problem) => {
    throw new ConfigurationError(name, field, problem);
  };
  if (!ENVIRONMENT_NAME.test(name))
    fail("name", `${JSON.stringify(name)}: allowed are 1 to 32 characters of a-z, 0-9 and -, starting with a letter`);
  if (!isPlainObject(config)) fail("(environment)", "allowed is an object with region, protected and functions");
  const env = config as Record<string, unknown>;
  if (env.region === undefined || env.region === "")
    fail("region", 'is missing: every environment names its AWS region, e.g. "eu-west-1"');
  if (typeof env.region !== "string" || !REGION.test(env.region))
    fail("region", `${show(env.region)}: allowed is an AWS region name such as "eu-west-1"`);
  if (env.accountId !== undefined && (typeof env.accountId !== "string" || !ACCOUNT_ID.test(env.accountId))) {
    fail(
      "accountId",
      `${show(env.accountId)}: allowed is a 12-digit AWS account id, as a string (leading zeros count)`,
    );
  }
  if (typeof env.protected !== "boolean") {
    fail(
      "protected",
      `${show(env.protected)}: allowed are true (prevent_destroy on secrets and keys, as prod needs) and false`,
    );
  }
  if (
    env.localstackEndpoint !== undefined &&
    (typeof env.localstackEndpoint !== "string" || !/^https?:\/\/[^\s/]+/.test(env.localstackEndpoint))
  ) {
    fail(
      "localstackEndpoint",
      `${show(env.localstackEndpoint)}: allowed is an http(s) URL such as "http://localhost:4566"`,
    );
  }
  if (env.localstackEndpoint !== undefined && env.protected === true) {
    fail(
      "localstackEndpoint",
      "a protected environment is a real one; LocalStack environments are throwaway and must not be protected",
    );
  }
  validateStateBackend(fail, env.stateBackend);
  validateProtection(fail, env);
  validateFunctions(fail, env.functions);
}

function validateStateBackend(fail: Fail, backend: unknown): void {
  if (backend === undefined) return;
  if (!isPlainObject(backend)) fail("stateBackend", "allowed is an object with a bucket");
  if (typeof backend.bucket !== "string" || !BUCKET.test(backend.bucket)) {
    fail(
      "stateBackend.bucket",
      `${show(backend.bucket)}: allowed is an S3 bucket name (3 to 63 characters of a-z, 0-9, . and -)`,
    );
  }
  if (backend.region !== undefined && (typeof backend.region !== "string" || !REGION.test(backend.region))) {
    fail("stateBackend.region", `${show(backend.region)}: allowed is an AWS region name such as "eu-west-1"`);
  }
  if (backend.kmsKeyId !== undefined && (typeof backend.kmsKeyId !== "string" || backend.kmsKeyId === "")) {
    fail("stateBackend.kmsKeyId", `${show(backend.kmsKeyId)}: allowed is a KMS key id, ARN or alias`);
  }
}

/**
 * A protected environment holds real secrets: its state (which maps the account and, with
 * an older Terraform, could hold values) goes to the encrypted, locked S3 backend, and
 * Terraform may apply it to its own account only. Each can be waived with a reason.
 */
function validateProtection(fail: Fail, env: Record<string, unknown>): void {
  const risks = env.acceptedRisks;
  if (risks !== undefined) {
    if (!isPlainObject(risks))
      fail(
        "acceptedRisks",
        `${show(risks)}: allowed is an object with localState and/or anyAccount, each a reason in words`,
      );
    for (const [risk, reason] of Object.entries(risks)) {
      if (risk !== "localState" && risk !== "anyAccount")
        fail(`acceptedRisks.${risk}`, "unknown risk; allowed are localState and anyAccount");
      if (typeof reason !== "string" || reason.trim() === "")
        fail(
          `acceptedRisks.${risk}`,
          `${show(reason)}: allowed is the reason, in words, why the environment takes this risk`,
        );
    }
  }
  if (env.protected !== true) return;
  const accepted = (risks ?? {}) as Record<string, unknown>;
  if (env.stateBackend === undefined && accepted.localState === undefined) {
    fail(
      "stateBackend",
      "a protected environment keeps its state in S3 (encrypted, locked): set stateBackend: { bucket }, or acceptedRisks.localState with the reason",
    );
  }
  if (env.accountId === undefined && accepted.anyAccount === undefined) {
    fail(
      "accountId",
      "a protected environment names the one account Terraform may apply it to: set accountId, or acceptedRisks.anyAccount with the reason",
    );
  }
}

function validateFunctions(fail: Fail, functions: unknown): void {
  if (!Array.isArray(functions))
    fail("functions", `${show(functions)}: allowed is a list of functions (it may be empty)`);
  const seen = new Set<string>();
  for (const [index, fn] of (functions as unknown[]).entries()) {
    const at = `functions[${index}]`;
    if (!isPlainObject(fn)) fail(at, "allowed is an object with functionName, entry and secrets");
    const { functionName, entry, secrets, reservedConcurrentExecutions, deadLetterQueue, store } = fn as Partial<
      Record<keyof FunctionConfig, unknown>
    >;
    if (typeof functionName !== "string" || functionName === "")
      fail(`${at}.functionName`, `${show(functionName)}: allowed is the Lambda function name`);
    if (seen.has(functionName as string))
      fail(
        `${at}.functionName`,
        `${show(functionName)} is used twice; function names are unique per account and region`,
      );
    seen.add(functionName as string);
    if (typeof entry !== "string" || entry === "")
      fail(`${at}.entry`, `${show(entry)}: allowed is the handler's path relative to the project root`);
    if (!Array.isArray(secrets))
      fail(`${at}.secrets`, `${show(secrets)}: allowed is a list of secret names (it may be empty)`);
    if (
      reservedConcurrentExecutions !== undefined &&
      (typeof reservedConcurrentExecutions !== "number" ||
        !Number.isSafeInteger(reservedConcurrentExecutions) ||
        reservedConcurrentExecutions < 0)
    ) {
      fail(
        `${at}.reservedConcurrentExecutions`,
        `${show(reservedConcurrentExecutions)}: allowed is a whole number from 0 (0 stops the function)`,
      );
    }
    if (deadLetterQueue !== undefined && typeof deadLetterQueue !== "boolean") {
      fail(
        `${at}.deadLetterQueue`,
        `${show(deadLetterQueue)}: allowed are true (an SQS queue <functionName>-dlq) and false`,
      );
    }
    if (store !== undefined && !(SECRET_STORES as readonly unknown[]).includes(store)) {
      fail(
        `${at}.store`,
        `${show(store)}: allowed are "ssm" (SecureString parameters) and "secretsmanager" (one secret per function)`,
      );
    }
  }
}
