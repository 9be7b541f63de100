/** The shapes the access analysis works with: who asks (a candidate) and what is protected. */
import type { FunctionSubject } from "../subjects";
import type { Identity, PolicySource } from "./app-policies";

/**
 * A principal the analysis asks about: an identity of the app (with its real policies), any
 * principal of an account (its own IAM policies are outside the output, so assumed to allow
 * everything), a named principal outside the app (likewise), a service, a federated provider,
 * or an unsigned caller.
 */
export interface Candidate {
  readonly kind: "identity" | "account" | "outside" | "service" | "federated" | "anonymous";
  /** The request's principal, as the engine takes it (`anonymous` for an unsigned call). */
  readonly principal: string;
  /** The ARN a policy names it by (a role's ARN for its session); the principal otherwise. */
  readonly arn: string;
  readonly accountId?: string;
  readonly identity?: Identity;
  /** How a finding names it. */
  readonly label: string;
}

/** One protected resource of one function. */
export interface Protected {
  readonly kind:
    | "parameter"
    | "secret"
    | "key"
    | "role"
    | "function"
    | "log group"
    | "queue"
    | "topic"
    | "invoking role";
  readonly arn: string;
  /** The resource as the engine is asked about it for each action (a log stream for GetLogEvents). */
  readonly actions: ReadonlyArray<{ readonly action: string; readonly resource: string }>;
  /** Its resource-side policies, each with its Terraform address. */
  readonly policies: readonly PolicySource[];
  /** True when its own policy must allow even a principal of its account (a key policy, a trust policy). */
  readonly policyRequired: boolean;
  /** A URL that takes unsigned requests (`authorization_type` NONE): its address. */
  readonly unsignedUrl?: string;
  readonly owner: FunctionSubject;
  /** The roles the app's schedules of the function (or of a qualified name of it) run as. */
  readonly scheduleRoles: readonly string[];
}
