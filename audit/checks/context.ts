import type { Check, Expectation } from "./check";
import type { FunctionSubject, PolicyDocument } from "../subjects";

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

/** What a request of the function carries besides action and resource. */
export interface AskOptions {
  readonly context?: Check["request"]["context"];
  /** The resource's own policy (a key policy). */
  readonly resourcePolicy?: PolicyDocument;
  /** The account that owns the resource. @default the function's */
  readonly resourceAccount?: string;
}

/** Builds checks of requests the function makes: as its role's session, under its role's policies. */
export function functionAsks(subject: FunctionSubject) {
  return (
    describe: string,
    expected: Expectation,
    action: string,
    resource: string,
    options: AskOptions = {},
  ): Check => ({
    describe,
    expected,
    request: {
      principal: subject.role.sessionArn,
      action,
      resource,
      resourceAccount: options.resourceAccount ?? subject.target.accountId,
      context: options.context ?? {},
    },
    identityPolicies: subject.role.policies,
    resourcePolicy: options.resourcePolicy,
  });
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
