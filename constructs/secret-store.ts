/** The stores a function's secrets may live in, as constants for every language jsii serves. */

/**
 * Where a SecureLambda (or SecretsEndpoints) keeps the secrets: `store: SecretStore.SECRETS_MANAGER`
 * (`store=SecretStore.SECRETS_MANAGER` in Python). The prop is a plain string, so
 * `store: "secretsmanager"` works as well; synth refuses any other.
 */
export class SecretStore {
  /** One SSM SecureString parameter per secret (the default). */
  static readonly SSM: string = "ssm";
  /** One Secrets Manager secret holding a JSON key per secret. */
  static readonly SECRETS_MANAGER: string = "secretsmanager";

  private constructor() {}
}
