import { SecureLambdaValidationError } from "./errors";
import { PARAM_NAME_SUFFIX, parameterName, paramNameEnvVar, SECRET_ID_ENV_VAR } from "./naming";

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
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const SECRET_NAME = /^[A-Za-z0-9_.-]+$/;
const PREFIX = /^(\/[A-Za-z0-9_.-]+)+$/;
const HANDLER_EXPORT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// Lambda's own pattern for environment variable names.
const ENV_NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/;
// Names the Lambda runtime sets itself; a function may not set them. Every name in
// AWS's reserved list starts with one of these prefixes or is in the set below.
const RESERVED_ENV_PREFIXES = ["AWS_", "LAMBDA_", "_"];
const RESERVED_ENV_NAMES = new Set(["TZ", "_HANDLER", "_X_AMZN_TRACE_ID"]);
// SSM counts the whole ARN (arn:<partition>:ssm:<region>:<account>:parameter) against
// its 1011-character limit; 64 characters cover the longest partition and region.
const MAX_PARAMETER_NAME_LENGTH = 1011 - 64;
const MAX_PARAMETER_DEPTH = 15;
const MAX_ENVIRONMENT_BYTES = 4096;
const MAX_DESCRIPTION_LENGTH = 256;
const MAX_TAGS = 50;

/** The props validation needs, with defaults applied; mirrors the public SecureLambdaProps. */
export interface ValidatedProps {
  readonly functionName: string;
  readonly roleName: string;
  readonly entry: string;
  readonly handler: string;
  readonly secrets: readonly string[];
  readonly parameterPrefix: string;
  /** True when `parameterPrefix` was derived from `functionName`, for a clearer message. */
  readonly parameterPrefixIsDefault?: boolean;
  readonly environment: Readonly<Record<string, string>>;
  readonly runtime: string;
  readonly architecture: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly logRetentionDays: number;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

type Fail = (prop: string, problem: string) => never;

/** A value as an error message shows it: strings quoted and cut at 80 characters, objects by kind. */
export const show = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === undefined) return "undefined";
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
};

/** A failure function bound to a construct path: throws {@link SecureLambdaValidationError}. */
export function failAt(path: string): Fail {
  return (prop, problem) => {
    throw new SecureLambdaValidationError(path, prop, problem);
  };
}

/**
 * Throws {@link SecureLambdaValidationError} on the first prop Lambda, SSM or KMS would
 * reject, and on values of the wrong type (from JavaScript callers or loose config), so
 * bad input never surfaces as a TypeError deep inside synthesis.
 */
export function validateProps(path: string, props: ValidatedProps): void {
  const fail = failAt(path);

  if (typeof props.functionName !== "string" || !FUNCTION_NAME.test(props.functionName)) {
    fail("functionName", `${show(props.functionName)}: allowed are 1 to 64 characters of A-Z, a-z, 0-9, - and _`);
  }
  if (typeof props.roleName !== "string" || !ROLE_NAME.test(props.roleName)) {
    fail("roleName", `${show(props.roleName)}: allowed are 1 to 64 characters of A-Z, a-z, 0-9 and +=,.@_-`);
  }
  if (typeof props.entry !== "string" || props.entry.trim() === "") {
    fail("entry", `${show(props.entry)}: allowed is the path of the handler's TypeScript or JavaScript file`);
  }
  if (typeof props.handler !== "string" || !HANDLER_EXPORT.test(props.handler)) {
    fail("handler", `${show(props.handler)}: allowed is the name of an exported function (a JavaScript identifier)`);
  }
  if (!(SUPPORTED_RUNTIMES as readonly unknown[]).includes(props.runtime)) {
    fail("runtime", `${show(props.runtime)}: allowed are ${SUPPORTED_RUNTIMES.join(", ")}`);
  }
  if (!(SUPPORTED_ARCHITECTURES as readonly unknown[]).includes(props.architecture)) {
    fail("architecture", `${show(props.architecture)}: allowed are ${SUPPORTED_ARCHITECTURES.join(", ")}`);
  }
  checkInteger(fail, "memorySize", props.memorySize, 128, 10240, "MB");
  checkInteger(fail, "timeout", props.timeout, 1, 900, "seconds");
  if (!(LOG_RETENTION_DAYS as readonly unknown[]).includes(props.logRetentionDays)) {
    fail("logRetentionDays", `${show(props.logRetentionDays)}: allowed are ${LOG_RETENTION_DAYS.join(", ")} (0 keeps logs forever)`);
  }
  checkDescription(fail, props.description);
  checkTags(fail, props.tags);
  checkPrefix(fail, props.parameterPrefix, props.parameterPrefixIsDefault === true);
  checkSecretList(fail, props.secrets);
  checkEnvironmentShape(fail, props.environment);
  const variables = checkSecrets(fail, props);
  checkEnvironmentNames(fail, props.environment, variables);
  checkEnvironmentSize(fail, props);
}

function checkInteger(fail: Fail, prop: string, value: unknown, min: number, max: number, unit: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(prop, `${show(value)}: allowed is a whole number of ${unit} from ${min} to ${max}`);
  }
}

