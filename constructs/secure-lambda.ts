import * as path from "node:path";
import { Construct } from "constructs";
import { awsContext, type AwsContext } from "./aws-context";
import { bundleArchive } from "./bundle-archive";
import { bundle, BundlingError } from "./bundling";
import { CodePackagingError, packageCode, type CodeArchive } from "./function-code";
import { recordForCli } from "./cli-manifest";
import { createDeadLetterTarget, type DeadLetterTarget } from "./dead-letter-target";
import { SecureLambdaValidationError } from "./errors";
import { ExecutionRole } from "./execution-role";
import { externalSecretVariables } from "./external-secrets";
import { ReplicaKeys, replicaSecretArn, type SecretReplica } from "./replicas";
import { SecretLeakGuard } from "./leak-guard";
import { loaderVariables, warnIfStormCannotFit } from "./loader-settings";
import { logGroupName, parameterNameFor, paramNameEnvVar, SECRET_ID_ENV_VAR } from "../common/naming";
import { createSecretParameters } from "./secret-parameters";
import { checkParameterTier, ParameterTier, SecretReaders } from "./secret-readers";
import { SecretsKey, type ISecretsKey } from "./secrets-key";
import { createSecretsManagerSecret, type SecretsManagerResources } from "./secrets-manager-secret";
import type { SecureLambdaProps } from "./secure-lambda-props";
import { resolveSettings, type Settings } from "./settings";
import { declareTargetVersions, requireTerraformVersion } from "./terraform-version";
import { requireAwsProvider } from "./aws-provider-version";
import {
  CloudwatchLogGroup,
  type IamRole,
  LambdaFunction,
  LambdaFunctionUrl,
  type SecretsmanagerSecret,
  type SqsQueue,
  type SsmParameter,
} from "./tf";
import { DEFAULT_RUNTIME, isNodeRuntime, NODE_BUNDLE_TARGETS } from "./runtimes";
import { ScheduleTrigger } from "./schedule-trigger";
import { SnsTrigger } from "./sns-trigger";

export type { SecureLambdaProps } from "./secure-lambda-props";

