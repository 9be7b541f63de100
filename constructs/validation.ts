/**
 * Every check of SecureLambda's props, in one pass that runs before the construct makes any
 * resource or bundle, so bad input never leaves half a construct behind.
 *
 * A value known only at plan time (a `TerraformVariable`, a resource's attribute: an
 * unresolved token) is not judged here: Terraform and the AWS API judge it at plan and apply,
 * as aws-cdk skips unresolved tokens. A prop that decides what the construct makes (`entry`,
 * `runtime`, `secrets`, `store`, the switches) must be known at synth, and a token there is refused.
 */
import type { Construct } from "constructs";
import { planDeadLetter, type DeadLetterPlan } from "./dead-letter-target";
import { failAt } from "./errors";
import { checkTags } from "./tags";
import { loaderVariables } from "./loader-settings";
import {
  defaultSecretName,
  PARAM_NAME_SUFFIX,
  parameterNameFor,
  paramNameEnvVar,
  SECRET_ID_ENV_VAR,
} from "../common/naming";
import type { ISecretsKey } from "./secrets-key";
import { checkStoreProps } from "./store-validation";
import {
  checkExternalSecrets,
  checkExternalVariables,
  externalSecretVariables,
  type CheckedExternalSecret,
} from "./external-secrets";
import { checkReplicaRegions, primaryRegionOf } from "./replicas";
import type { DefaultedProps } from "./defaults";
import { LOG_RETENTION_DAYS, SUPPORTED_ARCHITECTURES } from "./secure-lambda-props";
import { Token } from "./tf";
import { isPlainObject, type Fail } from "../common/values";
import { show } from "../common/show";
import { knownTokenFormat, looksRandomName } from "../common/token-formats";
import { checkVpcPlacement, type VpcPlacement } from "./vpc-placement";
import { DEPRECATED_RUNTIMES, handlerShapeOf, isNodeRuntime, SUPPORTED_RUNTIMES } from "./runtimes";
import { checkSchedule } from "./schedule-trigger";
import { checkSnsTopicArns } from "./sns-trigger";

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const SECRET_NAME = /^[A-Za-z0-9_.-]+$/;
const PREFIX = /^(\/[A-Za-z0-9_.-]+)+$/;
const HANDLER_EXPORT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// Lambda's own pattern and limit for a handler.
const LAMBDA_HANDLER = /^[^\s]{1,128}$/;
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
// arn:<partition>:lambda:<region>:<account>:code-signing-config:csc-<17 lower-case alphanumerics>
const CODE_SIGNING_CONFIG_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:code-signing-config:csc-[a-z0-9]{17}$/;
const SWITCHES = ["minify", "protect", "tracing", "functionUrl"] as const;

/** What the checks work out on the way, so that the construct never works it out again. */
export interface CheckedPlacement {
  /** The dead-letter target to create or use, or undefined. */
  readonly deadLetter: DeadLetterPlan;
  /** The VPC placement, or undefined when the function runs outside a VPC. */
  readonly vpc?: VpcPlacement;
  /** The external secrets, with the parts of their ARNs. */
  readonly externalSecrets: readonly CheckedExternalSecret[];
  /** The replica regions (empty without replicas). */
  readonly replicaRegions: readonly string[];
}

export { failAt };

/**
 * Throws {@link SecureLambdaValidationError} on the first prop Lambda, IAM, SSM, KMS or
 * Secrets Manager would reject, and on values of the wrong type (from JavaScript callers or
 * loose config), so bad input never surfaces as a TypeError deep inside synthesis. Each
 * prop is checked once, here; the construct builds from what this returns.
 */
