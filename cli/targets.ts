import { environments as configuredEnvironments, type EnvironmentConfig, type FunctionConfig } from "../config/environments";
import { defaultParameterPrefix, defaultSecretName, parameterName, type SecretStore } from "../constructs/naming";
import { ConfigurationError, validateEnvironment } from "../config/validate";
import { CliError } from "./errors";

/** One secret of one function, kept in its own SSM SecureString parameter. */
export interface SsmTarget {
  readonly store: "ssm";
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
  readonly functionName: string;
  readonly secret: string;
  /** Name of the function's Secrets Manager secret. */
  readonly secretId: string;
  /** The key of the secret's JSON that holds this secret (its configured name). */
  readonly key: string;
}

/** One secret of one function of one environment, as the stacks create it. */
export type SecretTarget = SsmTarget | SecretsManagerTarget;

/** The configuration the CLI works from; tests pass their own. */
export type Environments = Readonly<Record<string, EnvironmentConfig>>;

export const defaultEnvironments: Environments = configuredEnvironments;

/**
 * The environment of that name, checked as main.ts checks it, or a usage error listing
 * the known ones or naming the configuration mistake.
 */
export function findEnvironment(environments: Environments, name: string | undefined): EnvironmentConfig {
  const config = name === undefined || !Object.hasOwn(environments, name) ? undefined : environments[name];
  if (!config) {
    throw new CliError(`unknown environment ${JSON.stringify(name ?? "")}; known: ${Object.keys(environments).join(", ")}`);
  }
  try {
    validateEnvironment(name!, config);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new CliError(error.message);
    throw error;
  }
  return config;
}

/** Every secret of every function of the environment, in configuration order, whatever its store. */
export function secretTargets(environment: EnvironmentConfig): SecretTarget[] {
  return environment.functions.flatMap((fn) => fn.secrets.map((secret) => toTarget(fn, secret)));
}

/** One configured secret, or a usage error naming what is unknown and what exists. */
export function findSecret(environment: EnvironmentConfig, envName: string, functionName: string | undefined, secret: string | undefined): SecretTarget {
  const fn = environment.functions.find((f) => f.functionName === functionName);
  if (!fn) {
    throw new CliError(
      `unknown function ${JSON.stringify(functionName ?? "")} in ${envName}; known: ${environment.functions.map((f) => f.functionName).join(", ")}`,
    );
  }
  if (secret === undefined || !fn.secrets.includes(secret)) {
    throw new CliError(`unknown secret ${JSON.stringify(secret ?? "")} of ${fn.functionName}; known: ${fn.secrets.join(", ")}`);
  }
  return toTarget(fn, secret);
}

/** How the CLI names a target to the operator: `/fn/github_token`, or `fn/secrets key github_token`. */
export function targetLabel(target: SecretTarget): string {
  return target.store === "ssm" ? target.parameterName : `${target.secretId} key ${target.key}`;
}

// The names come from the shared naming rule, as the construct and the runtime derive them.
function toTarget(fn: FunctionConfig, secret: string): SecretTarget {
  const store: SecretStore = fn.store ?? "ssm";
  if (store === "secretsmanager") {
    return { store, functionName: fn.functionName, secret, secretId: defaultSecretName(fn.functionName), key: secret };
  }
  return {
    store,
    functionName: fn.functionName,
    secret,
    parameterName: parameterName(defaultParameterPrefix(fn.functionName), secret),
  };
}
