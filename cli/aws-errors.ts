import { accessDeniedBy } from "../lambda-src/secrets/classify-error";
import { CliError, EXIT } from "./errors";

/**
 * Turns an SDK error into a one-line CLI error naming the parameter. AWS validation
 * messages can quote the request ("Value '...' at 'value' failed ..."), so any text that
 * contains the secret is replaced before it is shown.
 */
export function describeAwsError(error: unknown, parameterName: string, secretValue?: string): CliError {
  const name = (error as { name?: string })?.name ?? "Error";
  let message = String((error as { message?: string })?.message ?? error);
  if (secretValue) message = message.split(secretValue).join("<redacted>");
  if (name === "ParameterNotFound") {
    return new CliError(`${parameterName} does not exist: deploy the stack first (npx cdktf deploy <env>)`, EXIT.notReady);
  }
  switch (accessDeniedBy(error)) {
    case "iam":
      return new CliError(`access denied by IAM for ${parameterName}: your credentials lack the SSM permission (${message})`, EXIT.notReady);
    case "kms":
      return new CliError(`KMS refused ${parameterName} (${name}): your credentials may not use the parameter's key (${message})`, EXIT.notReady);
    default:
      return new CliError(`${name} for ${parameterName}: ${message}`, EXIT.notReady);
  }
}