export function validateSecureLambdaProps(scope: Construct, settings: DefaultedProps): CheckedPlacement {
  const fail = failAt(scope.node.path);
  checkNames(fail, settings);
  checkCode(fail, settings);
  checkInteger(fail, "memorySize", settings.memorySize, 128, 10240, "MB");
  checkInteger(fail, "timeout", settings.timeout, 1, 900, "seconds");
  checkLogRetention(fail, settings.logRetentionDays);
  checkDescription(fail, settings.description);
  checkTags(fail, settings.tags);
  checkPrefix(fail, settings.parameterPrefix, !settings.given.has("parameterPrefix"));
  checkSecretList(fail, settings.secrets);
  checkEnvironmentShape(fail, settings.environment);
  const variables = checkSecrets(fail, settings);
  checkEnvironmentNames(fail, settings.environment, variables);
  const externalSecrets = checkExternalSecrets(fail, settings.externalSecrets, settings.secrets);
  checkExternalVariables(fail, settings.environment, externalSecrets, settings.secrets);
  checkEnvironmentSize(fail, settings, externalSecretVariables(externalSecrets));
  checkSwitches(fail, settings);
  checkKey(fail, settings);
  checkAllowLiteralEnvironment(fail, settings.allowLiteralEnvironment, settings.environment);
  checkReservedConcurrency(fail, settings.reservedConcurrentExecutions);
  checkCodeSigningConfigArn(fail, settings.codeSigningConfigArn);
  checkStoreProps(fail, settings);
  checkSchedule(fail, settings.schedule, settings.roleName);
  checkSnsTopicArns(fail, settings.snsTopicArns);
  const deadLetter = checkDeadLetter(scope, fail, settings);
  const vpc = checkVpcPlacement(scope, fail, settings.vpc);
  // The primary's region only when there are replicas: finding the provider walks the whole stack.
  const replicaRegions = checkReplicaRegions(fail, settings.replicaRegions, settings.store, () =>
    primaryRegionOf(scope),
  );
  return { deadLetter, vpc, externalSecrets, replicaRegions };
}

/**
 * Throws when `value` is a token: `prop` decides what the construct makes (a bundle, a
 * resource, a statement), so it must be known at synth.
 */
function requireKnown(fail: Fail, prop: string, value: unknown, because: string): void {
  if (Token.isUnresolved(value))
    fail(
      prop,
      `a Terraform reference or variable, known only at plan: ${prop} must be known at synth, since ${because}`,
    );
}

function checkNames(fail: Fail, props: DefaultedProps): void {
  const { functionName, roleName } = props;
  if (!Token.isUnresolved(functionName) && (typeof functionName !== "string" || !FUNCTION_NAME.test(functionName))) {
    fail(
      "functionName",
      `${show(functionName, { chars: /[A-Za-z0-9_-]/, min: 1, max: 64 })}: allowed are 1 to 64 characters of A-Z, a-z, 0-9, - and _`,
    );
  }
  if (!Token.isUnresolved(roleName) && (typeof roleName !== "string" || !ROLE_NAME.test(roleName))) {
    fail(
      "roleName",
      `${show(roleName, { chars: /[\w+=,.@-]/, min: 1, max: 64 })}: allowed are 1 to 64 characters of A-Z, a-z, 0-9 and +=,.@_-`,
    );
  }
}

/**
 * Where the code comes from (exactly one of `entry` and `code`), its handler, and what it
 * runs on: the bundle or the zip is made from these at synth, so each must be known then.
 */
