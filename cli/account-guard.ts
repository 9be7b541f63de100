import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { describeAwsError } from "./aws-errors";
import type { AwsSettings } from "./aws-settings";
import { CliError, EXIT, shownArgument } from "./errors";
import { printable } from "./printable";
import { parseArn } from "./record-check";

/**
 * Refuses, before anything is written, credentials of an account the stack's provider
 * excludes: `allowed_account_ids` guards Terraform's applies, and the CLI keeps the same
 * promise for its own writes (dev credentials never write prod's secrets). Asks STS who the
 * credentials are only when the stack names accounts.
 */
export async function guardAccount(
  settings: AwsSettings,
  sts: STSClient,
  /** Parameters and secrets the record names by ARN: each must be in the credentials' own account. */
  arns: readonly string[] = [],
): Promise<void> {
  const { allowedAccountIds: allowed, forbiddenAccountIds: forbidden } = settings;
  if (allowed.length === 0 && forbidden.length === 0 && arns.length === 0) return;
  let account: string | undefined;
  try {
    account = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch (error) {
    throw describeAwsError(error, "the account of the credentials (sts:GetCallerIdentity)", { store: "sts" });
  }
  const stack = shownArgument(settings.stack);
  if (account === undefined)
    throw new CliError(`STS named no account for the credentials; refusing to write stack ${stack}`, EXIT.notReady);
  if (allowed.length > 0 && !allowed.includes(account)) {
    throw new CliError(
      `the credentials are of account ${account}, but stack ${stack} may be written only in ${allowed.join(", ")} (its provider's allowed_account_ids): ` +
        `nothing was written; use credentials of ${allowed.join(" or ")}`,
      EXIT.notReady,
    );
  }
  // Terraform creates every resource of the stack in the credentials' account: an ARN elsewhere is none of them.
  const elsewhere = arns.find((arn) => parseArn(arn)?.account !== account);
  if (elsewhere !== undefined) {
    throw new CliError(
      `stack ${stack} names ${printable(elsewhere)}, which is not in account ${account} of the credentials, where the stack deploys: nothing was written`,
      EXIT.notReady,
    );
  }
  if (forbidden.includes(account)) {
    throw new CliError(
      `the credentials are of account ${account}, which stack ${stack} must never be written in (its provider's forbidden_account_ids): nothing was written`,
      EXIT.notReady,
    );
  }
}
