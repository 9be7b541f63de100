import { SSMClient } from "@aws-sdk/client-ssm";
import { environments as configuredEnvironments, type EnvironmentConfig, type FunctionConfig } from "../config/environments";
import { defaultParameterPrefix, keyAliasName, parameterName } from "../constructs/naming";
import { ConfigurationError, validateEnvironment } from "../config/validate";
import { CliError } from "./errors";

/** One secret of one function of one environment, as the stacks create it. */
export interface SecretTarget {
  readonly functionName: string;
  readonly secret: string;
  /** Full SSM parameter name. */
  readonly parameterName: string;
  /** Alias of the key the parameter is encrypted with. */
  readonly keyAlias: string;
}

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

/** Every secret of every function of the environment, in configuration order. */
export function secretTargets(environment: EnvironmentConfig): SecretTarget[] {
  return environment.functions.flatMap((fn) => fn.secrets.map((secret) => toTarget(fn, secret)));
}

/** One configured secret, or a usage error naming what is unknown and what exists. */
export function findSecret(environment: EnvironmentConfig, envName: string, functionName: string | undefined, secret: string | undefined): SecretTarget {
  const fn = environment.functions.find((f) => f.functionName === functionName);
  if (!fn) {
    throw new CliError(`unknown function ${JSON.stringify(functionName ?? "")} in ${envName}; known: ${environment.functions.map((f) => f.functionName).join(", ")}`);
  }
  if (secret === undefined || !fn.secrets.includes(secret)) {
    throw new CliError(`unknown secret ${JSON.stringify(secret ?? "")} of ${fn.functionName}; known: ${fn.secrets.join(", ")}`);
  }
  return toTarget(fn, secret);
}

function toTarget(fn: FunctionConfig, secret: string): SecretTarget {
  return {
    functionName: fn.functionName,
    secret,
    parameterName: parameterName(defaultParameterPrefix(fn.functionName), secret),
    keyAlias: keyAliasName(fn.functionName),
  };
}

/**
 * An SSM client for the environment: its region; the endpoint from AWS_ENDPOINT_URL_SSM or
 * AWS_ENDPOINT_URL, else a LocalStack environment's endpoint; credentials from the
 * AWS_ACCESS_KEY_ID variables when set, else LocalStack's test credentials for a
 * LocalStack environment, else the SDK's default chain (profiles, SSO, instance roles).
 */
export function ssmClientFor(environment: EnvironmentConfig, env: NodeJS.ProcessEnv): SSMClient {
  const endpoint = env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL ?? environment.localstackEndpoint;
  const fromEnv =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN }
      : undefined;
  const localstack = environment.localstackEndpoint ? { accessKeyId: "test", secretAccessKey: "test" } : undefined;
  return new SSMClient({ region: environment.region, endpoint, credentials: fromEnv ?? localstack, maxAttempts: 5 });
}