function checkCode(fail: Fail, props: DefaultedProps): void {
  const { entry, code, handler, runtime, architecture } = props;
  requireKnown(fail, "runtime", runtime, "it decides how the code is built and run");
  if (typeof runtime !== "string" || !(SUPPORTED_RUNTIMES as readonly string[]).includes(runtime)) {
    const deprecated = typeof runtime === "string" ? DEPRECATED_RUNTIMES[runtime] : undefined;
    fail(
      "runtime",
      `${show(runtime)}${deprecated ? ` is deprecated by Lambda (since ${deprecated})` : ""}: allowed are ${SUPPORTED_RUNTIMES.join(", ")}`,
    );
  }
  if (entry !== undefined && code !== undefined) {
    fail(
      "code",
      "both entry and code are given: allowed is exactly one, entry (a TypeScript or JavaScript file bundled at synth) or code (built elsewhere)",
    );
  }
  if (entry === undefined && code === undefined) {
    fail(
      "entry",
      "neither entry nor code is given: allowed is exactly one, entry (a TypeScript or JavaScript file bundled at synth) or code ({ directory } or { zipFile })",
    );
  }
  if (entry !== undefined) checkEntry(fail, entry, handler, runtime);
  else checkPrebuilt(fail, code, handler, runtime, props.given.has("minify") ? props.minify : undefined);
  if (!Token.isUnresolved(architecture) && !(SUPPORTED_ARCHITECTURES as readonly unknown[]).includes(architecture)) {
    fail("architecture", `${show(architecture)}: allowed are ${SUPPORTED_ARCHITECTURES.join(", ")}`);
  }
}

/** A file esbuild bundles for Node.js, and the name of its export. */
function checkEntry(fail: Fail, entry: unknown, handler: unknown, runtime: string): void {
  requireKnown(fail, "entry", entry, "the file is bundled at synth");
  if (typeof entry !== "string" || entry.trim() === "") {
    fail("entry", `${show(entry)}: allowed is the path of the handler's TypeScript or JavaScript file`);
  }
  if (!isNodeRuntime(runtime)) {
    fail(
      "entry",
      `esbuild bundles entry for Node.js, and runtime is ${show(runtime)}: pass the code built for that runtime as code: { directory } or { zipFile }`,
    );
  }
  if (!Token.isUnresolved(handler) && (typeof handler !== "string" || !HANDLER_EXPORT.test(handler))) {
    fail(
      "handler",
      `${show(handler, { chars: /[A-Za-z0-9_$]/, min: 1 })}: allowed is the name of an exported function (a JavaScript identifier)`,
    );
  }
}

/** Code built elsewhere: `{ directory }` or `{ zipFile }`, a handler for its runtime, and no bundling option. */
function checkPrebuilt(fail: Fail, code: unknown, handler: unknown, runtime: string, minify: unknown): void {
  requireKnown(fail, "code", code, "it is zipped or hashed at synth");
  // The keys given a value: a struct from another language, or `{ directory, zipFile: undefined }`, may carry
  // an unset one.
  const keys = isPlainObject(code) ? Object.keys(code).filter((key) => code[key] !== undefined) : [];
  const path = isPlainObject(code) ? (code.directory ?? code.zipFile) : undefined;
  if (keys.length !== 1 || !(keys[0] === "directory" || keys[0] === "zipFile")) {
    fail("code", `${show(code)}: allowed is { directory } (zipped at synth) or { zipFile } (deployed as it is)`);
  }
  requireKnown(fail, `code.${keys[0]}`, path, "it is zipped or hashed at synth");
  if (typeof path !== "string" || path.trim() === "")
    fail(
      `code.${keys[0]}`,
      `${show(path)}: allowed is the path of a ${keys[0] === "directory" ? "directory" : "zip file"}`,
    );
  if (minify !== undefined)
    fail("minify", `${show(minify)}: minify applies to entry's bundle only; code is deployed as it was built`);
  if (handler === undefined) {
    fail(
      "handler",
      `required with code on runtime ${show(runtime)}, which has no default: allowed is ${handlerShapeOf(runtime)}`,
    );
  }
  if (!Token.isUnresolved(handler) && (typeof handler !== "string" || !LAMBDA_HANDLER.test(handler))) {
    fail("handler", `${show(handler)}: allowed is ${handlerShapeOf(runtime)} (1 to 128 characters, no spaces)`);
  }
}

