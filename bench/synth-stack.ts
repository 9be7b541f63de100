/**
 * One whole-process measurement for the benchmark: builds one stack with N functions
 * (3 secrets each, one shared entry), either through SecureLambda or with the same
 * resources written with bare provider classes, synthesizes it, and prints JSON.
 *
 *   node -r ./scripts/register.cjs bench/synth-stack.ts <construct|bare> <n> <outdir>
 */
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { SecureLambda } from "../constructs";
import { DEFAULT_RUNTIME, NODE_BUNDLE_TARGETS } from "../constructs/runtimes";
import { bundle, bundlingRuns } from "../constructs/bundling";
import { bundleArchive } from "../constructs/bundle-archive";
import { logGroupName, parameterNameFor, paramNameEnvVar, PLACEHOLDER_VALUE } from "../common/naming";
import { AWS_PROVIDER_CONSTRAINT } from "../constructs/aws-provider-version";
import { PARAMETER_IGNORED_CHANGES } from "../constructs/secret-parameters";
import { declareTargetVersions, REQUIRED_TERRAFORM_VERSION } from "../constructs/terraform-version";
import {
  App,
  AwsProvider,
  CloudwatchLogGroup,
  DataAwsCallerIdentity,
  DataAwsPartition,
  DataAwsRegion,
  IamRole,
  IamRolePolicy,
  KmsAlias,
  KmsKey,
  LambdaFunction,
  SsmParameter,
  TerraformStack,
} from "../constructs/tf";

const ENTRY = path.join(__dirname, "..", "lambda-src", "notifier.ts");
const SECRETS = ["github_token", "slack_webhook_url", "api_key"];

function withConstruct(stack: TerraformStack, n: number): void {
  for (let i = 0; i < n; i++) {
    new SecureLambda(stack, `fn${i}`, { functionName: `fn${i}`, entry: ENTRY, secrets: SECRETS });
  }
}

/**
 * The same resources with the same arguments and policies, written by hand: the baseline for the
 * construct's overhead. `bench/same-resources.ts` checks that both write the same blocks (the
 * addresses aside), so the ratio measures the construct's own work, not a difference in output.
 */
function bare(stack: TerraformStack, n: number): void {
  stack.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);
  stack.addOverride("terraform.required_providers.aws.version", AWS_PROVIDER_CONSTRAINT);
  const code = bundle({ entry: ENTRY, target: NODE_BUNDLE_TARGETS[DEFAULT_RUNTIME], minify: true });
  const zip = bundleArchive(stack, code);
  const account = new DataAwsCallerIdentity(stack, "account").accountId;
  const region = new DataAwsRegion(stack, "region").region;
  const partition = new DataAwsPartition(stack, "partition");
  for (let i = 0; i < n; i++) {
    const name = `fn${i}`;
    const groupArn = `arn:${partition.partition}:logs:${region}:${account}:log-group:${logGroupName(name)}`;
    const key = new KmsKey(stack, `${name}-key`, {
      description: `Encrypts the secrets of ${name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministersKeyAndEnablesIamPolicies",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition.partition}:iam::${account}:root` },
            Action: ["kms:*"],
            Resource: "*",
          },
          {
            Sid: "CloudWatchLogsEncryptsOwnLogGroups",
            Effect: "Allow",
            Principal: { Service: `logs.${region}.${partition.dnsSuffix}` },
            Action: [
              "kms:Encrypt",
              "kms:Decrypt",
              "kms:ReEncryptFrom",
              "kms:ReEncryptTo",
              "kms:GenerateDataKey",
              "kms:DescribeKey",
            ],
            Resource: "*",
            Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": [groupArn] } },
          },
        ],
      }),
    });
    new KmsAlias(stack, `${name}-alias`, { name: `alias/${name}`, targetKeyId: key.keyId });
    const group = new CloudwatchLogGroup(stack, `${name}-logs`, {
      name: logGroupName(name),
      retentionInDays: 365,
      kmsKeyId: key.arn,
    });
    const params = SECRETS.map(
      (secret) =>
        new SsmParameter(stack, `${name}-${secret}`, {
          name: parameterNameFor(`/${name}`, secret),
          description:
            `Secret ${secret} of ${name}. Terraform only creates it with a placeholder; set the real value out of band, ` +
            `in the app's directory: npx --no secure-lambda set bench ${name} ${secret}`,
          type: "SecureString",
          keyId: key.arn,
          valueWo: PLACEHOLDER_VALUE,
          valueWoVersion: 1,
          lifecycle: { ignoreChanges: [...PARAMETER_IGNORED_CHANGES] },
        }),
    );
    const role = new IamRole(stack, `${name}-role`, {
      name,
      description: `Execution role of the ${name} Lambda function`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "LambdaInThisAccountOnly",
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: ["sts:AssumeRole"],
            Condition: { StringEquals: { "aws:SourceAccount": account } },
          },
        ],
      }),
    });
    const arns = params.map((p) => p.arn);
    const policy = new IamRolePolicy(stack, `${name}-policy`, {
      name,
      role: role.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "WriteOwnLogStreams",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: [`${group.arn}:log-stream:*`],
          },
          {
            Sid: "ReadOwnSecretParameters",
            Effect: "Allow",
            Action: ["ssm:GetParameter", "ssm:GetParameters"],
            Resource: arns,
          },
          {
            Sid: "DecryptOwnSecretParametersThroughSsm",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: [key.arn],
            Condition: {
              StringEquals: {
                "kms:ViaService": `ssm.${region}.${partition.dnsSuffix}`,
                "kms:EncryptionContext:PARAMETER_ARN": arns,
              },
            },
          },
          {
            Sid: "DecryptOwnEnvironment",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: [key.arn],
            Condition: {
              StringEquals: {
                "kms:EncryptionContext:aws:lambda:FunctionArn": `arn:${partition.partition}:lambda:${region}:${account}:function:${name}`,
              },
            },
          },
          {
            Sid: "WriteTraces",
            Effect: "Allow",
            Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            Resource: ["*"],
          },
        ],
      }),
    });
    new LambdaFunction(stack, `${name}-fn`, {
      functionName: name,
      role: role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: zip.outputPath,
      sourceCodeHash: zip.outputBase64Sha256,
      memorySize: 256,
      timeout: 10,
      environment: {
        variables: {
          ...Object.fromEntries(SECRETS.map((s) => [paramNameEnvVar(s), parameterNameFor(`/${name}`, s)])),
          SECRETS_LOADER_TIMEOUT_MS: "9000",
        },
      },
      kmsKeyArn: key.arn,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: group.name },
      dependsOn: [group, policy],
    });
  }
}

function main(): void {
  const [mode, count, outdir] = process.argv.slice(2);
  const n = Number(count);
  if ((mode !== "construct" && mode !== "bare") || !Number.isInteger(n) || !outdir) {
    throw new Error("usage: synth-stack.ts <construct|bare> <n> <outdir>");
  }
  const started = performance.now();
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "bench");
  // The write-only arguments need Terraform 1.11, which CDK Terrain checks against the declared
  // versions: a hand-written stack declares them itself, as SecureLambda does for its own.
  if (mode === "bare") declareTargetVersions(stack);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  (mode === "construct" ? withConstruct : bare)(stack, n);
  app.synth();
  const synthMs = performance.now() - started;
  process.stdout.write(
    `${JSON.stringify({ mode, n, synthMs, maxRssMb: process.resourceUsage().maxRSS / 1024, esbuildRuns: bundlingRuns() })}\n`,
  );
}

main();
