/**
 * The record a stack leaves for the CLI (`"//".metadata.secureLambda`) is a comment of the
 * stack's JSON: Terraform ignores it, so nothing keeps it true but this check. Before the CLI
 * uses a record, every secret it names is looked up in the resources of the same JSON: the
 * parameter (or Secrets Manager secret) must be a resource of that stack, encrypted with the
 * record's key, and read by that function under that key (its `<SECRET>_PARAM_NAME` or
 * `SECRETS_MANAGER_SECRET_ID` variable); an ARN must be in the region and an account the
 * stack's provider allows. Anything else is refused, naming the mismatch: a record edited to
 * name another function's parameter, or a secret of another account, is never written to.
 */
import type { CliFunctionRecord, CliParameterRecord, CliSecretKeyRecord } from "../common/cli-record";
import { paramNameEnvVar, SECRET_ID_ENV_VAR } from "../common/naming";
import { isPlainObject, parseJsonObject } from "../common/values";
import { CliError, EXIT } from "./errors";
import { printable } from "./printable";

type Json = Record<string, unknown>;

/** One resource of the stack: its Terraform address and its arguments. */
interface Resource {
  readonly address: string;
  readonly config: Json;
}

/** What an ARN in a record is checked against: the stack provider's literal settings. */
export interface ProviderScope {
  /** The provider's literal region; undefined when it names none (AWS_REGION decides) or an expression. */
  readonly region: string | undefined;
  readonly allowedAccountIds: readonly string[];
  readonly forbiddenAccountIds: readonly string[];
}

/** The parts of an ARN the check reads. */
export interface ParsedArn {
  readonly service: string;
  readonly region: string;
  readonly account: string;
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`, or undefined for a name that is no ARN. */
export function parseArn(name: string): ParsedArn | undefined {
  if (!name.startsWith("arn:")) return undefined;
  const [, , service = "", region = "", account = ""] = name.split(":");
  return { service, region, account };
}

/**
 * Refuses the first function of the record that the stack's resources do not bear out; returns the record unchanged
 * otherwise.
 */
export function checkRecord(
  stack: string,
  json: Json,
  functions: readonly CliFunctionRecord[],
  scope: ProviderScope,
): readonly CliFunctionRecord[] {
  const resources = isPlainObject(json.resource) ? json.resource : {};
  const ofType = (type: string): Resource[] => {
    const byName = resources[type];
    if (!isPlainObject(byName)) return [];
    return Object.entries(byName).flatMap(([name, config]) =>
      isPlainObject(config) ? [{ address: `${type}.${name}`, config }] : [],
    );
  };
  const lambdas = ofType("aws_lambda_function");
  const parameters = ofType("aws_ssm_parameter");
  const secrets = ofType("aws_secretsmanager_secret");
  const versions = ofType("aws_secretsmanager_secret_version");
  for (const fn of functions) {
    const refuse = (problem: string): never => {
      throw new CliError(
        `the record of stack ${printable(stack)} does not match its resources: ${problem}. ` +
          "Nothing was read or written; the record in cdktf.out was edited or is stale: run cdktf synth again",
        EXIT.usage,
      );
    };
    const fnName = printable(fn.functionName);
    const matches = lambdas.filter((l) => l.config.function_name === fn.functionName);
    if (matches.length !== 1)
      refuse(
        matches.length === 0
          ? `it names function ${fnName}, which is no aws_lambda_function of the stack`
          : `${matches.length} aws_lambda_function resources are named ${fnName}`,
      );
    const variables = environmentOf(matches[0]!.config);
    for (const secret of fn.secrets) {
      const what = `secret ${printable(secret.name)} of ${fnName}`;
      if (fn.store === "ssm") checkParameter(secret as CliParameterRecord);
      else checkSecretKey(secret as CliSecretKeyRecord);

      function checkParameter(record: CliParameterRecord): void {
        const name = record.parameterName;
        checkArn(name, "ssm", what, scope, refuse);
        const declared = parameters.filter((p) => p.config.name === name);
        if (declared.length !== 1 || declared[0]!.config.type !== "SecureString")
          refuse(`${what} is parameter ${printable(name)}, which is no SecureString aws_ssm_parameter of the stack`);
        const variable = paramNameEnvVar(record.name);
        if (variables[variable] !== name)
          refuse(
            `${what} is parameter ${printable(name)}, but the function reads it from ${variable}=${printable(String(variables[variable] ?? "(unset)"))}`,
          );
        if (declared[0]!.config.key_id !== fn.kmsKey)
          refuse(
            `parameter ${printable(name)} is encrypted with another key than the record's ${printable(fn.kmsKey)}`,
          );
      }

      function checkSecretKey(record: CliSecretKeyRecord): void {
        const id = record.secretId;
        checkArn(id, "secretsmanager", what, scope, refuse);
        const declared = secrets.filter((s) => s.config.name === id);
        if (declared.length !== 1)
          refuse(`${what} is in secret ${printable(id)}, which is no aws_secretsmanager_secret of the stack`);
        const secret = declared[0]!;
        if (variables[SECRET_ID_ENV_VAR] !== id)
          refuse(
            `${what} is in secret ${printable(id)}, but the function reads ${SECRET_ID_ENV_VAR}=${printable(String(variables[SECRET_ID_ENV_VAR] ?? "(unset)"))}`,
          );
        // The loader reads the key named as the secret: any other key is one the function never sees.
        if (record.key !== record.name)
          refuse(
            `${what} is recorded under key ${printable(record.key)}, but the function reads key ${printable(record.name)}`,
          );
        if (secret.config.kms_key_id !== fn.kmsKey)
          refuse(`secret ${printable(id)} is encrypted with another key than the record's ${printable(fn.kmsKey)}`);
        const reference = `\${${secret.address}.id}`;
        for (const version of versions.filter((v) => v.config.secret_id === reference)) {
          const placeholder = parseJsonObject(
            typeof version.config.secret_string_wo === "string" ? version.config.secret_string_wo : undefined,
          );
          if (placeholder && !Object.hasOwn(placeholder, record.key))
            refuse(`secret ${printable(id)} is created without key ${printable(record.key)}`);
        }
      }
    }
  }
  return functions;
}

