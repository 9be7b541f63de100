import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsSettings, CliService } from "./aws-settings";

/**
 * How long and how often the CLI waits for AWS. Every call has a connection and a request
 * timeout, and is tried at most `maxAttempts` times in all (the SDK's standard retry
 * strategy: throttling, 5xx, timeouts and dropped connections, with backoff): a call gives
 * up after about maxAttempts x requestTimeoutMs.
 */
export interface NetworkSettings {
  /** Time to open a connection, in ms. */
  readonly connectionTimeoutMs: number;
  /** Time from sending a request to its whole answer, in ms. */
  readonly requestTimeoutMs: number;
  /** Tries per call, the first included. */
  readonly maxAttempts: number;
}

/** A call that has not answered in 10 s will not; 3 tries keep a command's worst case near half a minute. */
export const DEFAULT_NETWORK: NetworkSettings = {
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 10_000,
  maxAttempts: 3,
};

/** What every client of a stack is built with: its region, endpoint, credentials, timeouts and retries. */
function clientConfig(settings: AwsSettings, service: CliService, network: NetworkSettings) {
  return {
    region: settings.region,
    endpoint: settings.endpoints[service],
    credentials: settings.credentials,
    profile: settings.profile,
    maxAttempts: network.maxAttempts,
    requestHandler: {
      connectionTimeout: network.connectionTimeoutMs,
      requestTimeout: network.requestTimeoutMs,
      // Without it the SDK only logs a warning when requestTimeout passes, and waits on.
      throwOnRequestTimeout: true,
    },
  };
}

/** The stack's SSM client. */
export function ssmClientFor(settings: AwsSettings, network: NetworkSettings = DEFAULT_NETWORK): SSMClient {
  return new SSMClient(clientConfig(settings, "ssm", network));
}

/** The stack's Secrets Manager client. */
export function secretsManagerClientFor(
  settings: AwsSettings,
  network: NetworkSettings = DEFAULT_NETWORK,
): SecretsManagerClient {
  return new SecretsManagerClient(clientConfig(settings, "secretsmanager", network));
}

/** The stack's STS client: who the credentials are, for the account guard. */
export function stsClientFor(settings: AwsSettings, network: NetworkSettings = DEFAULT_NETWORK): STSClient {
  return new STSClient(clientConfig(settings, "sts", network));
}
