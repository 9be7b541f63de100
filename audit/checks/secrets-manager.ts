/**
 * Reading secrets from Secrets Manager: exactly the function's own secret, read-only,
 * decrypted only through Secrets Manager and only for that secret.
 */
import type { Check } from "./check";
import { arnIn, otherFunctions, viaService, type AuditWorld } from "./context";
import type { FunctionSubject, SecretSubject } from "../subjects";

export function secretsManagerChecks(subject: FunctionSubject, world: AuditWorld): Check[] {
  const secret = subject.secret;
  if (!secret) return crossStoreCheck(subject, world);
  const asFunction = (describe: string, expected: Check["expected"], action: string, resource: string, context: Check["request"]["context"] = {}, resourcePolicy?: Check["resourcePolicy"]): Check => ({
    describe,
    expected,
    request: { principal: subject.role.sessionArn, action, resource, resourceAccount: subject.target.accountId, context },
    identityPolicies: subject.role.policies,
    resourcePolicy,
  });
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
    asFunction(`secretsmanager:GetSecretValue on own ${secret.name}`, "allowed", "secretsmanager:GetSecretValue", secret.arn),
    asFunction(`kms:Decrypt via Secrets Manager for own ${secret.name}`, "allowed", "kms:Decrypt", secret.key.arn, decrypt(secret.arn, via), secret.key.policy),
    asFunction(`secretsmanager:GetSecretValue on ${otherLabel}`, "denied", "secretsmanager:GetSecretValue", otherArn),
    // Names are prefixes of ARNs: `secret:app*` would also match `secret:app-sibling-...`.
    asFunction(`secretsmanager:GetSecretValue on a sibling ${secret.name}-sibling`, "denied", "secretsmanager:GetSecretValue", arnIn(subject, "secretsmanager", `secret:${secret.name}-sibling-AbCdEf`)),
    asFunction(`secretsmanager:PutSecretValue on own ${secret.name}`, "denied", "secretsmanager:PutSecretValue", secret.arn),
    asFunction(`secretsmanager:UpdateSecret on own ${secret.name}`, "denied", "secretsmanager:UpdateSecret", secret.arn),
    asFunction(`secretsmanager:DeleteSecret on own ${secret.name}`, "denied", "secretsmanager:DeleteSecret", secret.arn),
    asFunction(`secretsmanager:ListSecrets`, "denied", "secretsmanager:ListSecrets", "*"),
    asFunction(`kms:Decrypt called directly (not via Secrets Manager) for own ${secret.name}`, "denied", "kms:Decrypt", secret.key.arn, decrypt(secret.arn, undefined), secret.key.policy),
    asFunction(`kms:Decrypt via Secrets Manager for ${otherLabel}`, "denied", "kms:Decrypt", secret.key.arn, decrypt(otherArn, via), secret.key.policy),
  ];
}

/** A function that keeps its secrets in SSM must not read another function's Secrets Manager secret. */
function crossStoreCheck(subject: FunctionSubject, world: AuditWorld): Check[] {
  const other = world.functions.find((f) => f !== subject && f.secret)?.secret;
  if (!other) return [];
  const arn = arnIn(subject, "secretsmanager", other.arn.slice(other.arn.indexOf(":secret:") + 1));
  return [
    {
      describe: `secretsmanager:GetSecretValue on another function's secret ${other.name}`,
      expected: "denied",
      request: { principal: subject.role.sessionArn, action: "secretsmanager:GetSecretValue", resource: arn, resourceAccount: subject.target.accountId, context: {} },
      identityPolicies: subject.role.policies,
    },
  ];
}
