/** The public props of SecureLambda and the types and values they take. */
import type { DeadLetterTargetOption } from "./dead-letter-target";
import type { ExternalSecret } from "./external-secrets";
import type { FunctionCode } from "./function-code";
import type { FunctionSchedule } from "./schedule-trigger";
import type { ISecretsKey } from "./secrets-key";
import type { SecretRotation } from "./secrets-manager-secret";
import type { VpcPlacement } from "./vpc-placement";

/** Instruction set architectures Lambda offers. */
export const SUPPORTED_ARCHITECTURES = ["arm64", "x86_64"] as const;

/**
 * The instruction sets Lambda offers, as constants (`architecture: LambdaArchitecture.X86_64`).
 * The prop is a plain string, so `architecture: "x86_64"` works as well; synth refuses any other.
 */
export class LambdaArchitecture {
  /** AWS Graviton (the default). */
  static readonly ARM_64: string = "arm64";
  /** 64-bit x86. */
  static readonly X86_64: string = "x86_64";

  private constructor() {}
}

/** The retention periods CloudWatch Logs accepts; 0 keeps log events forever. */
export const LOG_RETENTION_DAYS = [
  0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Properties of a {@link SecureLambda}. */
export interface SecureLambdaProps {
  /**
   * Name of the Lambda function.
   *
   * It also names the function's role, its log group (`/aws/lambda/<functionName>`) and, by
   * default, its key alias (`alias/<functionName>`) and its parameters (`/<functionName>/...`).
   */
  readonly functionName: string;
  /**
   * Name of the execution role.
   *
   * IAM names are global to the account, function names regional: set this when the same
   * function name runs in several regions of one account.
   *
   * @default - the function name
   */
  readonly roleName?: string;
  /**
   * Path of the handler's TypeScript or JavaScript file, bundled with esbuild at synth time
   * for a Node.js runtime.
   *
   * Pass an absolute path (`path.join(__dirname, "src/handler.ts")`): a relative one resolves
   * against the working directory synth runs in. Exactly one of `entry` and `code`.
   *
   * @default - none: `code` is given instead
   */
  readonly entry?: string;
  /**
   * Code built elsewhere, for any runtime: `{ directory }`, zipped at synth, or `{ zipFile }`,
   * deployed as it is.
   *
   * The same files give the same zip, byte for byte, so an unchanged build deploys nothing.
   * Exactly one of `entry` and `code`. Build into the directory only what the function needs:
   * the secret-leak guard reads every file of the zip.
   *
   * @example { directory: path.join(__dirname, "build", "notifier") } // holds `bootstrap` (Go)
   * @default - none: `entry` is given instead
   */
  readonly code?: FunctionCode;
  /**
   * The handler.
   *
   * With `entry`, the name of the function `entry` exports; with `code`, the handler as Lambda
   * reads it for the runtime (`app.handler` for Python, `example.Handler::handleRequest` for
   * Java, `index.handler` for Node.js).
   *
   * @default - "handler" with `entry`; "bootstrap" for `provided.al2023`; required otherwise
   */
  readonly handler?: string;
  /**
   * Names of the secrets the function reads, e.g. `github_token`.
   *
   * With store `"ssm"`, one SecureString parameter `<parameterPrefix>/<secret>` each; with
   * `"secretsmanager"`, one key each of the JSON of the secret `<functionName>/secrets`. The
   * values are never here: they are set out of band (`npx --no secure-lambda set`).
   *
   * @default - no secrets
   */
  readonly secrets?: string[];
  /**
   * Path under which the secrets' parameters live: `<parameterPrefix>/<secret>`.
   *
   * Store `"ssm"` only.
   *
   * @default "/<functionName>"
   */
  readonly parameterPrefix?: string;
  /**
   * Plain, non-secret environment variables.
   *
   * Never put a secret here: GetFunction shows every variable in clear text, and the
   * secret-leak guard refuses a value that looks like one.
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Lambda runtime: one of {@link LambdaRuntime}'s constants (`LambdaRuntime.NODEJS_24_X`), or its text.
   *
   * With `entry`, a Node.js runtime, whose version the bundle targets; with `code`, any of them
   * (`python3.13`, `java21`, `dotnet10`, `ruby3.4`, `provided.al2023` for Go and Rust).
   * Runtimes Lambda has deprecated are refused.
   *
   * @default "nodejs22.x"
   */
  readonly runtime?: string;
  /**
   * Instruction set of the function: `LambdaArchitecture.ARM_64` or `LambdaArchitecture.X86_64`, or its text.
   *
   * @default "arm64"
   */
  readonly architecture?: string;
  /**
   * Memory of the function, in MB: 128 to 10240.
   *
   * CPU grows with it. A Terraform variable is left to Terraform to check.
   *
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Timeout of one invocation, in seconds: 1 to 900.
   *
   * The runtime loader's budget for reading the secrets is derived from it. A Terraform
   * variable is left to Terraform to check.
   *
   * @default 10
   */
  readonly timeout?: number;
  /**
   * Days CloudWatch keeps the function's logs: a value CloudWatch accepts, 0 to keep them forever.
   *
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * A key to encrypt the secrets, the environment and the logs with, instead of creating one.
   *
   * A `SecretsKey` shared with other functions, or `SecretsKey.fromKeyArn(...)` for a key
   * managed elsewhere (whose key policy is then its owner's).
   *
   * @default - a new key with rotation on and alias `alias/<functionName>`
   */
  readonly kmsKey?: ISecretsKey;
  /**
   * Minify the bundle.
   *
   * `entry` only: `code` is deployed as it was built, and `minify` with it is refused.
   *
   * @default true
   */
  readonly minify?: boolean;
  /**
   * Protect the secrets from deletion.
   *
   * `prevent_destroy` on the parameters (store `"ssm"`), or on the Secrets Manager secret and
   * its placeholder version with a 30-day recovery window (store `"secretsmanager"`), and on a
   * key this construct creates. A `kmsKey` passed in must be protected too.
   *
   * @default false
   */
  readonly protect?: boolean;
  /**
   * Environment variables that may hold a literal the secret-leak guard would refuse, each with
   * the reason it is not a secret.
   *
   * For a value that only looks like one: a public key, a commit id. The reason is kept in the
   * stack's metadata and printed by `npm run audit`.
   *
   * @default - none
   */
  readonly allowLiteralEnvironment?: Record<string, string>;
  /**
   * Description of the function.
   *
   * @default - none
   */
  readonly description?: string;
  /**
   * Trace invocations with X-Ray (`tracing_config { mode = "Active" }`), and let the role send
   * the traces.
   *
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * Concurrent executions reserved for the function, a whole number.
   *
   * 0 stops the function from running at all.
   *
   * @default - no reservation: the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Where asynchronous events go after their last failed attempt.
   *
   * `true` creates an SQS queue `<functionName>-dlq`; `{ targetArn }` names an existing SQS
   * queue or SNS topic (a target encrypted with a customer-managed key needs a key policy that
   * lets the role use that key). The role may send to that target and nothing else.
   *
   * @default false - failed events are dropped
   */
  readonly deadLetterTarget?: DeadLetterTargetOption;
  /**
   * The earlier name of {@link deadLetterTarget}, which takes an SNS topic too.
   *
   * @deprecated use `deadLetterTarget`; giving both is refused
   */
  readonly deadLetterQueue?: DeadLetterTargetOption;
  /**
   * Give the function an HTTPS URL that callers must sign (`AWS_IAM`).
   *
   * A public URL (`NONE`) is never offered: anyone could run a function that holds secrets.
   *
   * @default false
   */
  readonly functionUrl?: boolean;
  /**
   * ARN of a Lambda code-signing config, so that Lambda refuses code AWS Signer has not signed.
   *
   * The code must then be a signed artifact uploaded through S3.
   *
   * @default - none
   */
  readonly codeSigningConfigArn?: string;
  /**
   * Where the secrets live.
   *
   * `"ssm"`: one SecureString parameter per secret. `"secretsmanager"`: one Secrets Manager
   * secret `<functionName>/secrets` holding a JSON key per secret, for rotation or a
   * compliance rule that requires Secrets Manager.
   *
   * @default "ssm"
   */
  readonly store?: string;
  /**
   * Rotate the Secrets Manager secret with your rotation function.
   *
   * Store `"secretsmanager"` only.
   *
   * @default - no rotation
   */
  readonly rotation?: SecretRotation;
  /**
   * The tier of the SSM parameters: `"Standard"` or `"Advanced"` (`ParameterTier`).
   *
   * Only advanced parameters can be shared with another account (through AWS RAM), which
   * `grantSecretsRead` does for a reader of another account; they are charged per parameter
   * and month (docs/terraform.md), so the choice is yours to make here. Store `"ssm"` only.
   *
   * @default "Standard"
   */
  readonly parameterTier?: string;
  /**
   * Tags for every resource the construct creates, on top of the provider's default tags.
   *
   * @default - none
   */
  readonly tags?: Record<string, string>;
  /**
   * Subnets and security groups to run the function in.
   *
   * Its security groups and the VPC's routes then decide where it may connect, and its role
   * gets only the network-interface permissions Lambda needs. The subnets need a way to SSM
   * (or Secrets Manager), KMS, CloudWatch Logs and X-Ray: `SecretsEndpoints`, or a NAT gateway.
   *
   * @default - not in a VPC: Lambda's own network, with internet access
   */
  readonly vpc?: VpcPlacement;
  /**
   * Run the function on a schedule, with EventBridge Scheduler.
   *
   * A schedule group and a schedule named after the function, and a role
   * `<roleName>-schedule` that only Scheduler may assume (for this account and group) and
   * that may invoke this function and nothing else.
   *
   * @example { expression: "cron(0 8 ? * MON-FRI *)", timezone: "Europe/Paris" }
   * @default - no schedule
   */
  readonly schedule?: FunctionSchedule;
  /**
   * SNS topics whose messages invoke the function.
   *
   * Per topic, a subscription and a permission for `sns.amazonaws.com` scoped by `source_arn`
   * to that exact topic (wildcards are refused). A topic encrypted with a customer-managed key
   * needs a key policy that lets SNS use the key: that policy is the topic owner's, not this
   * construct's.
   *
   * @default - no topic
   */
  readonly snsTopicArns?: string[];
  /**
   * Secrets the function reads that another account or app owns, by ARN.
   *
   * The role may read exactly each ARN (Secrets Manager: `AWSCURRENT` only) and decrypt with
   * exactly its key, only through the store of the secret's region and only for these
   * secrets (the encryption context). The environment carries each ARN as
   * `<NAME>_SECRET_ARN`; the runtime loader reads it by that name. The owner's side (the
   * secret's resource policy or the parameter's share, and the key policy) is the owner's to write.
   *
   * @example
   * [{
   *   name: "partner_token",
   *   arn: "arn:aws:secretsmanager:eu-west-1:444455556666:secret:partner/token-AbCdEf",
   *   keyArn: "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
   * }]
   * @default - none
   */
  readonly externalSecrets?: ExternalSecret[];
  /**
   * Regions the Secrets Manager secret is replicated to (store `"secretsmanager"` only).
   *
   * Each replica is encrypted with a key of its own region, created here; a value set on the
   * primary is copied to every replica. A function deployed in a replica region reads the
   * replica there.
   *
   * @example ["eu-central-1"]
   * @default - no replica
   */
  readonly replicaRegions?: string[];
}
