/**
 * Seed 004's shape as a test app: one Secrets Manager secret read by a Lambda function and by
 * the web application servers (an EC2 instance role) of the same app, both through one VPC
 * endpoint whose security group admits the function's and the servers' groups.
 */
import { SecretsEndpoints, SecureLambda } from "../../constructs";
import { type App, AwsProvider, IamRole, SecurityGroup, TerraformStack } from "../../constructs/tf";
import { HELLO_ENTRY } from "./synth";

export const SEED_ACCOUNT = "111122223333";
export const SEED_VPC = "vpc-0a1b2c3d4e5f60718";
export const SEED_SUBNETS = ["subnet-0a1b2c3d", "subnet-0123456789abcdef0"];

/** What the seed app is made of, for tests that change or read it. */
export interface SeedApp {
  readonly stack: TerraformStack;
  readonly payments: SecureLambda;
  readonly web: IamRole;
  readonly endpoints: SecretsEndpoints;
}

/** Options: further readers (ARNs), and the provider settings a deploy needs. */
export interface SeedOptions {
  readonly otherReaders?: readonly string[];
  readonly accountId?: string;
  readonly provider?: Partial<ConstructorParameters<typeof AwsProvider>[2]>;
  /** The VPC and subnets, made in the stack (a deploy) or named by id (synth only). */
  readonly network?: (stack: TerraformStack) => { readonly vpcId: string; readonly subnetIds: string[] };
}

/** Builds the seed 004 stack `seed004` in `app`. */
export function buildSeedApp(app: App, options: SeedOptions = {}): SeedApp {
  const stack = new TerraformStack(app, "seed004");
  new AwsProvider(stack, "aws", {
    region: "eu-west-1",
    allowedAccountIds: [options.accountId ?? SEED_ACCOUNT],
    ...options.provider,
  });
  const network = options.network?.(stack) ?? { vpcId: SEED_VPC, subnetIds: SEED_SUBNETS };
  const vpcId = network.vpcId;
  const functionGroup = new SecurityGroup(stack, "payments-sg", {
    name: "payments",
    description: "The payments function",
    vpcId,
  });
  const webGroup = new SecurityGroup(stack, "web-sg", { name: "web", description: "The web servers", vpcId });
  const web = new IamRole(stack, "web", {
    name: "web",
    description: "Instance role of the web application servers",
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
  });
  const subnetIds = network.subnetIds;
  const payments = new SecureLambda(stack, "payments", {
    functionName: "payments",
    entry: HELLO_ENTRY,
    secrets: ["stripe_key"],
    store: "secretsmanager",
    vpc: { subnetIds, securityGroupIds: [functionGroup.id] },
  });
  const endpoints = new SecretsEndpoints(stack, "endpoints", {
    vpcId,
    subnetIds,
    clientSecurityGroupIds: [functionGroup.id, webGroup.id],
    store: "secretsmanager",
  });
  payments.grantSecretsRead(web.arn);
  for (const reader of options.otherReaders ?? []) payments.grantSecretsRead(reader);
  return { stack, payments, web, endpoints };
}