/**
 * A Lambda function that gets its secrets the safe way. It emits, in this order:
 *
 * - a customer-managed KMS key with rotation and alias `alias/<functionName>` (or uses the
 *   `kmsKey` given), whose policy lets CloudWatch Logs encrypt this function's log group only;
 * - the log group `/aws/lambda/<functionName>`, encrypted with the key;
 * - the secret store: with `store: "ssm"` (the default) one SSM SecureString parameter
 *   `<parameterPrefix>/<secret>` per secret; with `store: "secretsmanager"` one Secrets
 *   Manager secret `<functionName>/secrets` holding a JSON key per secret. Either is encrypted
 *   with the key and created holding a placeholder, written through the provider's write-only
 *   arguments (Terraform or OpenTofu >= 1.11): no real value is in a plan or the state (the
 *   state holds not even the placeholder), and `ignore_changes` keeps every later apply from
 *   writing it again. The real value is set out of band (`npx --no secure-lambda set`; in
 *   this repository `npm run secrets -- set`), so it is never in source, plan, state or
 *   `cdktf.out/`;
 * - with `deadLetterTarget: true`, the SQS queue `<functionName>-dlq`;
 * - the execution role, which may read exactly those secrets and decrypt them only through
 *   the store and only for them, write its own logs, and (as enabled) send traces, send to
 *   the dead-letter target and attach to its VPC subnets;
 * - the function, bundled with esbuild at synth from `entry` (Node.js), or from `code` built
 *   elsewhere for any runtime (a directory zipped at synth, or a zip file), whose environment
 *   holds only the names of its parameters (or its secret) and is encrypted with the key;
 * - with `functionUrl: true`, a URL callers must sign (`AWS_IAM`);
 * - with `schedule`, an EventBridge Scheduler schedule whose own role may invoke this
 *   function only; with `snsTopicArns`, per topic a subscription and a permission for SNS
 *   scoped to that topic.
 *
 * By default it also meets what Checkov and Trivy check (`npm run scan`): X-Ray tracing, an
 * environment encrypted with its key; `reservedConcurrentExecutions` and `deadLetterTarget`
 * complete the set.
 *
 * Bad props fail in the constructor, before anything is made, with
 * {@link SecureLambdaValidationError}; a value known only at plan (a `TerraformVariable`) is
 * left to Terraform. The stack it is in runs the secret-leak guard at synth time
 * ({@link SecretLeakGuard}).
 *
 * @example
 * // The function reads `createSecretsLoader(["github_token"])` from "secure-lambda/runtime".
 * const notifier = new SecureLambda(stack, "notifier", {
 *   functionName: "notifier",
 *   entry: path.join(__dirname, "src", "notifier.ts"),
 *   secrets: ["github_token", "slack_webhook_url"],
 *   environment: { GITHUB_API_URL: "https://api.github.com" }, // plain values only
 *   reservedConcurrentExecutions: 5,
 *   deadLetterTarget: true,
 * });
 * notifier.parameterName("github_token"); // "/notifier/github_token"
 *
 * @example
 * // One Secrets Manager secret "payments/secrets", rotated by your own function.
 * new SecureLambda(stack, "payments", {
 *   functionName: "payments",
 *   entry: path.join(__dirname, "src", "payments.ts"),
 *   secrets: ["stripe_key"],
 *   store: "secretsmanager",
 *   rotation: { rotationLambdaArn: rotator.function.arn, automaticallyAfterDays: 30 },
 *   protect: true, // prevent_destroy on the secret and the key
 * });
 *
 * @example
 * // A Go function (built to build/bootstrap), run every hour.
 * new SecureLambda(stack, "notifier", {
 *   functionName: "notifier",
 *   code: { directory: path.join(__dirname, "build") },
 *   runtime: "provided.al2023", // handler defaults to "bootstrap"
 *   architecture: "x86_64",
 *   secrets: ["github_token", "chat_token"],
 *   schedule: { expression: "rate(1 hour)" },
 * });
 */
export class SecureLambda extends Construct {
  /** The Lambda function. */
  readonly function: LambdaFunction;
  /** The function's execution role. */
  readonly role: IamRole;
  /** The role and its inline policy, for adding grants. */
  readonly executionRole: ExecutionRole;
  /** The key that encrypts the secrets, the environment and the logs (created here or passed as `kmsKey`). */
  readonly key: ISecretsKey;
  /** The function's log group, `/aws/lambda/<functionName>`. */
  readonly logGroup: CloudwatchLogGroup;
  /** The SecureString parameter of each secret, by secret name (store "ssm"; empty with "secretsmanager"). */
  readonly parameters: Readonly<Record<string, SsmParameter>>;
  /** The path under which the parameters live (store "ssm"). */
  readonly parameterPrefix: string;
  /** The Secrets Manager secret holding every secret as a JSON key, with store "secretsmanager". */
  readonly secret?: SecretsmanagerSecret;
  /** The dead-letter queue, when `deadLetterTarget: true` created one. */
  readonly deadLetterQueue?: SqsQueue;
  /** The function's URL, when `functionUrl` is set (always `AWS_IAM`). */
  readonly functionUrl?: LambdaFunctionUrl;
  /** The schedule, its group and its role, when `schedule` is set. */
  readonly scheduleTrigger?: ScheduleTrigger;
  /** The subscription and permission of each topic of `snsTopicArns`, when any is given. */
  readonly snsTrigger?: SnsTrigger;
  /** The Secrets Manager secret's replicas by region, each with its key (empty without `replicaRegions`). */
  readonly replicas: Readonly<Record<string, SecretReplica>>;
  private readonly readers: SecretReaders;