function checkInteger(fail: Fail, prop: string, value: unknown, min: number, max: number, unit: string): void {
  if (Token.isUnresolved(value)) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(prop, `${show(value)}: allowed is a whole number of ${unit} from ${min} to ${max}`);
  }
}

function checkLogRetention(fail: Fail, days: unknown): void {
  if (Token.isUnresolved(days) || (LOG_RETENTION_DAYS as readonly unknown[]).includes(days)) return;
  fail("logRetentionDays", `${show(days)}: allowed are ${LOG_RETENTION_DAYS.join(", ")} (0 keeps logs forever)`);
}

function checkDescription(fail: Fail, description: unknown): void {
  if (description === undefined || Token.isUnresolved(description)) return;
  if (typeof description !== "string" || description.length > MAX_DESCRIPTION_LENGTH) {
    fail("description", `${show(description)}: allowed is a string of at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
}

function checkPrefix(fail: Fail, prefix: unknown, isDefault: boolean): void {
  if (Token.isUnresolved(prefix)) return;
  const origin = isDefault ? ` (the default "/<functionName>"; pass parameterPrefix to choose another)` : "";
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    fail(
      "parameterPrefix",
      `${show(prefix, { chars: /[A-Za-z0-9_./-]/, min: 2 })}${origin}: allowed is a path such as "/team/app": it starts with "/", has no trailing or double "/", and its segments use only A-Z, a-z, 0-9, _, . and -`,
    );
  }
  if (/^\/(aws|ssm)/i.test(prefix)) {
    fail(
      "parameterPrefix",
      `${show(prefix)}${origin}: SSM reserves names that start with "/aws" or "/ssm" (in any case)`,
    );
  }
}

function checkSecretList(fail: Fail, secrets: unknown): void {
  requireKnown(
    fail,
    "secrets",
    secrets,
    "each secret gets a parameter (or a key of the secret) and a variable of its own",
  );
  if (!Array.isArray(secrets)) fail("secrets", `${show(secrets)}: allowed is an array of secret names`);
  for (const [index, secret] of (secrets as unknown[]).entries()) {
    requireKnown(
      fail,
      "secrets",
      secret,
      "each secret gets a parameter (or a key of the secret) and a variable of its own",
    );
    if (typeof secret !== "string" || !SECRET_NAME.test(secret)) {
      fail(
        "secrets",
        `entry ${index + 1}, ${show(secret, { chars: /[A-Za-z0-9_.-]/, min: 1 })}: allowed are names of A-Z, a-z, 0-9, _, . and - (one SSM name segment)`,
      );
    }
    // A name becomes a parameter name, a variable, a Terraform address and a policy resource:
    // a token pasted where its name belongs would be in all of them (and in cdktf.out, the plan, git).
    if (knownTokenFormat(secret) !== undefined || looksRandomName(secret)) {
      fail(
        "secrets",
        `entry ${index + 1}, ${show(secret)}: a secret's name belongs here, not its value (e.g. "github_token"); set the value out of band with npx --no secure-lambda set <stack> <function> <secret>`,
      );
    }
  }
}

function checkEnvironmentShape(fail: Fail, environment: unknown): void {
  requireKnown(fail, "environment", environment, "the construct adds its own variables to it");
  if (!isPlainObject(environment))
    fail("environment", `${show(environment)}: allowed is an object of variable names to string values`);
  for (const [name, value] of Object.entries(environment)) {
    if (typeof value !== "string")
      fail(
        "environment",
        `variable ${show(name)} has a ${value === null ? "null" : typeof value} value: allowed are strings`,
      );
  }
}

