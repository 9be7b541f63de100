// What a user of the package needs: the constructs, their props' types, the errors they
// throw, and the naming rule (for code that reads the secrets in another language). The
// rest (the guard's rules, the zip, the settings) stays internal; a test pins this list.
export { SecureLambda, type SecureLambdaProps } from "./secure-lambda";
export { SecretsKey, type ISecretsKey, type SecretsKeyProps } from "./secrets-key";
export { ExecutionRole, type DeadLetterAction, type ExecutionRoleProps } from "./execution-role";
export type { DeadLetterQueueOption, DeadLetterTargetOption } from "./dead-letter-target";
export type { PolicyStatement } from "./policy";
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
  type SecretStore,
} from "../common/naming";
export { SecretsEndpoints, type SecretsEndpointsProps } from "./secrets-endpoints";
export type { SecretRotation } from "./secrets-manager-secret";
export { LOG_RETENTION_DAYS, SUPPORTED_ARCHITECTURES, type LambdaArchitecture } from "./secure-lambda-props";
export {
  DEPRECATED_RUNTIMES,
  NODE_RUNTIMES,
  SUPPORTED_RUNTIMES,
  type LambdaRuntime,
  type NodeRuntime,
} from "./runtimes";
export type { CodeDirectory, CodeZipFile, FunctionCode } from "./function-code";
export type { FunctionSchedule, ScheduleTrigger } from "./schedule-trigger";
export type { SnsTrigger } from "./sns-trigger";
export type { VpcPlacement } from "./vpc-placement";