  constructor(scope: Construct, id: string, props: SecureLambdaProps) {
    super(scope, id);
    // Before any child exists: cdktn checks the write-only placeholders against it.
    declareTargetVersions(this);
    // Every check, before anything is made: bad props leave no resource and no bundle behind.
    const settings = resolveSettings(this, props);
    checkParameterTier(this.node.path, props.parameterTier, settings.store);
    warnIfStormCannotFit(this, settings);
    this.parameterPrefix = settings.parameterPrefix;
    this.guardStack();
    const code = settings.entry !== undefined ? this.bundleEntry(settings, settings.entry) : this.packageCode(settings);
    const aws = awsContext(this);
    // Built from its parts, not from the function's own `arn`: the role's policy must exist
    // before the function (which depends on it), or the two would form a cycle.
    const functionArn = `arn:${aws.partition}:lambda:${aws.region}:${aws.accountId}:function:${settings.functionName}`;

    this.key = settings.kmsKey ?? this.createKey(settings);
    this.logGroup = this.createLogGroup(settings, aws);
    const store = this.createSecretStore(settings, props.parameterTier);
    this.secret = store.secretsManager?.secret;
    this.parameters = store.parameters;
    this.replicas = store.replicas ?? {};
    this.readers = new SecretReaders(this, "Readers", {
      functionName: settings.functionName,
      store: settings.store,
      key: this.key,
      parameters: store.parameters,
      secret: this.secret,
      replicas: Object.values(this.replicas).map((replica) => ({
        ...replica,
        key: store.replicaKeys![replica.region]!,
      })),
      parameterTier: props.parameterTier ?? ParameterTier.STANDARD,
      tags: settings.tags,
      ownRole: () => this.role,
      parameterPrefix: settings.parameterPrefix,
    });
    const deadLetter = createDeadLetterTarget(this, settings.deadLetter, settings);
    this.deadLetterQueue = deadLetter?.queue;
    const variables = this.environmentVariables(settings, store);
    this.executionRole = this.createRole(settings, { store, deadLetter, variables, functionArn });
    this.role = this.executionRole.role;
    this.function = this.createFunction(settings, { code, variables, deadLetter });
    // The guard exempts these names from its randomness rule only as written here, never by their name alone.
    for (const [variable, value] of Object.entries(this.storeVariables(settings, store)))
      SecretLeakGuard._recordWritten(this.function, variable, value);
    this.allowLiteralEnvironment(settings.allowLiteralEnvironment);
    this.functionUrl = settings.functionUrl ? this.createFunctionUrl() : undefined;
    this.scheduleTrigger = settings.schedule ? this.createSchedule(settings, functionArn) : undefined;
    this.snsTrigger =
      settings.snsTopicArns.length > 0
        ? new SnsTrigger(this, "Sns", {
            topicArns: [...settings.snsTopicArns],
            functionName: this.function.functionName,
            functionArn: this.function.arn,
          })
        : undefined;
    recordForCli(this, { ...settings, kmsKey: this.key.keyArn });
  }

  /** The SSM parameter name of one of this function's secrets. */
  parameterName(secret: string): string {
    if (this.secret) {
      throw new SecureLambdaValidationError(
        this.node.path,
        "secret",
        `${JSON.stringify(secret)}: this function's secrets are keys of the Secrets Manager secret ${this.secret.nameInput}, not SSM parameters`,
      );
    }
    if (!(secret in this.parameters)) {
      throw new SecureLambdaValidationError(
        this.node.path,
        "secret",
        `${JSON.stringify(secret)} is not one of this function's secrets (${Object.keys(this.parameters).join(", ") || "none"})`,
      );
    }
    return parameterNameFor(this.parameterPrefix, secret);
  }