function environmentOf(lambda: Json): Json {
  const environment = Array.isArray(lambda.environment) ? lambda.environment[0] : lambda.environment;
  return isPlainObject(environment) && isPlainObject(environment.variables) ? environment.variables : {};
}

/**
 * A parameter name or secret id given as an ARN must be of the service, in the provider's
 * region, and in an account its allowed_account_ids (when set) admit and its
 * forbidden_account_ids do not; the account guard then holds it to the credentials' own account.
 */
function checkArn(
  name: string,
  service: "ssm" | "secretsmanager",
  what: string,
  scope: ProviderScope,
  refuse: (problem: string) => never,
): void {
  const arn = parseArn(name);
  if (!arn) return;
  const shown = printable(name);
  if (arn.service !== service)
    refuse(`${what} is ${shown}, an ARN of service ${printable(arn.service)}, not ${service}`);
  if (!/^\d{12}$/.test(arn.account)) refuse(`${what} is ${shown}, an ARN without an account`);
  if (scope.region !== undefined && arn.region !== scope.region)
    refuse(`${what} is ${shown}, in region ${printable(arn.region)}; the stack's provider deploys to ${scope.region}`);
  if (scope.allowedAccountIds.length > 0 && !scope.allowedAccountIds.includes(arn.account))
    refuse(
      `${what} is ${shown}, in account ${arn.account}; the stack's provider allows only ${scope.allowedAccountIds.join(", ")} (allowed_account_ids)`,
    );
  if (scope.forbiddenAccountIds.includes(arn.account))
    refuse(
      `${what} is ${shown}, in account ${arn.account}, which the stack's provider forbids (forbidden_account_ids)`,
    );
}
