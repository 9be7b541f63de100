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

/** Renders statements as a policy document; tokens inside become Terraform interpolations. */
export function renderPolicy(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