  /**
   * Lets another role or user read this function's secrets, in this account or another.
   *
   * It writes what that reader needs on every side: a key policy statement naming it, for
   * `kms:Decrypt` only through the store (`kms:ViaService`) and only for these secrets (the
   * encryption context); its identity policy, attached when it is a role of this stack and
   * otherwise written out as a Terraform output for its owner to attach; for Secrets Manager
   * only the current values (`AWSCURRENT`); for a reader of another account, the secret's
   * resource policy (Secrets Manager) or an AWS RAM share of the parameters (SSM, advanced
   * tier only: `parameterTier`). The audit takes each reader as intended, with exactly those
   * actions.
   *
   * @param grantee ARN of the role or user (`role.arn` for a role of this stack); never `"*"`
   *   nor a whole account.
   *
   * @example
   * payments.grantSecretsRead(webServers.arn); // an EC2 instance role of this stack
   * payments.grantSecretsRead("arn:aws:iam::210987654321:role/reporting"); // another account
   */
  grantSecretsRead(grantee: string): void {
    this.readers.grant(grantee);
  }

  /**
   * Every stack holding a SecureLambda runs the leak guard, also stacks users build
   * themselves, refuses a Terraform that cannot keep the placeholders write-only, and
   * requires the AWS provider releases that keep them out of every refresh.
   */
  private guardStack(): void {
    SecretLeakGuard.protect(this);
    requireTerraformVersion(this);
    requireAwsProvider(this);
  }

  /** The handler bundled with esbuild for the function's Node.js version. */
  private bundleEntry(settings: Settings, entry: string): CodeArchive & { readonly idPrefix: string } {
    const resolved = path.resolve(entry);
    // Validation refused entry with any other runtime.
    const target = NODE_BUNDLE_TARGETS[isNodeRuntime(settings.runtime) ? settings.runtime : DEFAULT_RUNTIME];
    try {
      return { ...bundle({ entry: resolved, target, minify: settings.minify }), idPrefix: "Bundle" };
    } catch (error) {
      if (error instanceof BundlingError) {
        // A relative entry depends on where synth runs (`npm run synth`, `cdktf synth` in
        // another directory, a test runner): say where it was looked for.
        const where = path.isAbsolute(entry)
          ? ""
          : ` (resolved against the working directory ${process.cwd()} to ${resolved}; pass an absolute path, e.g. path.join(__dirname, ${JSON.stringify(entry)}))`;
        throw new SecureLambdaValidationError(
          this.node.path,
          "entry",
          `${JSON.stringify(entry)}${where}: ${error.details}`,
        );
      }
      throw error;
    }
  }

  /** Code built elsewhere: the directory zipped, or the zip file, hashed. */
  private packageCode(settings: Settings): CodeArchive & { readonly idPrefix: string } {
    const code = settings.code!;
    const prop = code.zipFile !== undefined ? "code.zipFile" : "code.directory";
    try {
      return { ...packageCode(code), idPrefix: "Code" };
    } catch (error) {
      if (error instanceof CodePackagingError)
        throw new SecureLambdaValidationError(this.node.path, prop, error.details);
      throw error;
    }
  }

  /** The schedule, in a group of its own, invoking the function as a role that may invoke only it. */
  private createSchedule(settings: Settings, functionArn: string): ScheduleTrigger {
    return new ScheduleTrigger(this, "Schedule", {
      schedule: settings.schedule!,
      functionName: settings.functionName,
      functionArn,
      targetArn: this.function.arn,
      roleName: settings.roleName,
      tags: settings.tags,
    });
  }

  /** The function's own key, alias `alias/<functionName>`, when no `kmsKey` is shared. */
  private createKey(settings: Settings): SecretsKey {
    return new SecretsKey(this, "Key", {
      aliasName: settings.functionName,
      preventDestroy: settings.protect,
      tags: settings.tags,
    });
  }

  /** The log group `/aws/lambda/<functionName>`, encrypted with the key, which may encrypt for it alone. */
  private createLogGroup(settings: Settings, aws: AwsContext): CloudwatchLogGroup {
    const name = logGroupName(settings.functionName);
    // Built from its parts, not from the log group's own `arn`: the key policy must name
    // the group before the group (which is encrypted with the key) exists.
    this.key.allowLogGroup(`arn:${aws.partition}:logs:${aws.region}:${aws.accountId}:log-group:${name}`);
    return new CloudwatchLogGroup(this, "LogGroup", {
      name,
      retentionInDays: settings.logRetentionDays,
      kmsKeyId: this.key.keyArn,
      tags: settings.tags,
    });
  }