/** Checks the secrets and returns the variable each one maps to (variable -> secret). */
function checkSecrets(fail: Fail, props: DefaultedProps): Map<string, string> {
  const byVariable = new Map<string, string>();
  for (const secret of props.secrets) {
    const variable = paramNameEnvVar(secret);
    const earlier = byVariable.get(variable);
    if (earlier === secret) fail("secrets", `${show(secret)} is listed twice`);
    if (earlier !== undefined) {
      fail(
        "secrets",
        `${show(earlier)} and ${show(secret)} both map to the variable ${variable}; names must differ after upper-casing and folding - and . to _`,
      );
    }
    byVariable.set(variable, secret);
    if (!ENV_NAME.test(variable) || isReservedEnvName(variable)) {
      fail(
        "secrets",
        `${show(secret)} maps to ${variable}, which is not a valid Lambda variable name; start the secret name with a letter and avoid AWS_/LAMBDA_ prefixes`,
      );
    }
    // A prefix known only at plan gives names whose length and depth SSM judges then.
    if (Token.isUnresolved(props.parameterPrefix)) continue;
    const name = parameterNameFor(props.parameterPrefix, secret);
    if (name.length > MAX_PARAMETER_NAME_LENGTH) {
      fail(
        "parameterPrefix",
        `the parameter name of secret ${show(secret)} is ${name.length} characters; SSM allows ${MAX_PARAMETER_NAME_LENGTH} here (its 1011-character limit counts the ARN)`,
      );
    }
    const depth = name.split("/").length - 1;
    if (depth > MAX_PARAMETER_DEPTH) {
      fail(
        "parameterPrefix",
        `${show(props.parameterPrefix)} gives ${depth} levels of hierarchy; SSM allows at most ${MAX_PARAMETER_DEPTH}`,
      );
    }
  }
  return byVariable;
}

function checkEnvironmentNames(
  fail: Fail,
  environment: Readonly<Record<string, string>>,
  secretVariables: ReadonlyMap<string, string>,
): void {
  for (const name of Object.keys(environment)) {
    const secret = secretVariables.get(name);
    if (secret !== undefined) {
      fail(
        "environment",
        `variable ${show(name)} collides with the parameter-name variable of secret ${show(secret)}; the construct sets it`,
      );
    }
    if (!ENV_NAME.test(name)) {
      fail(
        "environment",
        `variable ${show(name, { chars: /[a-zA-Z0-9_]/, min: 2 })}: allowed names start with a letter and use only letters, digits and _ (at least 2 characters)`,
      );
    }
    if (isReservedEnvName(name)) {
      fail("environment", `variable ${show(name)} is reserved by the Lambda runtime (${describeReserved()})`);
    }
    if (name === SECRET_ID_ENV_VAR) {
      fail(
        "environment",
        `variable ${show(name)} is set by the construct for store "secretsmanager"; the runtime loader would take it for the secret's id`,
      );
    }
    if (name.endsWith(PARAM_NAME_SUFFIX)) {
      fail(
        "environment",
        `variable ${show(name)}: names ending in ${PARAM_NAME_SUFFIX} are set by the construct from "secrets"`,
      );
    }
  }
}

/**
 * Lambda's 4 KB counts every name and value the function gets: the user's, the store's names
 * (each `<SECRET>_PARAM_NAME`, or the secret's id) and the loader's budget; a value known only
 * at plan counts when Lambda sees it.
 */
function checkEnvironmentSize(fail: Fail, props: DefaultedProps, externalVariables: Record<string, string>): void {
  const bytesOf = (text: string): number => (Token.isUnresolved(text) ? 0 : Buffer.byteLength(text));
  const storeVariables: Record<string, string> =
    props.store === "ssm"
      ? Object.fromEntries(
          props.secrets.map((secret) => [paramNameEnvVar(secret), parameterNameFor(props.parameterPrefix, secret)]),
        )
      : props.secrets.length > 0
        ? { [SECRET_ID_ENV_VAR]: defaultSecretName(props.functionName) }
        : {};
  const variables = { ...props.environment, ...storeVariables, ...externalVariables, ...loaderVariables(props) };
  let bytes = 0;
  for (const [name, value] of Object.entries(variables)) bytes += bytesOf(name) + bytesOf(value);
  if (bytes > MAX_ENVIRONMENT_BYTES) {
    fail(
      "environment",
      `variables, parameter names and the loader's budget take ${bytes} bytes; Lambda allows ${MAX_ENVIRONMENT_BYTES} bytes in all`,
    );
  }
}

