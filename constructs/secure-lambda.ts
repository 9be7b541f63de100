import * as path from "node:path";
import { Construct } from "constructs";
import { awsContext } from "./aws-context";
import { bundleArchive } from "./bundle-archive";
import { bundle, BundlingError } from "./bundling";
import { createDeadLetterTarget, planDeadLetter } from "./dead-letter-target";
import { SecureLambdaValidationError } from "./errors";
import { ExecutionRole } from "./execution-role";
import { SecretLeakGuard } from "./leak-guard";
import { logGroupName, parameterName, paramNameEnvVar, SECRET_ID_ENV_VAR } from "./naming";
import { createSecretsManagerSecret } from "./secrets-manager-secret";
import { createSecretParameters } from "./secret-parameters";
import { SecretsKey, type ISecretsKey } from "./secrets-key";
import { resolveSettings, type SecureLambdaProps } from "./secure-lambda-props";
import { CloudwatchLogGroup, IamRole, LambdaFunction, LambdaFunctionUrl, SecretsmanagerSecret, SqsQueue, SsmParameter } from "./tf";
import { failAt, type LambdaRuntime } from "./validation";
import { declareTargetVersions, requireTerraformVersion } from "./terraform-version";
import { checkVpcPlacement } from "./vpc-placement";

export type { SecureLambdaProps } from "./secure-lambda-props";

const NODE_TARGET: Record<LambdaRuntime, string> = { "nodejs20.x": "node20", "nodejs22.x": "node22", "nodejs24.x": "node24" };

