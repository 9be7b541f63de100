export { SecureLambda, type SecureLambdaProps } from "./secure-lambda";
export { SecretsKey, type ISecretsKey, type SecretsKeyProps } from "./secrets-key";
export { ExecutionRole, type DeadLetterAction, type ExecutionRoleProps } from "./execution-role";
export type { DeadLetterQueueOption } from "./dead-letter-target";
export type { PolicyStatement } from "./policy";
export { SecretLeakError, SecureLambdaValidationError, type LeakFinding } from "./errors";
export { SecretLeakGuard, DEFAULT_LEAK_RULES, type GuardedValue, type GuardedValueKind, type LeakException, type LeakRule } from "./leak-guard";
export { PLACEHOLDER_VALUE, paramNameEnvVar, parameterName } from "./naming";
export { LOG_RETENTION_DAYS, SUPPORTED_ARCHITECTURES, SUPPORTED_RUNTIMES, type LambdaArchitecture, type LambdaRuntime } from "./validation";
