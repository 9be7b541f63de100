import { PLACEHOLDER_VALUE } from "../constructs/naming";
import { CliError, EXIT } from "./errors";
import type { Stores } from "./store";
import { targetLabel, type SecretTarget } from "./targets";

/**
 * Writes a secret's real value to its store and returns the new version as the store
 * names it. Refuses, before any call, what can never be a real secret.
 */
export async function setSecret(stores: Stores, target: SecretTarget, value: string): Promise<string> {
  checkValue(target, value);
  return target.store === "ssm" ? stores.ssm.set(target, value) : stores.secretsmanager.set(target, value);
}

function checkValue(target: SecretTarget, value: string): void {
  if (value.trim() === "") throw new CliError(`refusing an empty value for ${targetLabel(target)}`, EXIT.usage);
  if (value === PLACEHOLDER_VALUE) throw new CliError(`refusing the placeholder as the value of ${targetLabel(target)}: give the real secret`, EXIT.usage);
}
