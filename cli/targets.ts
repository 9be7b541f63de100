import type { CliFunctionRecord } from "../common/cli-record";
import { CliError, shownArgument } from "./errors";
import { printable } from "./printable";
import type { SynthesizedStack } from "./synthesis";

/** One secret of one function, kept in its own SSM SecureString parameter. */
export interface SsmTarget {
  readonly store: "ssm";
  readonly stack: string;
  readonly functionName: string;
  readonly secret: string;
  /** Full SSM parameter name. */
  readonly parameterName: string;
}

/**
 * One secret of one function, kept as one key of the function's Secrets Manager secret
 * (a JSON object). The secret's key is set on the secret by Terraform, so writes name none.
 */
export interface SecretsManagerTarget {
  readonly store: "secretsmanager";
  readonly stack: string;
  readonly functionName: string;
  readonly secret: string;
  /** Name of the function's Secrets Manager secret. */
  readonly secretId: string;
  /** The key of the secret's JSON that holds this secret. */
  readonly key: string;
}

/** One secret of one function of one stack, as the stack's record names it. */
export type SecretTarget = SsmTarget | SecretsManagerTarget;

/** Every secret of every function of the stack, in the record's order, whatever its store. */
export function secretTargets(stack: SynthesizedStack): SecretTarget[] {
  return stack.functions.flatMap((fn) => functionTargets(stack, fn));
}

/** Every secret of one function. */
export function functionTargets(stack: SynthesizedStack, fn: CliFunctionRecord): SecretTarget[] {
  return fn.secrets.map((secret): SecretTarget => {
    const base = { stack: stack.name, functionName: fn.functionName, secret: secret.name };
    return "parameterName" in secret
      ? { ...base, store: "ssm", parameterName: secret.parameterName }
      : { ...base, store: "secretsmanager", secretId: secret.secretId, key: secret.key };
  });
}

/** The function of that name in the stack, or a usage error listing the stack's functions. */
export function findFunction(stack: SynthesizedStack, functionName: string | undefined): CliFunctionRecord {
  const matches = stack.functions.filter((f) => f.functionName === functionName);
  if (matches.length === 0) {
    throw new CliError(
      `unknown function ${shownArgument(functionName)} in stack ${stack.name}; known: ${stack.functions.map((f) => f.functionName).join(", ")}`,
    );
  }
  if (matches.length > 1) {
    throw new CliError(
      `${matches.length} SecureLambdas of stack ${stack.name} are named ${functionName} (${matches.map((f) => f.constructPath).join(", ")}): rename one`,
    );
  }
  const fn = matches[0]!;
  // A name Terraform resolves at plan (a TerraformVariable) is not what AWS knows the function by.
  if (fn.functionName.includes("${"))
    throw new CliError(
      `the function of ${fn.constructPath} is named at plan (${fn.functionName}): the CLI cannot address it`,
    );
  return fn;
}

/** One secret of a function, or a usage error naming what is unknown and what exists. */
export function findSecret(
  stack: SynthesizedStack,
  functionName: string | undefined,
  secret: string | undefined,
): SecretTarget {
  const fn = findFunction(stack, functionName);
  const target = functionTargets(stack, fn).find((t) => t.secret === secret);
  if (!target) {
    throw new CliError(
      `unknown secret ${shownArgument(secret)} of ${fn.functionName}; known: ${fn.secrets.map((s) => s.name).join(", ") || "none"} (a secret added since the last synth needs cdktf synth again)`,
    );
  }
  if (targetLabel(target).includes("${"))
    throw new CliError(
      `${target.secret} of ${fn.functionName} is named at plan (${targetLabel(target)}): the CLI cannot address it`,
    );
  return target;
}

/** How the CLI names a target to the operator: `/fn/github_token`, or `fn/secrets key github_token`. */
export function targetLabel(target: SecretTarget): string {
  // Names from the record: shown with their control characters escaped.
  return printable(target.store === "ssm" ? target.parameterName : `${target.secretId} key ${target.key}`);
}
