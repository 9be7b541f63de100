/**
 * Reading secrets from SSM: exactly the function's own parameters, read-only, decrypted
 * only through SSM and only for those parameters.
 */
import type { Check } from "./check";
import { functionAsks, otherFunctions, parameterArn, viaService, type AuditWorld } from "./context";
import type { FunctionSubject, ParameterSubject } from "../subjects";

export function parameterChecks(subject: FunctionSubject, world: AuditWorld): Check[] {
  if (subject.parameters.length === 0) return crossStoreCheck(subject, world);
  const checks: Check[] = [];
  const ask = functionAsks(subject);
  const ssmDecrypt = (contextArn: string) => ({
    "kms:ViaService": viaService(subject, "ssm"),
    "kms:CallerAccount": subject.target.accountId,
    "kms:EncryptionContext:PARAMETER_ARN": contextArn,
  });

  for (const parameter of subject.parameters) {
    checks.push(
      ask(`ssm:GetParameter on own ${parameter.name}`, "allowed", "ssm:GetParameter", parameter.arn),
      ask(`ssm:GetParameters on own ${parameter.name}`, "allowed", "ssm:GetParameters", parameter.arn),
      ask(`kms:Decrypt via SSM for own ${parameter.name}`, "allowed", "kms:Decrypt", parameter.key.arn, {
        context: ssmDecrypt(parameter.arn),
        resourcePolicy: parameter.key.policy,
      }),
    );
  }

  const [first] = subject.parameters as [ParameterSubject];
  const secret = first.name.slice(first.name.lastIndexOf("/") + 1);
  const prefix = first.name.slice(0, first.name.lastIndexOf("/"));
  // Probes a widened grant would let through: another function's parameter, a sibling prefix
  // (`/app-dev*`), a nested path (`/app-dev/*`), another prefix, the root.
  const others = otherFunctions(subject, world).flatMap((other) =>
    other.parameters.slice(0, 1).map((p) => [`another function's ${p.name}`, p.name] as const),
  );
  const probes: ReadonlyArray<readonly [string, string]> = [
    ...others,
    [`a sibling prefix's ${prefix}-sibling/${secret}`, `${prefix}-sibling/${secret}`],
    [`a nested path ${prefix}/nested/${secret}`, `${prefix}/nested/${secret}`],
    [`another prefix's /other-team/${secret}`, `/other-team/${secret}`],
  ];
  for (const [label, name] of probes) {
    checks.push(ask(`ssm:GetParameter on ${label}`, "denied", "ssm:GetParameter", parameterArn(subject, name)));
  }
  const [otherLabel, otherName] = probes[0]!;
  checks.push(
    ask(`ssm:GetParameters on ${otherLabel}`, "denied", "ssm:GetParameters", parameterArn(subject, otherName)),
    ask(`ssm:PutParameter on own ${first.name}`, "denied", "ssm:PutParameter", first.arn),
    ask(`ssm:DeleteParameter on own ${first.name}`, "denied", "ssm:DeleteParameter", first.arn),
    // History holds every earlier value, decrypted on request: as good as the secret.
    ask(`ssm:GetParameterHistory on own ${first.name}`, "denied", "ssm:GetParameterHistory", first.arn),
    ask(`ssm:GetParametersByPath on ${prefix}`, "denied", "ssm:GetParametersByPath", parameterArn(subject, prefix)),
    ask(`kms:Decrypt called directly (not via SSM) for own ${first.name}`, "denied", "kms:Decrypt", first.key.arn, {
      context: { "kms:CallerAccount": subject.target.accountId, "kms:EncryptionContext:PARAMETER_ARN": first.arn },
      resourcePolicy: first.key.policy,
    }),
    ask(`kms:Decrypt via SSM for ${otherLabel}`, "denied", "kms:Decrypt", first.key.arn, {
      context: ssmDecrypt(parameterArn(subject, otherName)),
      resourcePolicy: first.key.policy,
    }),
    ask(`kms:Decrypt via SSM without an encryption context`, "denied", "kms:Decrypt", first.key.arn, {
      context: { "kms:ViaService": viaService(subject, "ssm"), "kms:CallerAccount": subject.target.accountId },
      resourcePolicy: first.key.policy,
    }),
  );
  return checks;
}

/** A function without parameters (Secrets Manager, or none) must not read another function's parameters. */
function crossStoreCheck(subject: FunctionSubject, world: AuditWorld): Check[] {
  const other = otherFunctions(subject, world).find((f) => f.parameters.length > 0)?.parameters[0];
  if (!other) return [];
  return [
    functionAsks(subject)(
      `ssm:GetParameter on another function's ${other.name}`,
      "denied",
      "ssm:GetParameter",
      parameterArn(subject, other.name),
    ),
  ];
}
