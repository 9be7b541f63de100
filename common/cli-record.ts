/**
 * The record every SecureLambda leaves in its stack's synthesized JSON for the secrets CLI
 * (`secure-lambda`): what it needs to find each secret, names only, never a value.
 *
 * It sits in the stack's `"//"` metadata (`"//".metadata.secureLambda`), which cdktf writes
 * into `cdk.tf.json` and Terraform ignores (`//` is a comment key of Terraform's JSON
 * syntax), so it survives `cdktf synth` and changes nothing that is deployed.
 *
 * Like `naming.ts`, this module stays free of cdktf and AWS SDK imports: the construct
 * writes the record with it and the CLI, which must not load cdktf, reads it.
 */
import type { SecretStore } from "./naming";

/** The key of the record in a stack's `"//".metadata`. */
export const CLI_RECORD_KEY = "secureLambda";

/**
 * The record's format. A CLI reads only the format it knows: a record written by a
 * construct of another format is refused with "run cdktf synth again".
 */
export const CLI_RECORD_FORMAT = 1;

/** One secret kept as its own SSM SecureString parameter. */
export interface CliParameterRecord {
  /** The secret's name, as listed in the construct's `secrets`. */
  readonly name: string;
  /** The full parameter name, `<parameterPrefix>/<name>`. */
  readonly parameterName: string;
}

/** One secret kept as a key of the function's Secrets Manager secret (a JSON object). */
export interface CliSecretKeyRecord {
  /** The secret's name, as listed in the construct's `secrets`. */
  readonly name: string;
  /** Name of the function's Secrets Manager secret. */
  readonly secretId: string;
  /** The key of the secret's JSON that holds this secret. */
  readonly key: string;
}

/** What the CLI knows of one SecureLambda. */
export interface CliFunctionRecord {
  /** The construct's path in the app, e.g. `dev/notifier-dev`. */
  readonly constructPath: string;
  readonly functionName: string;
  readonly store: SecretStore;
  /**
   * The key the secrets are encrypted with, as the stack's JSON names it: a key ARN, or a
   * Terraform reference (`${aws_kms_key.<name>.arn}`) to the key the stack creates.
   */
  readonly kmsKey: string;
  /** Every secret of the function, in the order of `secrets`. */
  readonly secrets: readonly (CliParameterRecord | CliSecretKeyRecord)[];
  /** Secrets another account or app owns, read by ARN (`externalSecrets`); absent when none. */
  readonly externalSecrets?: readonly CliExternalSecretRecord[];
  /** Regions the function's Secrets Manager secret is replicated to; absent when none. */
  readonly replicaRegions?: readonly string[];
}

/** A secret another account or app owns, as `externalSecrets` gives it: names and ARNs only. */
export interface CliExternalSecretRecord {
  readonly name: string;
  readonly arn: string;
  readonly keyArn: string;
}

/** The record of a stack: every SecureLambda in it. */
export interface CliStackRecord {
  readonly format: number;
  readonly functions: readonly CliFunctionRecord[];
}
