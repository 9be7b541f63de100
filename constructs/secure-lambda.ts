import * as path from "node:path";
import { Construct } from "constructs";
import { awsContext } from "./aws-context";
import { bundleArchive } from "./bundle-archive";
import { bundle, BundlingError } from "./bundling";
import { SecureLambdaValidationError } from "./errors";
import { ExecutionRole } from "./execution-role";
import { defaultParameterPrefix, logGroupName, parameterName, paramNameEnvVar, PLACEHOLDER_VALUE } from "./naming";
import { SecretsKey } from "./secrets-key";
import { CloudwatchLogGroup, IamRole, LambdaFunction, SsmParameter, type TerraformResourceLifecycle } from "./tf";
import { SecretLeakGuard } from "./leak-guard";
import { failAt, validateProps, type LambdaArchitecture, type LambdaRuntime, type ValidatedProps } from "./validation";

/** Properties of a {@link SecureLambda}. */
export interface SecureLambdaProps {
  /** Name of the Lambda function; also names its role, log group and (by default) key alias and parameters. */
  readonly functionName: string;
  /** Path of the handler's TypeScript file, bundled with esbuild at synth time (relative paths resolve from the working directory). */
  readonly entry: string;
  /** Name of the handler function exported by `entry`. @default "handler" */
  readonly handler?: string;
  /** Names of the secrets the function reads, e.g. `github_token`; one SecureString parameter each. @default no secrets */
  readonly secrets?: string[];
  /** Path under which the secrets' parameters live: `<parameterPrefix>/<secret>`. @default "/<functionName>" */
  readonly parameterPrefix?: string;
  /** Plain, non-secret environment variables. Never put a secret here: GetFunction shows them in clear text. @default none */
  readonly environment?: Record<string, string>;
  /** Lambda runtime; the bundle targets the same Node.js version. @default "nodejs22.x" */
  readonly runtime?: LambdaRuntime;
  /** Instruction set of the function. @default "arm64" */
  readonly architecture?: LambdaArchitecture;
  /** Memory in MB (128 to 10240); CPU grows with it. @default 256 */
  readonly memorySize?: number;
  /** Timeout in seconds (1 to 900). @default 10 */
  readonly timeout?: number;
  /** Days CloudWatch keeps the function's logs (a value CloudWatch accepts; 0 keeps them forever). @default 365 */
  readonly logRetentionDays?: number;
  /** An existing key to encrypt the parameters and logs with, shared with other functions. @default a new key with alias `alias/<functionName>` */
  readonly kmsKey?: SecretsKey;
  /** Minify the bundle. @default true */
  readonly minify?: boolean;
  /** Protect the secrets from deletion: `prevent_destroy` on the parameters and on a key this construct creates (a `kmsKey` passed in must be protected too). @default false */
  readonly protect?: boolean;
  /**
   * Environment variables that may hold a literal the secret-leak guard would refuse
   * (a public key, a commit id), each with the reason it is not a secret. @default none
   */
  readonly allowLiteralEnvironment?: Record<string, string>;
  /** Description of the function. @default none */
  readonly description?: string;
  /** Tags for every resource the construct creates (on top of the provider's default tags). @default none */
  readonly tags?: Record<string, string>;
}

const NODE_TARGET: Record<LambdaRuntime, string> = { "nodejs20.x": "node20", "nodejs22.x": "node22", "nodejs24.x": "node24" };

interface Settings extends ValidatedProps {
  readonly secrets: string[];
  readonly runtime: LambdaRuntime;
  readonly architecture: LambdaArchitecture;
  readonly environment: Record<string, string>;
}

/** The props with defaults applied, validated: bad input ends here, as a SecureLambdaValidationError. */
function settingsOf(path: string, props: SecureLambdaProps): Settings {
  const fail = failAt(path);
  if (typeof props !== "object" || props === null) fail("props", `${String(props)}: allowed is an object with at least functionName and entry`);
  const settings: Settings = {
    functionName: props.functionName,
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
  };
  validateProps(path, settings);
  for (const prop of ["minify", "protect"] as const) {
    if (props[prop] !== undefined && typeof props[prop] !== "boolean") fail(prop, `${JSON.stringify(props[prop])}: allowed are true and false`);
  }
  if (props.kmsKey !== undefined && !(props.kmsKey instanceof SecretsKey)) fail("kmsKey", "allowed is a SecretsKey construct");
  if (props.protect && props.kmsKey && !props.kmsKey.preventDestroy) {
    fail("kmsKey", `${props.kmsKey.node.path} is not protected, but this function is: deleting the key would make its protected parameters unreadable; create the key with preventDestroy: true`);
  }
  checkAllowLiteralEnvironment(fail, props.allowLiteralEnvironment, settings.environment);
  return settings;
}

function checkAllowLiteralEnvironment(fail: ReturnType<typeof failAt>, allowed: unknown, environment: Record<string, string>): void {
  if (allowed === undefined) return;
  if (typeof allowed !== "object" || allowed === null || Array.isArray(allowed)) {
    fail("allowLiteralEnvironment", "allowed is an object of variable names to the reason each is not a secret");
  }
  for (const [variable, reason] of Object.entries(allowed as Record<string, unknown>)) {
    if (!(variable in environment)) fail("allowLiteralEnvironment", `${JSON.stringify(variable)} is not a variable of "environment"`);
    if (typeof reason !== "string" || reason.trim() === "") {
      fail("allowLiteralEnvironment", `${JSON.stringify(variable)} needs a reason: say why its value is not a secret`);
    }
  }
}

