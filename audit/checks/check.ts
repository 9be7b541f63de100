import type { NamedPolicy, PolicyDocument } from "../subjects";

/** What a request must come to. */
export type Expectation = "allowed" | "denied";

/** One concrete request, as the engine evaluates it. */
export interface AuditRequest {
  /** ARN of the calling principal, or a service principal (`lambda.amazonaws.com`). */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Account that owns `resource`. */
  readonly resourceAccount: string;
  /** Request context keys (`kms:ViaService`, `kms:EncryptionContext:PARAMETER_ARN`, ...). */
  readonly context: Readonly<Record<string, string | string[]>>;
}

/** A request, what it must come to, and the policies that decide it. */
export interface Check {
  /** The row's text: what is asked, by whom, on what. */
  readonly describe: string;
  readonly expected: Expectation;
  readonly request: AuditRequest;
  /** The caller's identity policies (the role's inline policies for the function's calls). */
  readonly identityPolicies: readonly NamedPolicy[];
  /** The resource's own policy: a key policy, a trust policy, a function's resource policy. */
  readonly resourcePolicy?: PolicyDocument;
  /**
   * The result when it is decided by configuration before any policy (a function URL with
   * `authorization_type = "NONE"` takes unsigned requests): the engine is not asked.
   */
  readonly decided?: Expectation;
}
