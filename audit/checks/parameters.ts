/**
 * Reading secrets from SSM: exactly the function's own parameters, read-only, decrypted
 * only through SSM and only for those parameters.
 */
import type { Check } from "./check";
import { otherFunctions, parameterArn, viaService, type AuditWorld } from "./context";
import type { FunctionSubject, ParameterSubject } from "../subjects";

export function parameterChecks(subject: FunctionSubject, world: AuditWorld): Check[] {
  if (subject.parameters.length === 0) return crossStoreCheck(subject, world);
  const checks: Check[] = [];
  const asFunction = (describe: string, expected: Check["expected"], action: string, resource: string, context: Check["request"]["context"] = {}, resourcePolicy?: Check["resourcePolicy"]): Check => ({
    describe,
    expected,
    request: { principal: subject.role.sessionArn, action, resource, resourceAccount: subject.target.accountId, context },
    identityPolicies: subject.role.policies,
    resourcePolicy,
  });
  const ssmDecrypt = (parameter: ParameterSubject, contextArn: string) => ({
    "kms:ViaService": viaService(subject, "ssm"),
    "kms:CallerAccount": subject.target.accountId,
    "kms:EncryptionContext:PARAMETER_ARN": contextArn,
  });

  for (const parameter of subject.parameters) {
    checks.push(
      asFunction(`ssm:GetParameter on own ${parameter.name}`, "allowed", "ssm:GetParameter", parameter.arn),
      asFunction(`ssm:GetParameters on own ${parameter.name}`, "allowed", "ssm:GetParameters", parameter.arn),
      asFunction(`kms:Decrypt via SSM for own ${parameter.name}`, "allowed", "kms:Decrypt", parameter.key.arn, ssmDecrypt(parameter, parameter.arn), parameter.key.policy),
    );
  }

  const [first] = subject.parameters as [ParameterSubject];
  const secret = first.name.slice(first.name.lastIndexOf("/") + 1);
  const prefix = first.name.slice(0, first.name.lastIndexOf("/"));
  // Probes a widened grant would let through: another function's parameter, a sibling prefix
  // (`/app-dev*`), a nested path (`/app-dev/*`), another prefix, the root.
  const others = otherFunctions(subject, world).flatMap((other) => other.parameters.slice(0, 1).map((p) => [`another function's ${p.name}`, p.name] as const));
  const probes: ReadonlyArray<readonly [string, string]> = [
    ...others,
    [`a sibling prefix's ${prefix}-sibling/${secret}`, `${prefix}-sibling/${secret}`],
    [`a nested path ${prefix}/nested/${secret}`, `${prefix}/nested/${secret}`],
    [`another prefix's /other-team/${secret}`, `/other-team/${secret}`],
  ];
  for (const [label, name] of probes) {
    checks.push(asFunction(`ssm:GetParameter on ${label}`, "denied", "ssm:GetParameter", parameterArn(subject, name)));
  }
  const [otherLabel, otherName] = probes[0]!;
  checks.push(
    asFunction(`ssm:GetParameters on ${otherLabel}`, "denied", "ssm:GetParameters", parameterArn(subject, otherName)),
    asFunction(`ssm:PutParameter on own ${first.name}`, "denied", "ssm:PutParameter", first.arn),
    asFunction(`ssm:DeleteParameter on own ${first.name}`, "denied", "ssm:DeleteParameter", first.arn),
    // History holds every earlier value, decrypted on request: as good as the secret.
    asFunction(`ssm:GetParameterHistory on own ${first.name}`, "denied", "ssm:GetParameterHistory", first.arn),
    asFunction(`ssm:GetParametersByPath on ${prefix}`, "denied", "ssm:GetParametersByPath", parameterArn(subject, prefix)),
    asFunction(`kms:Decrypt called directly (not via SSM) for own ${first.name}`, "denied", "kms:Decrypt", first.key.arn, { "kms:CallerAccount": subject.target.accountId, "kms:EncryptionContext:PARAMETER_ARN": first.arn }, first.key.policy),
    asFunction(`kms:Decrypt via SSM for ${otherLabel}`, "denied", "kms:Decrypt", first.key.arn, ssmDecrypt(first, parameterArn(subject, otherName)), first.key.policy),
    asFunction(`kms:Decrypt via SSM without an encryption context`, "denied", "kms:Decrypt", first.key.arn, { "kms:ViaService": viaService(subject, "ssm"), "kms:CallerAccount": subject.target.accountId }, first.key.policy),
  );
  return checks;
}

/** A function without parameters (Secrets Manager, or none) must not read another function's parameters. */
function crossStoreCheck(subject: FunctionSubject, world: AuditWorld): Check[] {
  const other = otherFunctions(subject, world).find((f) => f.parameters.length > 0)?.parameters[0];
  if (!other) return [];
  return [
    {
      describe: `ssm:GetParameter on another function's ${other.name}`,
      expected: "denied",
      request: { principal: subject.role.sessionArn, action: "ssm:GetParameter", resource: parameterArn(subject, other.name), resourceAccount: subject.target.accountId, context: {} },
      identityPolicies: subject.role.policies,
    },
  ];
}
