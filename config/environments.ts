/**
 * The one configuration file: every environment, and the functions and secrets in it.
 * `main.ts` builds a stack per environment from it; the secrets CLI then finds the
 * functions and secrets in the synthesized stacks, not here. It holds names only, never a
 * secret value.
 */
import type { SecretStore } from "../common/naming";

/** A function deployed with SecureLambda. */
export interface FunctionConfig {
  /** Lambda function name (unique per account and region). */
  readonly functionName: string;
  /** Handler entry, relative to the project root. */
  readonly entry: string;
  /** Secret names; the values are set out of band with `npm run secrets -- set` (the package's `secure-lambda` bin). */
  readonly secrets: readonly string[];
  /** Plain, non-secret environment variables. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Concurrent executions reserved for the function (0 stops it). @default no reservation */
  readonly reservedConcurrentExecutions?: number;
  /** Create an SQS dead-letter queue `<functionName>-dlq` for failed asynchronous events. @default false */
  readonly deadLetterQueue?: boolean;
  /**
   * Where the secrets live: SSM SecureString parameters, or one Secrets Manager secret (JSON, a key per secret).
   * @default "ssm"
   */
  readonly store?: SecretStore;
}

/** Where Terraform keeps the state of an environment. */
export interface StateBackendConfig {
  /** S3 bucket holding the state (encrypted, versioned: created outside this app). */
  readonly bucket: string;
  /** Region of the bucket. @default the environment's region */
  readonly region?: string;
  /** KMS key for the state object. @default the bucket's default encryption (SSE-S3) */
  readonly kmsKeyId?: string;
}

/**
 * Risks a protected environment takes knowingly, each with the reason in one line. Without
 * an entry, a protected environment must keep its state remotely and name its account.
 */
export interface AcceptedRisks {
  /** Why this protected environment keeps its state in a local file. */
  readonly localState?: string;
  /** Why this protected environment may be applied to any account (no `accountId`). */
  readonly anyAccount?: string;
}

/** One deployment target: a stack named after it. */
export interface EnvironmentConfig {
  /** AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /** The only AWS account this environment may be applied to. @default any account */
  readonly accountId?: string;
  /** Remote state; without it the state stays in a local file. @default local backend */
  readonly stateBackend?: StateBackendConfig;
  /**
   * Keep secrets and keys from being destroyed (prevent_destroy, 30-day key deletion window).
   * A protected environment also needs `stateBackend` and `accountId`, unless `acceptedRisks` says why not.
   */
  readonly protected: boolean;
  /** What a protected environment does without, and why. @default none: remote state and an account are required */
  readonly acceptedRisks?: AcceptedRisks;
  /** LocalStack endpoint: every AWS call goes there with test credentials. @default real AWS */
  readonly localstackEndpoint?: string;
  /** The functions of the environment. */
  readonly functions: readonly FunctionConfig[];
}

/** The project name, used in default tags. */
export const PROJECT = "secure-lambda";

function notifier(env: string, store?: SecretStore): FunctionConfig {
  return {
    functionName: `notifier-${env}`,
    entry: "lambda-src/notifier.ts",
    secrets: ["github_token", "slack_webhook_url"],
    environment: { GITHUB_API_URL: "https://api.github.com", GITHUB_REPOSITORY: "octo-org/octo-repo" },
    // A cap as much as a reservation: a flood of events cannot run up the bill or
    // exhaust the account's concurrency for other functions.
    reservedConcurrentExecutions: 5,
    // A notification that failed every retry is kept 14 days instead of being dropped.
    deadLetterQueue: true,
    store,
  };
}

export const environments = {
  dev: { region: "eu-west-1", protected: false, functions: [notifier("dev")] },
  // Staging keeps its secrets in Secrets Manager, to show (and audit) the second store.
  stg: { region: "eu-west-1", protected: false, functions: [notifier("stg", "secretsmanager")] },
  prod: {
    region: "eu-west-1",
    protected: true,
    // EXAMPLE VALUES: replace both with your production account and state bucket (README:
    // "Configure environments"). Synth needs neither to exist; `cdktf deploy prod` does.
    accountId: "111122223333",
    stateBackend: { bucket: "example-secure-lambda-state-prod" },
    functions: [notifier("prod")],
  },
  local: {
    region: "us-east-1",
    protected: false,
    localstackEndpoint: "http://localhost:4566",
    functions: [notifier("local")],
  },
} satisfies Record<string, EnvironmentConfig>;

export type EnvironmentName = keyof typeof environments;
