export { SecureLambda, type SecureLambdaProps } from "./secure-lambda";
export { SecretsKey, type SecretsKeyProps } from "./secrets-key";
export { ExecutionRole, type ExecutionRoleProps } from "./execution-role";
export type { PolicyStatement } from "./policy";
export { SecureLambdaValidationError } from "./errors";
export { PLACEHOLDER_VALUE, paramNameEnvVar, parameterName } from "./naming";
export { LOG_RETENTION_DAYS, SUPPORTED_ARCHITECTURES, SUPPORTED_RUNTIMES, type LambdaArchitecture, type LambdaRuntime } from "./validation";
