/**
 * Reading secrets from Secrets Manager: exactly the function's own secret, read-only,
 * decrypted only through Secrets Manager and only for that secret.
 */
import type { Check } from "./check";
import { arnIn, functionAsks, otherFunctions, viaService, type AuditWorld } from "./context";
import type { FunctionSubject, SecretSubject } from "../subjects";
import { CURRENT_STAGE, PLACEHOLDER_STAGE } from "../../common/naming";

/** A GetSecretValue naming a stage, as the runtime loader names AWSCURRENT. */
const stage = (name: string) => ({ context: { "secretsmanager:VersionStage": name } });
// Reads of other secrets ask for AWSCURRENT too, so that only the resource can deny them.
const CURRENT = stage(CURRENT_STAGE);

export function secretsManagerChecks(subject: FunctionSubject, world: AuditWorld): Check[] {
  const secret = subject.secret;
  if (!secret) return crossStoreCheck(subject, world);
  const ask = functionAsks(subject);
  // Secrets Manager asks KMS with the secret's ARN and version in the encryption context.
  const decrypt = (arn: string, via: string | undefined) => ({
    ...(via === undefined ? {} : { "kms:ViaService": via }),
    "kms:CallerAccount": subject.target.accountId,
    "kms:EncryptionContext:SecretARN": arn,
    "kms:EncryptionContext:SecretVersionId": "00000000-0000-0000-0000-000000000000",
  });
  const via = viaService(subject, "secretsmanager");
  const other: SecretSubject | undefined = otherFunctions(subject, world).find((f) => f.secret)?.secret;
  const otherLabel = other ? `another function's secret ${other.name}` : "another secret other-team/secrets";
  const otherArn = other?.arn ?? arnIn(subject, "secretsmanager", "secret:other-team/secrets-AbCdEf");
  return [
    ask(
      `secretsmanager:GetSecretValue of AWSCURRENT on own ${secret.name}`,
      "allowed",
      "secretsmanager:GetSecretValue",
      secret.arn,
      CURRENT,
    ),
    // Earlier versions may hold a token that was replaced because it leaked.
    ask(
      `secretsmanager:GetSecretValue of AWSPREVIOUS on own ${secret.name}`,
      "denied",
      "secretsmanager:GetSecretValue",
      secret.arn,
      stage("AWSPREVIOUS"),
    ),
    ask(
      `secretsmanager:GetSecretValue of the placeholder version (its own label) on own ${secret.name}`,
      "denied",
      "secretsmanager:GetSecretValue",
      secret.arn,
      stage(PLACEHOLDER_STAGE),
    ),
    ask(
      `secretsmanager:GetSecretValue by VersionId, no stage, on own ${secret.name}`,
      "denied",
      "secretsmanager:GetSecretValue",
      secret.arn,
      {
        context: { "secretsmanager:VersionId": "00000000-0000-0000-0000-000000000000" },
      },
    ),
    ask(`kms:Decrypt via Secrets Manager for own ${secret.name}`, "allowed", "kms:Decrypt", secret.key.arn, {
      context: decrypt(secret.arn, via),
      resourcePolicy: secret.key.policy,
    }),
    ask(`secretsmanager:GetSecretValue on ${otherLabel}`, "denied", "secretsmanager:GetSecretValue", otherArn, CURRENT),
    // Names are prefixes of ARNs: `secret:app*` would also match `secret:app-sibling-...`.
    ask(
      `secretsmanager:GetSecretValue on a sibling ${secret.name}-sibling`,
      "denied",
      "secretsmanager:GetSecretValue",
      arnIn(subject, "secretsmanager", `secret:${secret.name}-sibling-AbCdEf`),
      CURRENT,
    ),
    ask(`secretsmanager:PutSecretValue on own ${secret.name}`, "denied", "secretsmanager:PutSecretValue", secret.arn),
    ask(`secretsmanager:UpdateSecret on own ${secret.name}`, "denied", "secretsmanager:UpdateSecret", secret.arn),
    ask(`secretsmanager:DeleteSecret on own ${secret.name}`, "denied", "secretsmanager:DeleteSecret", secret.arn),
    ask(`secretsmanager:ListSecrets`, "denied", "secretsmanager:ListSecrets", "*"),
    ask(
      `kms:Decrypt called directly (not via Secrets Manager) for own ${secret.name}`,
      "denied",
      "kms:Decrypt",
      secret.key.arn,
      {
        context: decrypt(secret.arn, undefined),
        resourcePolicy: secret.key.policy,
      },
    ),
    ask(`kms:Decrypt via Secrets Manager for ${otherLabel}`, "denied", "kms:Decrypt", secret.key.arn, {
      context: decrypt(otherArn, via),
      resourcePolicy: secret.key.policy,
    }),
  ];
}

/** A function that keeps its secrets in SSM must not read another function's Secrets Manager secret. */
function crossStoreCheck(subject: FunctionSubject, world: AuditWorld): Check[] {
  const other = world.functions.find((f) => f !== subject && f.secret)?.secret;
  if (!other) return [];
  const arn = arnIn(subject, "secretsmanager", other.arn.slice(other.arn.indexOf(":secret:") + 1));
  return [
    functionAsks(subject)(
      `secretsmanager:GetSecretValue on another function's secret ${other.name}`,
      "denied",
      "secretsmanager:GetSecretValue",
      arn,
      CURRENT,
    ),
  ];
}
