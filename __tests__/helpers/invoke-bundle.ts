/**
 * Invokes a synthesized function's bundle in a fresh child Node process (a cold
 * execution environment) with only the environment Lambda would give it, plus
 * {@link lambdaEnvironment} to point it at a fake store.
 */
import { fork } from "node:child_process";
import * as path from "node:path";
import type { SynthesizedFunction } from "./synthesized-function";

/** What one invocation returned or threw. */
export type InvocationResult =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly errorType: string;
      readonly errorMessage: string;
      readonly errorProperties: Record<string, unknown>;
    };

/** What the child process did. */
export interface ChildRun {
  readonly results: readonly InvocationResult[];
  /** Everything the child wrote, for leak checks. */
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link invokeInChild}. */
export interface InvokeOptions {
  /** Warm invocations after the cold load. @default 1 */
  readonly invocations?: number;
  /** Variables on top of the function's own (endpoint override, credentials, what Lambda sets). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Kill the child after this many ms. @default 30000 */
  readonly timeoutMs?: number;
}

/** Options of {@link lambdaEnvironment}. */
export interface LambdaEnvironmentOptions {
  /** The region Lambda sets in AWS_REGION. */
  readonly region: string;
  /** The store's endpoint override pointing at its fake, e.g. `{ AWS_ENDPOINT_URL_SSM: url }`. */
  readonly endpoint: Readonly<Record<string, string>>;
  /** A directory without AWS config files: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE name missing files in it. */
  readonly noConfigDir: string;
}

/**
 * What a child needs on top of the function's own environment to run as in Lambda against
 * a fake store: test credentials, what Lambda sets, the store's endpoint, and no shared
 * config files. For {@link InvokeOptions.extraEnv}.
 */
export function lambdaEnvironment(fn: SynthesizedFunction, options: LambdaEnvironmentOptions): Record<string, string> {
  return {
    ...options.endpoint,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    // What Lambda itself sets in every execution environment.
    AWS_REGION: options.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    // No shared config files: the test must not depend on the machine's ~/.aws.
    AWS_CONFIG_FILE: path.join(options.noConfigDir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(options.noConfigDir, "no-aws-credentials"),
    // The SDK's notice that it will drop Node 20 is noise on the child's stderr, which the tests read.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

const RUNNER = path.join(__dirname, "lambda-runner.cjs");

/** Runs the function's bundle in a child process with exactly its environment plus `extraEnv`. */
export function invokeInChild(fn: SynthesizedFunction, options: InvokeOptions = {}): Promise<ChildRun> {
  const child = fork(RUNNER, [fn.bundleDir, fn.handlerExport, String(options.invocations ?? 1)], {
    env: { ...fn.environment, ...options.extraEnv },
    execArgv: [],
    silent: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    let message: { results?: InvocationResult[]; initError?: string } | undefined;
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("message", (m) => (message = m as typeof message));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (!message?.results)
        reject(
          new Error(
            `child exited ${code} without results (${message?.initError ?? "no message"}); stderr: ${stderr.slice(0, 2000)}`,
          ),
        );
      else resolve({ results: message.results, stdout, stderr });
    });
  });
}
