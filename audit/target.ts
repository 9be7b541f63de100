/** Where a stack deploys: the account, region and partition the audit resolves ARNs in. */
import { AuditError, type StackJson } from "./terraform-json";

/**
 * The account the audit assumes when an environment names none (no `accountId`, so no
 * `allowed_account_ids`): AWS's documentation example account. Every ARN of the stack
 * is then in this account, which is all the audit needs: it compares ARNs, never calls AWS.
 */
export const STAND_IN_ACCOUNT_ID = "123456789012";
/** Another account, for requests that come from, or go to, outside the stack's account. */
export const OTHER_ACCOUNT_ID = "210987654321";

/** The account, region and partition of a stack's default AWS provider. */
export interface AuditTarget {
  readonly stack: string;
  readonly accountId: string;
  /** True when the environment names no account and {@link STAND_IN_ACCOUNT_ID} stands in. */
  readonly accountIsStandIn: boolean;
  readonly region: string;
  readonly partition: string;
  /** DNS suffix of the partition, for service principals and `kms:ViaService` values. */
  readonly dnsSuffix: string;
}

// The partitions whose regions are named by prefix; every other region is in `aws`.
const PARTITIONS: ReadonlyArray<{ readonly prefix: string; readonly partition: string; readonly dnsSuffix: string }> = [
  { prefix: "cn-", partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" },
  { prefix: "us-gov-", partition: "aws-us-gov", dnsSuffix: "amazonaws.com" },
];

/** Reads the target from the stack's default `aws` provider (the one without an alias). */
export function targetOf(stack: string, json: StackJson): AuditTarget {
  const provider = (json.provider?.aws ?? []).find((p) => p.alias === undefined);
  if (!provider) throw new AuditError(`stack ${stack} has no default aws provider: the audit cannot tell its region`);
  const region = provider.region;
  if (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new AuditError(
      `stack ${stack}: the aws provider's region is ${JSON.stringify(region)}; the audit needs a literal region name`,
    );
  }
  const allowed = provider.allowed_account_ids;
  const accountId =
    Array.isArray(allowed) && allowed.length === 1 && typeof allowed[0] === "string" ? allowed[0] : undefined;
  if (Array.isArray(allowed) && allowed.length > 1) {
    throw new AuditError(
      `stack ${stack}: the aws provider allows ${allowed.length} accounts; the audit evaluates one, so name exactly one`,
    );
  }
  const partition = PARTITIONS.find((p) => region.startsWith(p.prefix)) ?? {
    partition: "aws",
    dnsSuffix: "amazonaws.com",
  };
  return {
    stack,
    accountId: accountId ?? STAND_IN_ACCOUNT_ID,
    accountIsStandIn: accountId === undefined,
    region,
    partition: partition.partition,
    dnsSuffix: partition.dnsSuffix,
  };
}