/**
 * A Lambda function that gets its secrets the safe way.
 *
 * Each secret is an SSM SecureString parameter (or, with `store: "secretsmanager"`, a key
 * of one Secrets Manager secret per function), encrypted with a customer-managed KMS key
 * and created holding a placeholder, written through the provider's write-only arguments
 * (Terraform or OpenTofu >= 1.11): no real value is in a plan or the state (the state holds
 * not even the placeholder), and `ignore_changes` keeps every apply after the first from
 * writing the parameter again. The real value is set out of band, so it is never in
 * source, plan, state or `cdktf.out/`. The function's environment holds only the parameter
 * names (or the secret's name); its role may read exactly those and decrypt them only
 * through the store. By default it also meets what
 * Checkov and Trivy check (`npm run scan`): X-Ray tracing, an environment encrypted
 * with its key; `reservedConcurrentExecutions` and `deadLetterQueue` complete the set.
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
  readonly key: ISecretsKey;
  /** The function's log group, `/aws/lambda/<functionName>`. */
  readonly logGroup: CloudwatchLogGroup;
  /** The SecureString parameter of each secret, by secret name. */
  readonly parameters: Readonly<Record<string, SsmParameter>>;
  /** The path under which the parameters live. */
  readonly parameterPrefix: string;
  /** The Secrets Manager secret holding every secret as a JSON key, with store "secretsmanager". */
  readonly secret?: SecretsmanagerSecret;
  /** The dead-letter queue, when `deadLetterQueue: true` created one. */
  readonly deadLetterQueue?: SqsQueue;
  /** The function's URL, when `functionUrl` is set (always `AWS_IAM`). */
  readonly functionUrl?: LambdaFunctionUrl;

  constructor(scope: Construct, id: string, props: SecureLambdaProps) {
    super(scope, id);
    // Before any child exists: cdktn checks the write-only placeholders against it.
    declareTargetVersions(this);
    const settings = resolveSettings(this.node.path, props);
    const { secrets, runtime } = settings;
    const deadLetterPlan = planDeadLetter(this, failAt(this.node.path), props.deadLetterQueue);
    // Every stack holding a SecureLambda runs the guard, also stacks users build themselves,
    // and refuses a Terraform that cannot keep the placeholders write-only.
    SecretLeakGuard.protect(this);
    requireTerraformVersion(this);
    this.parameterPrefix = settings.parameterPrefix;
    const code = this.bundleEntry(settings.entry, NODE_TARGET[runtime], props.minify ?? true);
    const aws = awsContext(this);
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

    const protect = props.protect === true;
    const secretsManager =
      settings.store === "secretsmanager" && secrets.length > 0
        ? createSecretsManagerSecret(this, { functionName: props.functionName, secrets, keyArn: this.key.keyArn, protect, rotation: props.rotation, tags: props.tags })
        : undefined;
    this.secret = secretsManager?.secret;
    this.parameters =
      settings.store === "ssm"
        ? createSecretParameters(this, { functionName: props.functionName, parameterPrefix: settings.parameterPrefix, secrets, keyArn: this.key.keyArn, protect, tags: props.tags })
        : {};

    this.executionRole = new ExecutionRole(this, "Role", {
      roleName: settings.roleName,
      description: `Execution role of the ${props.functionName} Lambda function`,
      tags: props.tags,
    });
    this.role = this.executionRole.role;
    this.executionRole.grantWriteLogs(this.logGroup.arn);
    this.executionRole.grantReadParameters(
      Object.values(this.parameters).map((parameter) => parameter.arn),
      this.key.keyArn,
    );
    if (secretsManager) this.executionRole.grantReadSecret(secretsManager.secret.arn, this.key.keyArn);
    // Names only, never values: the parameters' names, or the one secret's name.
    const storeVariables = secretsManager ? { [SECRET_ID_ENV_VAR]: secretsManager.secretName } : this.parameterNameVariables(settings.store === "ssm" ? secrets : []);
    const variables = { ...settings.environment, ...storeVariables };
    const hasEnvironment = Object.keys(variables).length > 0;
    if (hasEnvironment) {
      // Built from its parts, not from the function's own `arn`: the policy must exist
      // before the function (which depends on it), or the two would form a cycle.
      const functionArn = `arn:${aws.partition}:lambda:${aws.region}:${aws.accountId}:function:${props.functionName}`;
      this.executionRole.grantDecryptEnvironment(this.key.keyArn, functionArn);
    }
    if (settings.tracing) this.executionRole.grantWriteTraces();
    const deadLetter = createDeadLetterTarget(this, deadLetterPlan, { functionName: props.functionName, tags: props.tags });
    if (deadLetter) this.executionRole.grantSendToDeadLetter(deadLetter);
    this.deadLetterQueue = deadLetter?.queue;
    const vpc = checkVpcPlacement(this, failAt(this.node.path), props.vpc);
    // Built from its parts for the same reason as the environment's: no cycle with the function.
    if (vpc) this.executionRole.grantNetworkInterfaces(vpc, `arn:${aws.partition}:lambda:${aws.region}:${aws.accountId}:function:${props.functionName}`);

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
      tags: props.tags,
      // Lambda would otherwise create the group itself on first log, unencrypted and
      // kept forever; and it must not run before its role may read its secrets.
      dependsOn: [this.logGroup, this.executionRole.policy],
    });
    for (const [variable, reason] of Object.entries(props.allowLiteralEnvironment ?? {})) {
      SecretLeakGuard.allow(this.function, { variable, reason });
    }
    if (settings.functionUrl) {
      this.functionUrl = new LambdaFunctionUrl(this, "FunctionUrl", {
        functionName: this.function.functionName,
        // Never "NONE": a public URL lets anyone on the internet invoke the function,
        // bypassing IAM. Callers sign their requests and need lambda:InvokeFunctionUrl.
        authorizationType: "AWS_IAM",
      });
    }
  }

  /** The SSM parameter name of one of this function's secrets. */
  parameterName(secret: string): string {
    if (this.secret) {
      throw new SecureLambdaValidationError(this.node.path, "secret", `${JSON.stringify(secret)}: this function's secrets are keys of the Secrets Manager secret ${this.secret.nameInput}, not SSM parameters`);
    }
    if (!(secret in this.parameters)) {
      throw new SecureLambdaValidationError(this.node.path, "secret", `${JSON.stringify(secret)} is not one of this function's secrets (${Object.keys(this.parameters).join(", ") || "none"})`);
    }
    return parameterName(this.parameterPrefix, secret);
  }

  private parameterNameVariables(secrets: readonly string[]): Record<string, string> {
    return Object.fromEntries(secrets.map((secret) => [paramNameEnvVar(secret), parameterName(this.parameterPrefix, secret)]));
  }

  private bundleEntry(entry: string, target: string, minify: boolean) {
    const resolved = path.resolve(entry);
    try {
      return bundle({ entry: resolved, target, minify });
    } catch (error) {
      if (error instanceof BundlingError) {
        // A relative entry depends on where synth runs (`npm run synth`, `cdktf synth` in
        // another directory, a test runner): say where it was looked for.
        const where = path.isAbsolute(entry)
          ? ""
          : ` (resolved against the working directory ${process.cwd()} to ${resolved}; pass an absolute path, e.g. path.join(__dirname, ${JSON.stringify(entry)}))`;
        throw new SecureLambdaValidationError(this.node.path, "entry", `${JSON.stringify(entry)}${where}: ${error.details}`);
      }
      throw error;
    }
  }
}