  /** One SecureString parameter per secret, or one Secrets Manager secret holding them all. */
  private createSecretStore(settings: Settings, parameterTier: string | undefined): SecretStoreResources {
    const { functionName, secrets, protect, rotation, tags } = settings;
    const keyArn = this.key.keyArn;
    if (settings.store === "ssm") {
      return {
        parameters: createSecretParameters(this, {
          functionName,
          parameterPrefix: settings.parameterPrefix,
          secrets,
          keyArn,
          protect,
          tags,
          tier: parameterTier,
        }),
      };
    }
    // No secret without secrets: Secrets Manager would hold an empty JSON object.
    if (secrets.length === 0) return { parameters: {} };
    const replicaKeys =
      settings.replicaRegions.length > 0
        ? new ReplicaKeys(this, "Replicas", {
            regions: settings.replicaRegions,
            aliasName: functionName,
            preventDestroy: protect,
            tags,
          }).keys
        : {};
    const replicaList = Object.entries(replicaKeys).map(([region, key]) => ({ region, keyArn: key.keyArn }));
    const secretsManager = createSecretsManagerSecret(this, {
      functionName,
      secrets,
      keyArn,
      protect,
      rotation,
      tags,
      replicas: replicaList,
    });
    const replicas = Object.fromEntries(
      replicaList.map(({ region, keyArn: replicaKey }) => [
        region,
        { region, keyArn: replicaKey, secretArn: replicaSecretArn(this, secretsManager.secret.arn, region) },
      ]),
    );
    return { parameters: {}, secretsManager, replicas, replicaKeys };
  }

  /** The user's plain variables, the store's names and the loader's time budget: never a value. */
  private environmentVariables(settings: Settings, store: SecretStoreResources): Record<string, string> {
    return { ...settings.environment, ...this.storeVariables(settings, store), ...loaderVariables(settings) };
  }

  /**
   * The variables that name the store: `<SECRET>_PARAM_NAME`s, or `SECRETS_MANAGER_SECRET_ID`;
   * and `<NAME>_SECRET_ARN` of each external secret.
   */
  private storeVariables(settings: Settings, store: SecretStoreResources): Record<string, string> {
    return { ...this.ownStoreVariables(settings, store), ...externalSecretVariables(settings.externalSecrets) };
  }

  private ownStoreVariables(settings: Settings, store: SecretStoreResources): Record<string, string> {
    // The secret's name, not its ARN, also with replicas: a name resolves in the region the
    // function runs in, so a function deployed in a replica region reads the replica there.
    if (store.secretsManager) return { [SECRET_ID_ENV_VAR]: store.secretsManager.secretName };
    const parameterSecrets = settings.store === "ssm" ? settings.secrets : [];
    return Object.fromEntries(
      parameterSecrets.map((secret) => [paramNameEnvVar(secret), parameterNameFor(this.parameterPrefix, secret)]),
    );
  }

  /** The execution role, granted exactly what this function needs and nothing else. */
  private createRole(settings: Settings, parts: RoleParts): ExecutionRole {
    const { store, deadLetter, variables, functionArn } = parts;
    const role = new ExecutionRole(this, "Role", {
      roleName: settings.roleName,
      description: `Execution role of the ${settings.functionName} Lambda function`,
      tags: settings.tags,
    });
    role.grantWriteLogs(this.logGroup.arn);
    role.grantReadParameters(
      Object.values(store.parameters).map((parameter) => parameter.arn),
      this.key.keyArn,
    );
    if (store.secretsManager) role.grantReadSecret(store.secretsManager.secret.arn, this.key.keyArn);
    if (settings.externalSecrets.length > 0)
      role.grantReadExternalSecrets(
        settings.externalSecrets.map(({ name, keyArn, target }) => ({ name, arn: target.arn, keyArn })),
      );
    if (Object.keys(variables).length > 0) role.grantDecryptEnvironment(this.key.keyArn, functionArn);
    if (settings.tracing) role.grantWriteTraces();
    if (deadLetter) role.grantSendToDeadLetter(deadLetter);
    if (settings.vpc) role.grantNetworkInterfaces(settings.vpc, functionArn);
    return role;
  }

