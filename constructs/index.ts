// What a user of the package needs: the constructs, their props' types, the errors they
// throw, and the naming rule (for code that reads the secrets in another language). The
// rest (the guard's rules, the zip, the settings) stays internal; a test pins this list.
export { SecureLambda, type SecureLambdaProps } from "./secure-lambda";
export { SecretsKey, type ISecretsKey, type SecretsKeyProps } from "./secrets-key";
export { ExecutionRole, DeadLetterAction, type DeadLetterGrant, type ExecutionRoleProps } from "./execution-role";
export type {
  DeadLetterQueueOption,
  DeadLetterTargetOption,
  ExistingDeadLetterTarget,
} from "./dead-letter-target";
export type { PolicyStatementProps } from "./policy";
export { SecretLeakError, SecureLambdaValidationError, type LeakFinding } from "./errors";
export { SecretLeakGuard, DuplicateCdktfError, type CdktfCopies, type LeakException } from "./leak-guard";
export {
  PLACEHOLDER_VALUE,
  SECRET_ID_ENV_VAR,
  SECRET_STORES,
  defaultSecretName,
  paramNameEnvVar,
  parameterName,
  parameterNameFor,
} from "../common/naming";
export { SecretStore } from "./secret-store";
export { ParameterTier } from "./secret-readers";
export { SecretsEndpoints, type SecretsEndpointsProps } from "./secrets-endpoints";
export type { SecretRotation } from "./secrets-manager-secret";
export { LOG_RETENTION_DAYS, SUPPORTED_ARCHITECTURES, LambdaArchitecture } from "./secure-lambda-props";
export {
  DEPRECATED_RUNTIMES,
  NODE_RUNTIMES,
  SUPPORTED_RUNTIMES,
  LambdaRuntime,
} from "./runtimes";
export type { CodeDirectory, CodeZipFile, FunctionCode } from "./function-code";
export type { FunctionSchedule, ScheduleTrigger, ScheduleTriggerProps } from "./schedule-trigger";
export type { SnsTrigger, SnsTriggerProps } from "./sns-trigger";
export type { VpcPlacement } from "./vpc-placement";
export type { ExternalSecret } from "./external-secrets";
export type { SecretReplica } from "./replicas";
