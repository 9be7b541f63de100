/** The public props of SecureLambda, their defaults, and their validation into settings. */
import type { Construct } from "constructs";
import type { DeadLetterQueueOption } from "./dead-letter-target";
import { defaultParameterPrefix, type SecretStore } from "../common/naming";
import type { ISecretsKey } from "./secrets-key";
import type { SecretRotation } from "./secrets-manager-secret";
import { failAt, validateSecureLambdaProps, type CheckedPlacement, type LambdaArchitecture, type LambdaRuntime, type ValidatedProps } from "./validation";
import { isPlainObject } from "../common/values";
import { show } from "../common/show";
import type { VpcPlacement } from "./vpc-placement";

/** Properties of a {@link SecureLambda}. */
export interface SecureLambdaProps {
  /** Name of the Lambda function; also names its role, log group and (by default) key alias and parameters. */
  readonly functionName: string;
  /** Name of the execution role. IAM names are global to the account while function names are regional: set it when the same function name runs in several regions of one account. @default functionName */
  readonly roleName?: string;
  /** Path of the handler's TypeScript or JavaScript file, bundled with esbuild at synth time. Pass an absolute path (`path.join(__dirname, "src/handler.ts")`): a relative one resolves against the working directory synth runs in. */
  readonly entry: string;
  /** Name of the handler function exported by `entry`. @default "handler" */
  readonly handler?: string;
  /**
   * Names of the secrets the function reads, e.g. `github_token`: with store `"ssm"` one
   * SecureString parameter `<parameterPrefix>/<secret>` each; with `"secretsmanager"` one
   * key each of the JSON of the secret `<functionName>/secrets`. @default no secrets
   */
  readonly secrets?: string[];
  /** Path under which the secrets' parameters live: `<parameterPrefix>/<secret>` (store "ssm" only). @default "/<functionName>" */
  readonly parameterPrefix?: string;
  /** Plain, non-secret environment variables. Never put a secret here: GetFunction shows them in clear text. @default none */
  readonly environment?: Record<string, string>;
  /** Lambda runtime; the bundle targets the same Node.js version. @default "nodejs22.x" */
  readonly runtime?: LambdaRuntime;
  /** Instruction set of the function. @default "arm64" */
  readonly architecture?: LambdaArchitecture;
  /** Memory in MB (128 to 10240; a Terraform variable is left to Terraform); CPU grows with it. @default 256 */
  readonly memorySize?: number;
  /** Timeout in seconds (1 to 900; a Terraform variable is left to Terraform). @default 10 */
  readonly timeout?: number;
  /** Days CloudWatch keeps the function's logs (a value CloudWatch accepts; 0 keeps them forever). @default 365 */
  readonly logRetentionDays?: number;
  /**
   * A key to encrypt the secrets (the parameters, or the Secrets Manager secret), the
   * environment and the logs with instead of creating one: a `SecretsKey` shared with other
   * functions, or `SecretsKey.fromKeyArn(...)` for a key managed elsewhere.
   * @default a new key with alias `alias/<functionName>`
   */
  readonly kmsKey?: ISecretsKey;
  /** Minify the bundle. @default true */
  readonly minify?: boolean;
  /**
   * Protect the secrets from deletion: `prevent_destroy` on the parameters (store "ssm"), or
   * on the Secrets Manager secret and its placeholder version with a 30-day recovery window
   * (store "secretsmanager"), and on a key this construct creates (a `kmsKey` passed in must
   * be protected too). @default false
   */
  readonly protect?: boolean;
  /**
   * Environment variables that may hold a literal the secret-leak guard would refuse
   * (a public key, a commit id), each with the reason it is not a secret. @default none
   */
  readonly allowLiteralEnvironment?: Record<string, string>;
  /** Description of the function. @default none */
  readonly description?: string;
  /** Trace invocations with X-Ray (`tracing_config { mode = "Active" }`), and let the role send the traces. @default true */
  readonly tracing?: boolean;
  /** Concurrent executions reserved for the function, a whole number; 0 stops the function from running at all. @default no reservation (the account's unreserved pool) */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Where asynchronous events go after their last failed attempt: `true` creates an SQS queue
   * `<functionName>-dlq`; `{ targetArn }` names an existing SQS queue or SNS topic (a target
   * encrypted with a customer-managed key needs a key policy that lets the role use that key).
   * The role may send to that target and nothing else. @default false (failed events are dropped)
   */
  readonly deadLetterQueue?: DeadLetterQueueOption;
  /** Give the function an HTTPS URL; callers must sign requests (`AWS_IAM`): a public URL is never offered. @default false */
  readonly functionUrl?: boolean;
  /** ARN of a Lambda code-signing config, so Lambda refuses code not signed by AWS Signer (the code must then be a signed artifact uploaded through S3). @default none */
  readonly codeSigningConfigArn?: string;
  /**
   * Where the secrets live: `"ssm"`, one SecureString parameter per secret; or
   * `"secretsmanager"`, one Secrets Manager secret `<functionName>/secrets` holding a JSON
   * key per secret (for rotation or compliance that requires Secrets Manager). @default "ssm"
   */
  readonly store?: SecretStore;
  /** Rotate the Secrets Manager secret with your rotation function (store "secretsmanager" only). @default no rotation */
  readonly rotation?: SecretRotation;
  /** Tags for every resource the construct creates (on top of the provider's default tags). @default none */
  readonly tags?: Record<string, string>;
  /**
   * Subnets and security groups to run the function in: its security groups and the VPC's
   * routes then decide where it may connect, and its role gets only the network-interface
   * permissions Lambda needs. The subnets need a way to SSM (or Secrets Manager), KMS, CloudWatch
   * Logs and X-Ray: `SecretsEndpoints`, or a NAT gateway. @default not in a VPC (Lambda's own network, with internet access)
   */
  readonly vpc?: VpcPlacement;
}

