/**
 * SecureLambda's props with every default applied: the one shape validation judges and the
 * construct builds from (with what validation works out, {@link Settings}).
 */
import { defaultParameterPrefix, type SecretStore } from "../common/naming";
import type { DeadLetterTargetOption } from "./dead-letter-target";
import type { ExternalSecret } from "./external-secrets";
import type { FunctionCode } from "./function-code";
import { DEFAULT_RUNTIME, defaultHandlerOf } from "./runtimes";
import type { FunctionSchedule } from "./schedule-trigger";
import type { ISecretsKey } from "./secrets-key";
import type { SecretRotation } from "./secrets-manager-secret";
import type { SecureLambdaProps } from "./secure-lambda-props";
import type { VpcPlacement } from "./vpc-placement";

/** Every prop of {@link SecureLambdaProps}, its default applied where it has one. */
export interface DefaultedProps {
  readonly functionName: string;
  readonly roleName: string;
  readonly entry?: string;
  readonly code?: FunctionCode;
  /** The handler as given, or its default (undefined for `code` on a runtime without one). */
  readonly handler?: string;
  readonly secrets: readonly string[];
  readonly parameterPrefix: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly runtime: string;
  readonly architecture: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly logRetentionDays: number;
  readonly kmsKey?: ISecretsKey;
  readonly minify: boolean;
  readonly protect: boolean;
  readonly allowLiteralEnvironment?: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly tracing: boolean;
  readonly reservedConcurrentExecutions?: number;
  /** `deadLetterTarget`, or its deprecated alias `deadLetterQueue` when only that is given. */
  readonly deadLetterTarget?: DeadLetterTargetOption;
  readonly functionUrl: boolean;
  readonly codeSigningConfigArn?: string;
  readonly store: SecretStore;
  readonly rotation?: SecretRotation;
  readonly tags?: Readonly<Record<string, string>>;
  readonly vpc?: VpcPlacement;
  readonly schedule?: FunctionSchedule;
  readonly snsTopicArns: readonly string[];
  readonly externalSecrets?: readonly ExternalSecret[];
  readonly replicaRegions?: readonly string[];
  /**
   * The props the caller set (not undefined), for the checks whose verdict depends on it: a
   * `parameterPrefix` with store "secretsmanager", `minify` with `code`, a derived prefix's message.
   */
  readonly given: ReadonlySet<keyof SecureLambdaProps>;
}

// A prop whose check judges what the caller passed gets its default only when it was not
// passed at all: `null` is a wrong value to refuse, not a request for the default.
function unlessGiven<T>(value: T | undefined, otherwise: T): T {
  return value === undefined ? otherwise : value;
}

/** The props with their defaults; nothing judged yet (a wrong type stays as given, for validation to name). */
export function applyDefaults(props: SecureLambdaProps): DefaultedProps {
  const given = new Set(
    (Object.keys(props) as (keyof SecureLambdaProps)[]).filter((prop) => props[prop] !== undefined),
  );
  return {
    functionName: props.functionName,
    roleName: props.roleName ?? props.functionName,
    entry: props.entry,
    code: props.code,
    // Derived only from a string: any other value is refused by validation, which names it, and is
    // never converted here (an object's `toString` may be no function, or throw).
    handler:
      props.handler ??
      (props.code === undefined ? "handler" : defaultHandlerOf(typeof props.runtime === "string" ? props.runtime : "")),
    secrets: props.secrets ?? [],
    parameterPrefix:
      props.parameterPrefix ??
      (typeof props.functionName === "string" ? defaultParameterPrefix(props.functionName) : ""),
    environment: props.environment ?? {},
    runtime: props.runtime ?? DEFAULT_RUNTIME,
    architecture: props.architecture ?? "arm64",
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? 10,
    logRetentionDays: props.logRetentionDays ?? 365,
    kmsKey: props.kmsKey,
    minify: unlessGiven(props.minify, true),
    protect: unlessGiven(props.protect, false),
    allowLiteralEnvironment: props.allowLiteralEnvironment,
    description: props.description,
    tracing: unlessGiven(props.tracing, true),
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    deadLetterTarget: props.deadLetterTarget ?? props.deadLetterQueue,
    functionUrl: unlessGiven(props.functionUrl, false),
    codeSigningConfigArn: props.codeSigningConfigArn,
    // The prop is a string (jsii has no literal types); validation refuses any but these before anything is built.
    store: (props.store ?? "ssm") as SecretStore,
    rotation: props.rotation,
    tags: props.tags,
    vpc: props.vpc,
    schedule: props.schedule,
    snsTopicArns: unlessGiven(props.snsTopicArns, []),
    externalSecrets: props.externalSecrets,
    replicaRegions: props.replicaRegions,
    given,
  };
}