  /** The function itself, from the bundle's zip, running as the role. */
  private createFunction(settings: Settings, parts: FunctionParts): LambdaFunction {
    const { code, variables, deadLetter } = parts;
    const archive = bundleArchive(this, code, code.idPrefix);
    const hasEnvironment = Object.keys(variables).length > 0;
    const { vpc } = settings;
    return new LambdaFunction(this, "Function", {
      functionName: settings.functionName,
      description: settings.description,
      role: this.role.arn,
      runtime: settings.runtime,
      architectures: [settings.architecture],
      handler: settings.lambdaHandler,
      filename: archive.outputPath,
      sourceCodeHash: archive.outputBase64Sha256,
      memorySize: settings.memorySize,
      timeout: settings.timeout,
      // The environment holds only names, but it is encrypted with the function's key all
      // the same, not Lambda's AWS-managed one, so the key policy decides who reads it.
      // No environment block and no key without variables: scanners (CKV_AWS_173) fail a
      // kms_key_arn that encrypts nothing.
      environment: hasEnvironment ? { variables } : undefined,
      kmsKeyArn: hasEnvironment ? this.key.keyArn : undefined,
      tracingConfig: settings.tracing ? { mode: "Active" } : undefined,
      reservedConcurrentExecutions: settings.reservedConcurrentExecutions,
      deadLetterConfig: deadLetter ? { targetArn: deadLetter.arn } : undefined,
      codeSigningConfigArn: settings.codeSigningConfigArn,
      vpcConfig: vpc ? { subnetIds: vpc.subnetIds, securityGroupIds: vpc.securityGroupIds } : undefined,
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      tags: settings.tags,
      // Lambda would otherwise create the group itself on first log, unencrypted and
      // kept forever; and it must not run before its role may read its secrets.
      dependsOn: [this.logGroup, this.executionRole.policy],
    });
  }

  /** The leak guard's exceptions for the function's environment, each with its reason. */
  private allowLiteralEnvironment(allowed: Readonly<Record<string, string>> | undefined): void {
    for (const [variable, reason] of Object.entries(allowed ?? {})) {
      SecretLeakGuard.allow(this.function, { variable, reason });
    }
  }

  /** The function's URL: signed requests only. */
  private createFunctionUrl(): LambdaFunctionUrl {
    return new LambdaFunctionUrl(this, "FunctionUrl", {
      functionName: this.function.functionName,
      // Never "NONE": a public URL lets anyone on the internet invoke the function,
      // bypassing IAM. Callers sign their requests and need lambda:InvokeFunctionUrl.
      authorizationType: "AWS_IAM",
    });
  }
}

/** The resources of the function's secret store: parameters (SSM) or the one secret. */
interface SecretStoreResources {
  /** The SecureString parameter of each secret, by secret name; empty with Secrets Manager. */
  readonly parameters: Record<string, SsmParameter>;
  readonly secretsManager?: SecretsManagerResources;
  /** The secret's replicas by region, with store "secretsmanager" and `replicaRegions`. */
  readonly replicas?: Record<string, SecretReplica>;
  /** The key of each replica region, by region. */
  readonly replicaKeys?: Readonly<Record<string, SecretsKey>>;
}

/** What the role's grants name besides the settings. */
interface RoleParts {
  readonly store: SecretStoreResources;
  readonly deadLetter: DeadLetterTarget | undefined;
  readonly variables: Readonly<Record<string, string>>;
  readonly functionArn: string;
}

/** What the function is built from besides the settings. */
interface FunctionParts {
  readonly code: CodeArchive & { readonly idPrefix: string };
  readonly variables: Record<string, string>;
  readonly deadLetter: DeadLetterTarget | undefined;
}