/** The props with defaults applied, and what their checks worked out. */
export interface Settings extends ValidatedProps, CheckedPlacement {
  readonly secrets: string[];
  readonly runtime: LambdaRuntime;
  readonly architecture: LambdaArchitecture;
  readonly environment: Record<string, string>;
  readonly minify: boolean;
  readonly protect: boolean;
  readonly tracing: boolean;
  readonly functionUrl: boolean;
  readonly reservedConcurrentExecutions?: number;
  readonly codeSigningConfigArn?: string;
  readonly store: SecretStore;
}

/**
 * The props with defaults applied, validated in one pass before anything is made: bad input
 * ends here, as a SecureLambdaValidationError.
 */
export function resolveSettings(scope: Construct, props: SecureLambdaProps): Settings {
  if (!isPlainObject(props)) failAt(scope.node.path)("props", `${show(props)}: allowed is an object with at least functionName and entry`);
  const defaults = {
    functionName: props.functionName,
    roleName: props.roleName ?? props.functionName,
    entry: props.entry,
    handler: props.handler ?? "handler",
    secrets: props.secrets ?? [],
    parameterPrefix: props.parameterPrefix ?? defaultParameterPrefix(props.functionName),
    parameterPrefixIsDefault: props.parameterPrefix === undefined,
    environment: props.environment ?? {},
    runtime: props.runtime ?? "nodejs22.x",
    architecture: props.architecture ?? "arm64",
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? 10,
    logRetentionDays: props.logRetentionDays ?? 365,
    description: props.description,
    tags: props.tags,
    minify: props.minify ?? true,
    protect: props.protect === true,
    tracing: props.tracing ?? true,
    functionUrl: props.functionUrl ?? false,
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    codeSigningConfigArn: props.codeSigningConfigArn,
    store: props.store ?? "ssm",
  };
  return { ...defaults, ...validateSecureLambdaProps(scope, props, defaults) };
}
