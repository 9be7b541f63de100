/**
 * Every cdktf and provider import of the project goes through this file.
 *
 * CDKTF was deprecated by HashiCorp on 2025-12-10; CDK Terrain (`cdktn`,
 * `@cdktn/provider-*`) continues it with the same API. Switching is a rename of
 * the module names below. Provider classes are imported by deep path: the package
 * root loads every AWS resource class (~3 s, ~570 MB), a deep import only one.
 */
export {
  App,
  Annotations,
  Aspects,
  Fn,
  Lazy,
  LocalBackend,
  S3Backend,
  TerraformAsset,
  TerraformElement,
  TerraformHclModule,
  TerraformLocal,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
  Testing,
  Token,
  AssetType,
  Tokenization,
  DefaultTokenResolver,
  StringConcat,
} from "cdktf";
export type { IAspect, TerraformResourceLifecycle } from "cdktf";

/** The package of the AWS provider bindings below (its package.json names the provider version they pin). */
export const AWS_PROVIDER_BINDINGS = "@cdktf/provider-aws";

export { AwsProvider } from "@cdktf/provider-aws/lib/provider";
export type { AwsProviderConfig, AwsProviderEndpoints } from "@cdktf/provider-aws/lib/provider";
export { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
export { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
export { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
export { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
export { IamRole } from "@cdktf/provider-aws/lib/iam-role";
export { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
export { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
export { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
export { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
export { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
export { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
export { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
export { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
export { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
export { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
export { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
export { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
export { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
export { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
export { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
export { SchedulerScheduleGroup } from "@cdktf/provider-aws/lib/scheduler-schedule-group";
export { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
// A topic for the tests and examples to subscribe to (the construct subscribes to topics it is given).
export { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
// Other readers of a function's secrets (secret-readers.ts).
export { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
export { RamResourceShare } from "@cdktf/provider-aws/lib/ram-resource-share";
export { RamResourceAssociation } from "@cdktf/provider-aws/lib/ram-resource-association";
export { RamPrincipalAssociation } from "@cdktf/provider-aws/lib/ram-principal-association";
// A VPC and subnets for the deploy suite's seed 004 app (the construct takes their ids).
export { Vpc } from "@cdktf/provider-aws/lib/vpc";
export { Subnet } from "@cdktf/provider-aws/lib/subnet";
