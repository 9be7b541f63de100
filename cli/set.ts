import { GetParameterCommand, PutParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { PLACEHOLDER_VALUE } from "../constructs/naming";
import { describeAwsError } from "./aws-errors";
import { CliError, EXIT } from "./errors";
import type { SecretTarget } from "./targets";

// The standard tier's limit; a longer value would silently need the paid advanced tier.
const MAX_VALUE_BYTES = 4096;

/**
 * Writes a secret's real value and returns the parameter's new version.
 * The parameter must exist (Terraform creates it): writing one that does not would create
 * it outside Terraform, and the next deploy would fail on it.
 */
export async function setSecret(ssm: SSMClient, target: SecretTarget, value: string): Promise<number> {
  checkValue(target, value);
  try {
    await ssm.send(new GetParameterCommand({ Name: target.parameterName, WithDecryption: false }));
  } catch (error) {
    throw describeAwsError(error, target.parameterName);
  }
  try {
    const result = await ssm.send(
      new PutParameterCommand({ Name: target.parameterName, Value: value, Type: "SecureString", KeyId: target.keyAlias, Overwrite: true }),
    );
    return result.Version ?? 0;
  } catch (error) {
    throw describeAwsError(error, target.parameterName, value);
  }
}

function checkValue(target: SecretTarget, value: string): void {
  if (value.trim() === "") throw new CliError(`refusing an empty value for ${target.parameterName}`, EXIT.usage);
  if (value === PLACEHOLDER_VALUE) throw new CliError(`refusing the placeholder as the value of ${target.parameterName}: give the real secret`, EXIT.usage);
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_VALUE_BYTES) {
    throw new CliError(`the value for ${target.parameterName} is ${bytes} bytes; a standard SSM parameter holds at most ${MAX_VALUE_BYTES}`, EXIT.usage);
  }
}