function checkDescription(fail: Fail, description: unknown): void {
  if (description === undefined) return;
  if (typeof description !== "string" || description.length > MAX_DESCRIPTION_LENGTH) {
    fail("description", `${show(description)}: allowed is a string of at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
}

function checkTags(fail: Fail, tags: unknown): void {
  if (tags === undefined) return;
  if (!isPlainObject(tags)) fail("tags", `${show(tags)}: allowed is an object of tag names to string values`);
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > MAX_TAGS) fail("tags", `${entries.length} tags: AWS allows at most ${MAX_TAGS} per resource`);
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128 || /^aws:/i.test(key)) {
      fail("tags", `tag ${show(key)}: allowed are names of 1 to 128 characters that do not start with "aws:"`);
    }
    if (typeof value !== "string" || value.length > 256) {
      fail("tags", `tag ${show(key)} has value ${show(value)}: allowed is a string of at most 256 characters`);
    }
  }
}

function checkPrefix(fail: Fail, prefix: unknown, isDefault: boolean): void {
  const origin = isDefault ? ` (the default "/<functionName>"; pass parameterPrefix to choose another)` : "";
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    fail(
      "parameterPrefix",
      `${show(prefix)}${origin}: allowed is a path such as "/team/app": it starts with "/", has no trailing or double "/", and its segments use only A-Z, a-z, 0-9, _, . and -`,
    );
  }
  if (/^\/(aws|ssm)/i.test(prefix as string)) {
    fail("parameterPrefix", `${show(prefix)}${origin}: SSM reserves names that start with "/aws" or "/ssm" (in any case)`);
  }
}

function checkSecretList(fail: Fail, secrets: unknown): void {
  if (!Array.isArray(secrets)) fail("secrets", `${show(secrets)}: allowed is an array of secret names`);
  for (const secret of secrets as unknown[]) {
    if (typeof secret !== "string" || !SECRET_NAME.test(secret)) {
      fail("secrets", `${show(secret)}: allowed are names of A-Z, a-z, 0-9, _, . and - (one SSM name segment)`);
    }
  }
}

function checkEnvironmentShape(fail: Fail, environment: unknown): void {
  if (!isPlainObject(environment)) fail("environment", `${show(environment)}: allowed is an object of variable names to string values`);
  for (const [name, value] of Object.entries(environment as Record<string, unknown>)) {
    if (typeof value !== "string") fail("environment", `variable ${show(name)} has a ${value === null ? "null" : typeof value} value: allowed are strings`);
  }
}

/** Checks the secrets and returns the variable each one maps to (variable -> secret). */
function checkSecrets(fail: Fail, props: ValidatedProps): Map<string, string> {
  const byVariable = new Map<string, string>();
  for (const secret of props.secrets) {
    const variable = paramNameEnvVar(secret);
    const earlier = byVariable.get(variable);
    if (earlier === secret) fail("secrets", `${show(secret)} is listed twice`);
    if (earlier !== undefined) {
      fail("secrets", `${show(earlier)} and ${show(secret)} both map to the variable ${variable}; names must differ after upper-casing and folding - and . to _`);
    }
    byVariable.set(variable, secret);
    if (!ENV_NAME.test(variable) || isReservedEnvName(variable)) {
      fail("secrets", `${show(secret)} maps to ${variable}, which is not a valid Lambda variable name; start the secret name with a letter and avoid AWS_/LAMBDA_ prefixes`);
    }
    const name = parameterName(props.parameterPrefix, secret);
    if (name.length > MAX_PARAMETER_NAME_LENGTH) {
      fail("parameterPrefix", `the parameter name of secret ${show(secret)} is ${name.length} characters; SSM allows ${MAX_PARAMETER_NAME_LENGTH} here (its 1011-character limit counts the ARN)`);
    }
    const depth = name.split("/").length - 1;
    if (depth > MAX_PARAMETER_DEPTH) {
      fail("parameterPrefix", `${show(props.parameterPrefix)} gives ${depth} levels of hierarchy; SSM allows at most ${MAX_PARAMETER_DEPTH}`);
    }
  }
  return byVariable;
}

function checkEnvironmentNames(fail: Fail, environment: Readonly<Record<string, string>>, secretVariables: ReadonlyMap<string, string>): void {
  for (const name of Object.keys(environment)) {
    const secret = secretVariables.get(name);
    if (secret !== undefined) {
      fail("environment", `variable ${show(name)} collides with the parameter-name variable of secret ${show(secret)}; the construct sets it`);
    }
    if (!ENV_NAME.test(name)) {
      fail("environment", `variable ${show(name)}: allowed names start with a letter and use only letters, digits and _ (at least 2 characters)`);
    }
    if (isReservedEnvName(name)) {
      fail("environment", `variable ${show(name)} is reserved by the Lambda runtime (${describeReserved()})`);
    }
    if (name === SECRET_ID_ENV_VAR) {
      fail("environment", `variable ${show(name)} is set by the construct for store "secretsmanager"; the runtime loader would take it for the secret's id`);
    }
    if (name.endsWith(PARAM_NAME_SUFFIX)) {
      fail("environment", `variable ${show(name)}: names ending in ${PARAM_NAME_SUFFIX} are set by the construct from "secrets"`);
    }
  }
}

function checkEnvironmentSize(fail: Fail, props: ValidatedProps): void {
  let bytes = 0;
  for (const [name, value] of Object.entries(props.environment)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  for (const secret of props.secrets) {
    bytes += Buffer.byteLength(paramNameEnvVar(secret)) + Buffer.byteLength(parameterName(props.parameterPrefix, secret));
  }
  if (bytes > MAX_ENVIRONMENT_BYTES) {
    fail("environment", `variables and parameter names take ${bytes} bytes; Lambda allows ${MAX_ENVIRONMENT_BYTES} bytes in all`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isReservedEnvName(name: string): boolean {
  return RESERVED_ENV_NAMES.has(name) || RESERVED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix));
}

function describeReserved(): string {
  return `${[...RESERVED_ENV_NAMES].join(", ")} and names starting with ${RESERVED_ENV_PREFIXES.join(", ")}`;
}
