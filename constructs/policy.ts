/** A statement of an IAM or KMS key policy, in the JSON shape AWS reads. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Readonly<Record<string, string | string[]>>;
  readonly Action: string[];
  /** Absent only in a trust policy, whose resource is the role itself. */
  readonly Resource?: string[] | string;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | string[]>>>>;
}

/**
 * A statement {@link ExecutionRole.addStatement} adds to the role's inline policy: the fields of
 * an IAM statement, named as jsii names them in every language (`sid`, `actions`).
 */
export interface PolicyStatementProps {
  /** Id of the statement, unique within the policy. */
  readonly sid: string;
  /**
   * `Allow` or `Deny`.
   *
   * @default "Allow"
   */
  readonly effect?: string;
  /** The actions, e.g. `["s3:GetObject"]`. */
  readonly actions: string[];
  /** The resources' ARNs. */
  readonly resources: string[];
  /**
   * Conditions, by operator and key: `{ StringEquals: { "aws:SourceAccount": ["123456789012"] } }`.
   *
   * @default - none
   */
  readonly condition?: Record<string, Record<string, string[]>>;
}

/** The statement in the JSON shape AWS reads. */
export function policyStatementOf(props: PolicyStatementProps): PolicyStatement {
  return {
    Sid: props.sid,
    Effect: props.effect === "Deny" ? "Deny" : "Allow",
    Action: props.actions,
    Resource: props.resources,
    ...(props.condition === undefined ? {} : { Condition: props.condition }),
  };
}

/** Renders statements as a policy document; tokens inside become Terraform interpolations. */
export function renderPolicy(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
