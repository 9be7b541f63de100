/**
 * A stack whose functions' secrets have other readers and replicas: a Secrets Manager secret
 * replicated to a second region and read by a role of another account (the secret's resource
 * policy and the key policy), and SSM parameters of the advanced tier read by the same role
 * (a RAM share with that account). The deploy policy's unit tests prove its policy; the deploy
 * suite records what the provider calls for these resources (deployer-readers.deploy.ts).
 */
import * as path from "node:path";
import { ParameterTier, SecureLambda } from "../../constructs";
import { App, AwsProvider, LocalBackend, TerraformStack } from "../../constructs/tf";

const ROOT = path.join(__dirname, "..", "..");

/** The services the stack uses, pointed at one endpoint (moto, through the recording proxy). */
const SERVICES = ["cloudwatchlogs", "iam", "kms", "lambda", "ram", "secretsmanager", "ssm", "sts"] as const;

/** The stack's region, and the region of its secret's replica. */
export const READERS_REGION = "eu-west-1";
export const READERS_REPLICA_REGION = "eu-central-1";
/** The account the stack deploys to (moto's). */
export const READERS_ACCOUNT = "123456789012";
/** The reader of another account both functions grant. */
export const PARTNER_READER = "arn:aws:iam::210987654321:role/reporting";

/** Adds the readers stack `name` to `app`, its AWS endpoints at `endpoint` when given. */
export function readersStack(app: App, name: string, endpoint?: string): TerraformStack {
  const stack = new TerraformStack(app, name);
  new AwsProvider(stack, "aws", {
    region: READERS_REGION,
    allowedAccountIds: [READERS_ACCOUNT],
    defaultTags: [{ tags: { project: "secure-lambda", environment: name } }],
    ...(endpoint
      ? {
          accessKey: "test",
          secretKey: "test",
          skipMetadataApiCheck: "true",
          endpoints: [Object.fromEntries(SERVICES.map((service) => [service, endpoint]))],
        }
      : {}),
  });
  new LocalBackend(stack, { path: "terraform.tfstate" });
  const entry = path.join(ROOT, "__tests__", "fixtures", "hello.ts");
  const replicated = new SecureLambda(stack, "replicated", {
    functionName: `${name}-replicated`,
    entry,
    secrets: ["api_token"],
    store: "secretsmanager",
    replicaRegions: [READERS_REPLICA_REGION],
  });
  replicated.grantSecretsRead(PARTNER_READER);
  const shared = new SecureLambda(stack, "shared", {
    functionName: `${name}-shared`,
    entry,
    secrets: ["api_token", "webhook_url"],
    parameterTier: ParameterTier.ADVANCED,
    reservedConcurrentExecutions: 1,
  });
  shared.grantSecretsRead(PARTNER_READER);
  return stack;
}

/** An app of readers stacks named `names`, synthesized into `outdir`. */
export function synthReadersApp(outdir: string, names: readonly string[], endpoint?: string): void {
  const app = new App({ outdir });
  for (const name of names) readersStack(app, name, endpoint);
  app.synth();
}
