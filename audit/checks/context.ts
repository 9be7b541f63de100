import type { FunctionSubject } from "../subjects";

/** What a check set may know besides its own function: the other functions audited with it. */
export interface AuditWorld {
  /** Every function audited in this run, in every stack. */
  readonly functions: readonly FunctionSubject[];
}

/** How many other functions a function is probed against: enough to catch a shared grant, bounded for large apps. */
const MAX_OTHER_FUNCTIONS = 8;

/**
 * The other functions of the run, same stack first, each as it would be in this function's
 * account and region: a dev and a stg function in one account must not read each other's secrets.
 */
export function otherFunctions(subject: FunctionSubject, world: AuditWorld): FunctionSubject[] {
  const others = world.functions.filter((other) => other !== subject && other.functionName !== subject.functionName);
  const sameStack = others.filter((other) => other.target.stack === subject.target.stack);
  const elsewhere = others.filter((other) => other.target.stack !== subject.target.stack);
  return [...sameStack, ...elsewhere].slice(0, MAX_OTHER_FUNCTIONS);
}

/** An ARN of `service` in the subject's account and region. */
export function arnIn(subject: FunctionSubject, service: string, resource: string): string {
  const { partition, region, accountId } = subject.target;
  return `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
}

/** The SSM parameter ARN of a name, in the subject's account and region. */
export function parameterArn(subject: FunctionSubject, name: string): string {
  return arnIn(subject, "ssm", `parameter${name.startsWith("/") ? "" : "/"}${name}`);
}

/** `kms:ViaService` for a service in the subject's region. */
export function viaService(subject: FunctionSubject, service: string): string {
  return `${service}.${subject.target.region}.${subject.target.dnsSuffix}`;
}
