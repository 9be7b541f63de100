import { SecureLambdaValidationError } from "./errors";
import { PARAM_NAME_SUFFIX, parameterName, paramNameEnvVar } from "./naming";

/** Runtimes the construct can bundle for (esbuild target follows the runtime). */
export const SUPPORTED_RUNTIMES = ["nodejs20.x", "nodejs22.x", "nodejs24.x"] as const;
/** Instruction set architectures Lambda offers. */
export const SUPPORTED_ARCHITECTURES = ["arm64", "x86_64"] as const;
/** The retention periods CloudWatch Logs accepts; 0 keeps log events forever. */
export const LOG_RETENTION_DAYS = [
  0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export type LambdaRuntime = (typeof SUPPORTED_RUNTIMES)[number];
export type LambdaArchitecture = (typeof SUPPORTED_ARCHITECTURES)[number];

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const SECRET_NAME = /^[A-Za-z0-9_.-]+$/;
const PREFIX = /^(\/[A-Za-z0-9_.-]+)+$/;
const HANDLER_EXPORT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// Lambda's own pattern for environment variable names.
const ENV_NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/;
// Names the Lambda runtime sets itself; a function may not set them.
const RESERVED_ENV_PREFIXES = ["AWS_", "LAMBDA_", "_"];
const RESERVED_ENV_NAMES = new Set(["TZ", "_HANDLER", "_X_AMZN_TRACE_ID"]);
// SSM counts the whole ARN (arn:<partition>:ssm:<region>:<account>:parameter) against
// its 1011-character limit; 64 characters cover the longest partition and region.
const MAX_PARAMETER_NAME_LENGTH = 1011 - 64;
const MAX_PARAMETER_DEPTH = 15;
const MAX_ENVIRONMENT_BYTES = 4096;

/** The props validation needs; mirrors the public SecureLambdaProps. */
export interface ValidatedProps {
  readonly functionName: string;
  readonly handler: string;
  readonly secrets: readonly string[];
  readonly parameterPrefix: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly runtime: string;
  readonly architecture: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly logRetentionDays: number;
}

/** Throws {@link SecureLambdaValidationError} on the first prop Lambda, SSM or KMS would reject. */
export function validateProps(path: string, props: ValidatedProps): void {
  const fail = (prop: string, problem: string): never => {
    throw new SecureLambdaValidationError(path, prop, problem);
  };
  const show = (value: unknown) => JSON.stringify(value);

  if (typeof props.functionName !== "string" || !FUNCTION_NAME.test(props.functionName)) {
    fail("functionName", `${show(props.functionName)}: allowed are 1 to 64 characters of A-Z, a-z, 0-9, - and _`);
  }
  if (!HANDLER_EXPORT.test(props.handler)) {
    fail("handler", `${show(props.handler)}: allowed is the name of an exported function (a JavaScript identifier)`);
  }
  if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(props.runtime)) {
    fail("runtime", `${show(props.runtime)}: allowed are ${SUPPORTED_RUNTIMES.join(", ")}`);
  }
  if (!(SUPPORTED_ARCHITECTURES as readonly string[]).includes(props.architecture)) {
    fail("architecture", `${show(props.architecture)}: allowed are ${SUPPORTED_ARCHITECTURES.join(", ")}`);
  }
  checkInteger(fail, "memorySize", props.memorySize, 128, 10240, "MB");
  checkInteger(fail, "timeout", props.timeout, 1, 900, "seconds");
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(props.logRetentionDays)) {
    fail("logRetentionDays", `${show(props.logRetentionDays)}: allowed are ${LOG_RETENTION_DAYS.join(", ")} (0 keeps logs forever)`);
  }
  checkPrefix(fail, props.parameterPrefix);
  checkEnvironmentNames(fail, props.environment);
  checkSecrets(fail, props);
  checkEnvironmentSize(fail, props);
}

type Fail = (prop: string, problem: string) => never;

function checkInteger(fail: Fail, prop: string, value: number, min: number, max: number, unit: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(prop, `${JSON.stringify(value)}: allowed is a whole number of ${unit} from ${min} to ${max}`);
  }
}

