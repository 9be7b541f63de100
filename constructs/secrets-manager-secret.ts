import type { Construct } from "constructs";
import { SecretLeakGuard } from "./leak-guard/guard";
import {
  defaultSecretName,
  PLACEHOLDER_STAGE,
  PLACEHOLDER_WRITE_VERSION,
  placeholderSecretJson,
} from "../common/naming";
import { stackName } from "./secret-parameters";
import { SecretsmanagerSecret, SecretsmanagerSecretRotation, SecretsmanagerSecretVersion } from "./tf";

/** Rotation of a Secrets Manager secret by a rotation function you provide. */
export interface SecretRotation {
  /** ARN of the rotation Lambda function (it must be allowed to read and write the secret and use its key). */
  readonly rotationLambdaArn: string;
  /** Days between rotations (1 to 1000). One of this and `scheduleExpression`. */
  readonly automaticallyAfterDays?: number;
  /** A `rate(...)` or `cron(...)` expression. One of this and `automaticallyAfterDays`. */
  readonly scheduleExpression?: string;
}

/** What {@link createSecretsManagerSecret} needs. */
export interface SecretsManagerSecretProps {
  /** The function the secret belongs to; names the secret (`<functionName>/secrets`). */
  readonly functionName: string;
  /** Secret names: the keys of the secret's JSON. */
  readonly secrets: readonly string[];
  /** ARN of the key the secret is encrypted with. */
  readonly keyArn: string;
  /** Refuse destroy and replacement, and keep a deleted secret recoverable for 30 days. */
  readonly protect: boolean;
  /** Rotation, when the secret is rotated by a function. */
  readonly rotation?: SecretRotation;
  /** Tags for the secret. */
  readonly tags?: Record<string, string>;
  /** Regions the secret is replicated to, each with the ARN of its key in that region. */
  readonly replicas?: readonly { readonly region: string; readonly keyArn: string }[];
}

/** The resources of a function's Secrets Manager secret. */
export interface SecretsManagerResources {
  readonly secret: SecretsmanagerSecret;
  readonly version: SecretsmanagerSecretVersion;
  readonly rotation?: SecretsmanagerSecretRotation;
  /** The secret's name, which the function's environment carries. */
  readonly secretName: string;
}

// Days a deleted secret stays recoverable: the longest Secrets Manager offers where the
// secrets are protected, the shortest elsewhere (a throwaway environment must be able to
// create a secret of the same name again soon after a destroy).
const PROTECTED_RECOVERY_DAYS = 30;
const UNPROTECTED_RECOVERY_DAYS = 7;

/** The arguments of the placeholder version Terraform never changes after creating it. */
export const SECRET_VERSION_IGNORED_CHANGES = ["secret_string", "secret_string_wo_version", "version_stages"] as const;

/**
 * One secret per function, a JSON object with a key per secret name, created holding only
 * the placeholder. Construct ids `Secret`, `SecretVersion` and `SecretRotation` name the
 * Terraform resources: changing them would replace the secret and lose the values.
 */
export function createSecretsManagerSecret(
  scope: Construct,
  props: SecretsManagerSecretProps,
): SecretsManagerResources {
  const secretName = defaultSecretName(props.functionName);
  const secret = new SecretsmanagerSecret(scope, "Secret", {
    name: secretName,
    description: `Secrets of ${props.functionName}, one JSON key each. Terraform only creates it with placeholders; set each value out of band, in the app's directory: npx --no secure-lambda set ${stackName(scope)} ${props.functionName} <secret>`,
    kmsKeyId: props.keyArn,
    recoveryWindowInDays: props.protect ? PROTECTED_RECOVERY_DAYS : UNPROTECTED_RECOVERY_DAYS,
    tags: props.tags,
    lifecycle: props.protect ? { preventDestroy: true } : undefined,
    // Secrets Manager copies every version to each replica and keeps it in sync: a value set
    // on the primary is read in every region; each replica is encrypted with its region's key.
    replica: props.replicas?.length
      ? props.replicas.map((replica) => ({ region: replica.region, kmsKeyId: replica.keyArn }))
      : undefined,
  });
  const version = new SecretsmanagerSecretVersion(scope, "SecretVersion", {
    secretId: secret.id,
    // Write-only (Terraform >= 1.11): the placeholder is sent once and kept out of plan and
    // state, and the provider's refresh lists the version's labels without reading its value.
    secretStringWo: placeholderSecretJson(props.secrets),
    secretStringWoVersion: PLACEHOLDER_WRITE_VERSION,
    // A label of our own, never AWSCURRENT: a version that keeps a label is never deprecated,
    // so Secrets Manager never deletes it and Terraform never creates it again. Were it
    // re-created, it would take only this label: Secrets Manager gives AWSCURRENT to a
    // secret's first version alone, so the real values stay current whatever happens here.
    versionStages: [PLACEHOLDER_STAGE],
    // The real values are set out of band (a new version that takes AWSCURRENT): Terraform
    // must never write the placeholder again (`secret_string_wo_version`), nor move labels
    // (`version_stages`: the first version also holds AWSCURRENT until the first `set`).
    lifecycle: { ignoreChanges: [...SECRET_VERSION_IGNORED_CHANGES], preventDestroy: props.protect || undefined },
  });
  // The guard holds this version to exactly this JSON: the declared names, each the placeholder, no other key.
  SecretLeakGuard._recordWritten(version, "secret_string_wo", placeholderSecretJson(props.secrets));
  const rotation = props.rotation
    ? new SecretsmanagerSecretRotation(scope, "SecretRotation", {
        secretId: secret.id,
        rotationLambdaArn: props.rotation.rotationLambdaArn,
        rotationRules: {
          automaticallyAfterDays: props.rotation.automaticallyAfterDays,
          scheduleExpression: props.rotation.scheduleExpression,
        },
      })
    : undefined;
  return { secret, version, rotation, secretName };
}