function checkSwitches(fail: Fail, props: DefaultedProps): void {
  for (const prop of SWITCHES) {
    const value: unknown = props[prop];
    if (value === undefined) continue;
    requireKnown(fail, prop, value, "it decides what the construct makes");
    if (typeof value !== "boolean") fail(prop, `${show(value)}: allowed are true and false`);
  }
}

function checkKey(fail: Fail, props: DefaultedProps): void {
  if (props.kmsKey !== undefined && !isSecretsKey(props.kmsKey))
    fail("kmsKey", "allowed is a SecretsKey, or SecretsKey.fromKeyArn(...) for a key managed elsewhere");
  if (props.protect && props.kmsKey && !props.kmsKey.preventDestroy) {
    fail(
      "kmsKey",
      `${props.kmsKey.node.path} is not protected, but this function is: deleting the key would make its protected parameters unreadable; create the key with preventDestroy: true`,
    );
  }
}

function isSecretsKey(value: unknown): value is ISecretsKey {
  return isPlainObject(value) && typeof value.keyArn === "string" && typeof value.allowLogGroup === "function";
}

function checkAllowLiteralEnvironment(
  fail: Fail,
  allowed: unknown,
  environment: Readonly<Record<string, string>>,
): void {
  if (allowed === undefined) return;
  if (!isPlainObject(allowed))
    fail("allowLiteralEnvironment", "allowed is an object of variable names to the reason each is not a secret");
  for (const [variable, reason] of Object.entries(allowed)) {
    if (!(variable in environment))
      fail("allowLiteralEnvironment", `${show(variable)} is not a variable of "environment"`);
    if (typeof reason !== "string" || reason.trim() === "") {
      fail("allowLiteralEnvironment", `${show(variable)} needs a reason: say why its value is not a secret`);
    }
  }
}

function checkReservedConcurrency(fail: Fail, value: unknown): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail(
      "reservedConcurrentExecutions",
      `${show(value)}: allowed is a whole number from 0 (0 stops the function) up to the account's concurrency limit`,
    );
  }
}

function checkCodeSigningConfigArn(fail: Fail, arn: unknown): void {
  if (arn === undefined || Token.isUnresolved(arn)) return;
  if (typeof arn !== "string" || !CODE_SIGNING_CONFIG_ARN.test(arn)) {
    fail(
      "codeSigningConfigArn",
      `${show(arn)}: allowed is a code-signing config ARN, arn:<partition>:lambda:<region>:<account>:code-signing-config:csc-<17 lower-case letters and digits>`,
    );
  }
}

function isReservedEnvName(name: string): boolean {
  return RESERVED_ENV_NAMES.has(name) || RESERVED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix));
}

function describeReserved(): string {
  return `${[...RESERVED_ENV_NAMES].join(", ")} and names starting with ${RESERVED_ENV_PREFIXES.join(", ")}`;
}

/**
 * `deadLetterTarget`, or its deprecated alias `deadLetterQueue` (named in the messages when it is the one given); not
 * both.
 */
function checkDeadLetter(scope: Construct, fail: Fail, settings: DefaultedProps): DeadLetterPlan {
  const { given } = settings;
  if (given.has("deadLetterTarget") && given.has("deadLetterQueue")) {
    fail(
      "deadLetterQueue",
      "given with deadLetterTarget: deadLetterQueue is the deprecated name of deadLetterTarget; allowed is deadLetterTarget alone",
    );
  }
  const prop = given.has("deadLetterQueue") ? "deadLetterQueue" : "deadLetterTarget";
  return planDeadLetter(scope, fail, settings.deadLetterTarget, prop);
}
