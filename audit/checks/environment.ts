/** The environment's key: the role may decrypt this function's environment, no other function's. */
import type { Check } from "./check";
import { arnIn, functionAsks, otherFunctions, type AuditWorld } from "./context";
import { keyOf, type FunctionSubject } from "../subjects";

export function environmentChecks(subject: FunctionSubject, world: AuditWorld): Check[] {
  if (!subject.environmentKeyArn) return [];
  const key = keyOf(subject.stack, subject.references, subject.environmentKeyArn);
  const other = otherFunctions(subject, world)[0]?.functionName ?? "other-function";
  const ask = functionAsks(subject);
  const decrypt = (describe: string, expected: Check["expected"], functionArn: string) =>
    ask(describe, expected, "kms:Decrypt", key.arn, {
      context: {
        "kms:CallerAccount": subject.target.accountId,
        "kms:EncryptionContext:aws:lambda:FunctionArn": functionArn,
      },
      resourcePolicy: key.policy,
    });
  return [
    decrypt("kms:Decrypt of own environment", "allowed", subject.functionArn),
    decrypt(
      `kms:Decrypt of another function's environment (${other})`,
      "denied",
      arnIn(subject, "lambda", `function:${other}`),
    ),
  ];
}