function checkPrefix(fail: Fail, prefix: string): void {
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    fail(
      "parameterPrefix",
      `${JSON.stringify(prefix)}: allowed is a path such as "/team/app": it starts with "/", has no trailing or double "/", and its segments use only A-Z, a-z, 0-9, _, . and -`,
    );
  }
  if (/^\/(aws|ssm)/i.test(prefix)) {
    fail("parameterPrefix", `${JSON.stringify(prefix)}: SSM reserves names that start with "/aws" or "/ssm"`);
  }
}

function checkEnvironmentNames(fail: Fail, environment: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(environment)) {
    if (!ENV_NAME.test(name)) {
      fail("environment", `variable ${JSON.stringify(name)}: allowed names start with a letter and use only letters, digits and _ (at least 2 characters)`);
    }
    if (isReservedEnvName(name)) {
      fail("environment", `variable ${JSON.stringify(name)} is reserved by the Lambda runtime (${describeReserved()})`);
    }
    if (name.endsWith(PARAM_NAME_SUFFIX)) {
      fail("environment", `variable ${JSON.stringify(name)}: names ending in ${PARAM_NAME_SUFFIX} are set by the construct from "secrets"`);
    }
  }
}

function checkSecrets(fail: Fail, props: ValidatedProps): void {
  const byVariable = new Map<string, string>();
  for (const secret of props.secrets) {
    if (typeof secret !== "string" || !SECRET_NAME.test(secret)) {
      fail("secrets", `${JSON.stringify(secret)}: allowed are names of A-Z, a-z, 0-9, _, . and - (one SSM name segment)`);
    }
    const variable = paramNameEnvVar(secret);
    const earlier = byVariable.get(variable);
    if (earlier === secret) fail("secrets", `${JSON.stringify(secret)} is listed twice`);
    if (earlier !== undefined) {
      fail("secrets", `${JSON.stringify(earlier)} and ${JSON.stringify(secret)} both map to the variable ${variable}; names must differ after upper-casing and folding - and . to _`);
    }
    byVariable.set(variable, secret);
    if (!ENV_NAME.test(variable) || isReservedEnvName(variable)) {
      fail("secrets", `${JSON.stringify(secret)} maps to ${variable}, which is not a valid Lambda variable name; start the secret name with a letter and avoid AWS_/LAMBDA_ prefixes`);
    }
    const name = parameterName(props.parameterPrefix, secret);
    if (name.length > MAX_PARAMETER_NAME_LENGTH) {
      fail("parameterPrefix", `the parameter name of secret ${JSON.stringify(secret)} is ${name.length} characters; SSM allows ${MAX_PARAMETER_NAME_LENGTH} here (its 1011-character limit counts the ARN)`);
    }
    const depth = name.split("/").length - 1;
    if (depth > MAX_PARAMETER_DEPTH) {
      fail("parameterPrefix", `${JSON.stringify(props.parameterPrefix)} gives ${depth} levels of hierarchy; SSM allows at most ${MAX_PARAMETER_DEPTH}`);
    }
  }
  for (const variable of byVariable.keys()) {
    if (variable in props.environment) {
      fail("environment", `variable ${JSON.stringify(variable)} collides with the parameter-name variable of secret ${JSON.stringify(byVariable.get(variable))}`);
    }
  }
}

function checkEnvironmentSize(fail: Fail, props: ValidatedProps): void {
  let bytes = 0;
  for (const [name, value] of Object.entries(props.environment)) bytes += Buffer.byteLength(name) + Buffer.byteLength(String(value));
  for (const secret of props.secrets) {
    bytes += Buffer.byteLength(paramNameEnvVar(secret)) + Buffer.byteLength(parameterName(props.parameterPrefix, secret));
  }
  if (bytes > MAX_ENVIRONMENT_BYTES) {
    fail("environment", `variables and parameter names take ${bytes} bytes; Lambda allows ${MAX_ENVIRONMENT_BYTES} bytes in all`);
  }
}

function isReservedEnvName(name: string): boolean {
  return RESERVED_ENV_NAMES.has(name) || RESERVED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix));
}

function describeReserved(): string {
  return `${[...RESERVED_ENV_NAMES].join(", ")} and names starting with ${RESERVED_ENV_PREFIXES.join(", ")}`;
}
