import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { describeAwsError } from "./aws-errors";
import type { AwsSettings } from "./aws-settings";
import { CliError, EXIT, shownArgument } from "./errors";

/**
 * Refuses, before anything is written, credentials of an account the stack's provider
 * excludes: `allowed_account_ids` guards Terraform's applies, and the CLI keeps the same
 * promise for its own writes (dev credentials never write prod's secrets). Asks STS who the
 * credentials are only when the stack names accounts.
 */
export async function guardAccount(settings: AwsSettings, sts: STSClient): Promise<void> {
  const { allowedAccountIds: allowed, forbiddenAccountIds: forbidden } = settings;
  if (allowed.length === 0 && forbidden.length === 0) return;
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
  if (forbidden.includes(account)) {
    throw new CliError(
      `the credentials are of account ${account}, which stack ${stack} must never be written in (its provider's forbidden_account_ids): nothing was written`,
      EXIT.notReady,
    );
  }
}