/**
 * A Lambda function that gets its secrets the safe way.
 *
 * Each secret is an SSM SecureString parameter, encrypted with a customer-managed KMS
 * key, created with a placeholder that Terraform never reads back or resets: the real
 * value is set out of band, so it is never in source, plan, state or `cdktf.out/`.
 * The function's environment holds only the parameter names; its role may read exactly
 * those parameters and decrypt them only through SSM.
 *
 * Bad props fail in the constructor with {@link SecureLambdaValidationError}, and the
 * stack it is in runs the secret-leak guard at synth time ({@link SecretLeakGuard}).
 */
export class SecureLambda extends Construct {
  /** The Lambda function. */
  readonly function: LambdaFunction;
  /** The function's execution role. */
  readonly role: IamRole;
  /** The role and its inline policy, for adding grants. */
  readonly executionRole: ExecutionRole;
  /** The key that encrypts the parameters and the logs (created here or passed as `kmsKey`). */
  readonly key: SecretsKey;
  /** The function's log group, `/aws/lambda/<functionName>`. */
  readonly logGroup: CloudwatchLogGroup;
  /** The SecureString parameter of each secret, by secret name. */
  readonly parameters: Readonly<Record<string, SsmParameter>>;
  /** The path under which the parameters live. */
  readonly parameterPrefix: string;

  constructor(scope: Construct, id: string, props: SecureLambdaProps) {
    super(scope, id);
    const settings = settingsOf(this.node.path, props);
    const { secrets, runtime } = settings;
    // Every stack holding a SecureLambda runs the guard, also stacks users build themselves.
    SecretLeakGuard.protect(this);
    this.parameterPrefix = settings.parameterPrefix;
    const code = this.bundleEntry(settings.entry, NODE_TARGET[runtime], props.minify ?? true);
    const aws = awsContext(this);
    // Destroying or replacing a parameter loses the value that was set by hand, and
    // deleting the key makes every value encrypted with it unreadable.
    const lifecycle: TerraformResourceLifecycle | undefined = props.protect ? { preventDestroy: true } : undefined;

    this.key =
      props.kmsKey ??
      new SecretsKey(this, "Key", { aliasName: props.functionName, preventDestroy: props.protect, tags: props.tags });

    const logGroupNameValue = logGroupName(props.functionName);
    // Built from its parts, not from the log group's own `arn`: the key policy must name
    // the group before the group (which is encrypted with the key) exists.
    this.key.allowLogGroup(`arn:${aws.partition}:logs:${aws.region}:${aws.accountId}:log-group:${logGroupNameValue}`);
    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: logGroupNameValue,
      retentionInDays: settings.logRetentionDays,
      kmsKeyId: this.key.keyArn,
      tags: props.tags,
    });

    const parameters: Record<string, SsmParameter> = {};
    for (const secret of secrets) {
      parameters[secret] = new SsmParameter(this, `Parameter-${secret}`, {
        name: parameterName(settings.parameterPrefix, secret),
        description: `Secret ${secret} of ${props.functionName}. Terraform only creates it with a placeholder; set the real value out of band: npm run secrets -- set <env> ${props.functionName} ${secret}`,
        type: "SecureString",
        keyId: this.key.keyArn,
        value: PLACEHOLDER_VALUE,
        tags: props.tags,
        // The real value is set out of band and must never be read into a plan or reset
        // by an apply: Terraform owns the parameter, not its value.
        lifecycle: { ignoreChanges: ["value"], ...lifecycle },
      });
    }
    this.parameters = parameters;

    this.executionRole = new ExecutionRole(this, "Role", { roleName: props.functionName, tags: props.tags });
    this.role = this.executionRole.role;
    this.executionRole.grantWriteLogs(this.logGroup.arn);
    this.executionRole.grantReadParameters(
      Object.values(parameters).map((parameter) => parameter.arn),
      this.key.keyArn,
    );

    const archive = bundleArchive(this, code);
    this.function = new LambdaFunction(this, "Function", {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime,
      architectures: [settings.architecture],
      handler: `index.${settings.handler}`,
      filename: archive.outputPath,
      sourceCodeHash: archive.outputBase64Sha256,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      environment: { variables: { ...settings.environment, ...this.parameterNameVariables(secrets) } },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      tags: props.tags,
      // Lambda would otherwise create the group itself on first log, unencrypted and
      // kept forever; and it must not run before its role may read its secrets.
      dependsOn: [this.logGroup, this.executionRole.policy],
    });
    for (const [variable, reason] of Object.entries(props.allowLiteralEnvironment ?? {})) {
      SecretLeakGuard.allow(this.function, { variable, reason });
    }
  }

  /** The SSM parameter name of one of this function's secrets. */
  parameterName(secret: string): string {
    if (!(secret in this.parameters)) {
      throw new SecureLambdaValidationError(this.node.path, "secret", `${JSON.stringify(secret)} is not one of this function's secrets (${Object.keys(this.parameters).join(", ") || "none"})`);
    }
    return parameterName(this.parameterPrefix, secret);
  }

  private parameterNameVariables(secrets: readonly string[]): Record<string, string> {
    return Object.fromEntries(secrets.map((secret) => [paramNameEnvVar(secret), parameterName(this.parameterPrefix, secret)]));
  }

  private bundleEntry(entry: string, target: string, minify: boolean) {
    try {
      return bundle({ entry: path.resolve(entry), target, minify });
    } catch (error) {
      if (error instanceof BundlingError) {
        throw new SecureLambdaValidationError(this.node.path, "entry", `${JSON.stringify(entry)}: ${error.details}`);
      }
      throw error;
    }
  }
}
