/**
 * Invokes a synthesized function's bundle in a fresh child Node process (a cold
 * execution environment) with only the environment Lambda would give it.
 */
import { fork } from "node:child_process";
import * as path from "node:path";
import type { SynthesizedFunction } from "./synthesized-function";

/** What one invocation returned or threw. */
export type InvocationResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string; readonly errorProperties: Record<string, unknown> };

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
      if (!message?.results) reject(new Error(`child exited ${code} without results (${message?.initError ?? "no message"}); stderr: ${stderr.slice(0, 2000)}`));
      else resolve({ results: message.results, stdout, stderr });
    });
  });
}
