import type { SecretStore } from "../common/naming";
import { accessDeniedBy, awsErrorCode } from "../lambda-src/secrets/classify-error";
import { CliError, EXIT } from "./errors";

/** The services the CLI calls: the two stores, and STS for the account guard. */
export type CalledService = SecretStore | "sts";

/** How {@link describeAwsError} reports an error. */
export interface AwsErrorOptions {
  /** The service the call went to: names the one whose permission or key is at fault. @default "ssm" */
  readonly store?: CalledService;
  /** Secret texts to cut out of the message: the value being written, and whatever it travels with. @default none */
  readonly redact?: readonly string[];
}

const SERVICE: Record<CalledService, string> = { ssm: "SSM", secretsmanager: "Secrets Manager", sts: "STS" };
const THING: Record<CalledService, string> = { ssm: "parameter", secretsmanager: "secret", sts: "call" };
// The code each service answers with when the parameter or secret does not exist.
const NOT_FOUND: Record<CalledService, string> = {
  ssm: "ParameterNotFound",
  secretsmanager: "ResourceNotFoundException",
  sts: "",
};

/**
 * Turns an SDK error into a one-line CLI error naming the parameter or secret (`subject`).
 * AWS validation messages can quote the request ("Value '...' at 'value' failed ..."), so
 * any text that contains a secret is replaced before it is shown.
 */
export function describeAwsError(error: unknown, subject: string, options: AwsErrorOptions = {}): CliError {
  const store = options.store ?? "ssm";
  const name = awsErrorCode(error);
  const message = redact(String((error as { message?: unknown })?.message ?? error), options.redact ?? []);
  if (name === "CredentialsProviderError") {
    return new CliError(
      `no AWS credentials to reach ${subject} (${message}). Provide them as for the AWS CLI: AWS_PROFILE=<profile> naming a profile in ~/.aws/config ` +
        "(IAM Identity Center / SSO: run `aws sso login --profile <profile>` first), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN for temporary ones)",
      EXIT.noCredentials,
    );
  }
  if (name === NOT_FOUND[store]) {
    return new CliError(`${subject} does not exist: deploy the stack first (npx cdktf deploy <stack>)`, EXIT.notReady);
  }
  switch (accessDeniedBy(error)) {
    case "iam":
      return new CliError(
        `access denied by IAM for ${subject}: your credentials lack the ${SERVICE[store]} permission (${message})`,
        EXIT.notReady,
      );
    case "kms":
      return new CliError(
        `KMS refused ${subject} (${name}): your credentials may not use the ${THING[store]}'s key (${message})`,
        EXIT.notReady,
      );
    default:
      return new CliError(`${name} for ${subject}: ${message}`, EXIT.notReady);
  }
}

/**
 * Replaces every secret text, as written and as it appears inside JSON (escaped), with
 * `<redacted>`; longest first, so a whole JSON document goes before the values inside it.
 */
export function redact(message: string, secrets: readonly string[]): string {
  const forms = secrets
    .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)])
    .filter((form) => form !== "");
  forms.sort((a, b) => b.length - a.length);
  return forms.reduce((text, form) => text.split(form).join("<redacted>"), message);
}
