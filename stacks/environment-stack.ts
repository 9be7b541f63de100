import * as path from "node:path";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/environments";
import { PROJECT } from "../config/environments";
import { SecretLeakGuard, SecureLambda } from "../constructs";
import { AwsProvider, LocalBackend, S3Backend, TerraformStack, type AwsProviderConfig } from "../constructs/tf";
import { requireAwsProvider } from "../constructs/aws-provider-version";

/** Options of an {@link EnvironmentStack}. */
export interface EnvironmentStackProps {
  /** The environment's configuration. */
  readonly config: EnvironmentConfig;
  /** Directory that `entry` paths in the configuration are relative to. */
  readonly projectRoot: string;
}

// Every service the stacks use, pointed at LocalStack in the `local` environment.
const LOCALSTACK_SERVICES = [
  "cloudwatchlogs",
  "iam",
  "kms",
  "lambda",
  "s3",
  "secretsmanager",
  "sqs",
  "ssm",
  "sts",
] as const;

/** One environment: provider, state backend and its SecureLambda functions. */
export class EnvironmentStack extends TerraformStack {
  /** The functions of the environment, by function name. */
  readonly functions: Readonly<Record<string, SecureLambda>>;

  constructor(scope: Construct, name: string, props: EnvironmentStackProps) {
    super(scope, name);
    const { config } = props;
    // Also guards resources added to the stack outside SecureLambda, even with no function.
    SecretLeakGuard.protect(this);

    new AwsProvider(this, "aws", { ...providerConfig(name, config) });
    // The releases with the behaviour the README documents, not the one the bindings were generated for.
    requireAwsProvider(this);
    if (config.stateBackend) {
      const backend = new S3Backend(this, {
        bucket: config.stateBackend.bucket,
        key: `${PROJECT}/${name}/terraform.tfstate`,
        region: config.stateBackend.region ?? config.region,
        // No secret value is in the state (write-only placeholders), but it still maps the account.
        encrypt: true,
        kmsKeyId: config.stateBackend.kmsKeyId,
      });
      // S3-native state locking (Terraform >= 1.10), no DynamoDB table needed.
      backend.addOverride("use_lockfile", true);
    } else {
      new LocalBackend(this, { path: "terraform.tfstate" });
    }

    const functions: Record<string, SecureLambda> = {};
    for (const fn of config.functions) {
      functions[fn.functionName] = new SecureLambda(this, fn.functionName, {
        functionName: fn.functionName,
        entry: path.resolve(props.projectRoot, fn.entry),
        secrets: [...fn.secrets],
        environment: { ...fn.environment },
        reservedConcurrentExecutions: fn.reservedConcurrentExecutions,
        deadLetterTarget: fn.deadLetterQueue,
        store: fn.store,
        // Protected environments (prod) keep their parameters and key on destroy or replacement.
        protect: config.protected,
      });
    }
    this.functions = functions;
  }
}

function providerConfig(name: string, config: EnvironmentConfig): AwsProviderConfig {
  const base: AwsProviderConfig = {
    region: config.region,
    // Terraform refuses to touch any other account: dev settings can never reach prod.
    allowedAccountIds: config.accountId ? [config.accountId] : undefined,
    defaultTags: [{ tags: { project: PROJECT, environment: name } }],
  };
  if (!config.localstackEndpoint) return base;
  const endpoint = config.localstackEndpoint;
  return {
    ...base,
    accessKey: "test",
    secretKey: "test",
    // Credentials and the account are checked against the local STS (moto and LocalStack
    // answer GetCallerIdentity): a wrong endpoint fails before any plan, and
    // allowed_account_ids still has an account to compare.
    skipMetadataApiCheck: "true",
    s3UsePathStyle: true,
    endpoints: [Object.fromEntries(LOCALSTACK_SERVICES.map((service) => [service, endpoint]))],
  };
}
