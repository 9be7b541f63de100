/**
 * The workaround for a known limit of the policy engine.
 *
 * AWS KMS names encryption-context condition keys `kms:EncryptionContext:<context key>`
 * (`kms:EncryptionContext:PARAMETER_ARN` for SSM, `...:aws:logs:arn` for CloudWatch Logs).
 * `@cloud-copilot/iam-simulate` 0.1.173 only understands variable condition keys written
 * with a `/` (`aws:PrincipalTag/x`): it drops `kms:EncryptionContext:*` from the request as
 * "not applicable" and then evaluates the condition as if the key were absent. Our
 * policies would then look wrong the other way round (even the function's own decrypt
 * denied), and a missing condition could never be told from a present one.
 *
 * So, in the policies and in the requests alike, each `kms:EncryptionContext:<key>` is
 * renamed to a stand-in key the engine evaluates as a plain string: the condition is kept
 * with its operator and values, only its name changes. A test proves that a wrong ARN is
 * still denied under the stand-in, and another fails as soon as the engine learns the real
 * keys, so this file can be deleted then.
 */

const ENCRYPTION_CONTEXT_KEY = /^kms:EncryptionContext:(.+)$/i;

/** The prefix that stands in for `kms:EncryptionContext:` (a global `/`-style key). */
export const STAND_IN_PREFIX = "aws:PrincipalTag/kms:EncryptionContext:";

/** The stand-in name of a condition key: itself, unless it is `kms:EncryptionContext:<key>`. */
export function standInKey(key: string): string {
  const match = ENCRYPTION_CONTEXT_KEY.exec(key);
  return match ? `${STAND_IN_PREFIX}${match[1]}` : key;
}

/** Request context with encryption-context keys renamed to their stand-ins. */
export function standInContext(
  context: Readonly<Record<string, string | string[]>>,
): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(context).map(([key, value]) => [standInKey(key), value]));
}

/** A copy of a policy document with encryption-context condition keys renamed; nothing else changes. */
export function standInPolicy<T>(policy: T): T {
  const document = policy as { Statement?: unknown };
  const statements = Array.isArray(document.Statement)
    ? document.Statement
    : document.Statement === undefined
      ? undefined
      : [document.Statement];
  if (!statements) return policy;
  const renamed = statements.map((statement) => {
    const condition = (statement as { Condition?: Record<string, Record<string, unknown>> }).Condition;
    if (typeof condition !== "object" || condition === null) return statement;
    const renamedCondition = Object.fromEntries(
      Object.entries(condition).map(([operator, keys]) => [
        operator,
        Object.fromEntries(Object.entries(keys).map(([key, value]) => [standInKey(key), value])),
      ]),
    );
    return { ...(statement as object), Condition: renamedCondition };
  });
  return { ...(policy as object), Statement: Array.isArray(document.Statement) ? renamed : renamed[0] } as T;
}
