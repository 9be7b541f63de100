import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { EnvironmentConfig } from "../config/environments";

/** Static credentials, as the SDK clients take them. */
interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

// Every client retries throttling and transient failures up to this many calls in all.
const MAX_ATTEMPTS = 5;

/**
 * An SSM client for the environment: its region; the endpoint from AWS_ENDPOINT_URL_SSM or
 * AWS_ENDPOINT_URL, else a LocalStack environment's endpoint; credentials as
 * {@link credentialsFor} picks them.
 */
export function ssmClientFor(environment: EnvironmentConfig, env: NodeJS.ProcessEnv): SSMClient {
  const endpoint = env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL ?? environment.localstackEndpoint;
  return new SSMClient({ region: environment.region, endpoint, credentials: credentialsFor(environment, env), maxAttempts: MAX_ATTEMPTS });
}

/**
 * A Secrets Manager client for the environment: its region; the endpoint from
 * AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL, else a LocalStack environment's
 * endpoint; credentials as {@link credentialsFor} picks them.
 */
export function secretsManagerClientFor(environment: EnvironmentConfig, env: NodeJS.ProcessEnv): SecretsManagerClient {
  const endpoint = env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? env.AWS_ENDPOINT_URL ?? environment.localstackEndpoint;
  return new SecretsManagerClient({ region: environment.region, endpoint, credentials: credentialsFor(environment, env), maxAttempts: MAX_ATTEMPTS });
}

/**
 * The AWS_ACCESS_KEY_ID variables when set, else LocalStack's test credentials for a
 * LocalStack environment, else undefined: the SDK's default chain (profiles, SSO, instance roles).
 */
function credentialsFor(environment: EnvironmentConfig, env: NodeJS.ProcessEnv): StaticCredentials | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN };
  }
  return environment.localstackEndpoint ? { accessKeyId: "test", secretAccessKey: "test" } : undefined;
}
