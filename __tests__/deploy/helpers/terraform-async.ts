/**
 * Terraform in a deployed stack's directory without blocking the event loop, for suites that
 * run several environments at once (DeployedStack's own commands are synchronous), and the
 * suites' edits of a stack's JSON.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Run } from "../../../cli/real-tools";
import type { DeployedStack } from "./deployed-stack";

/** Each command's budget: an apply against moto takes tens of seconds, a destroy a few minutes (SQS). */
const COMMAND_BUDGET_MS = 8 * 60_000;

/** Runs terraform/tofu in the stack directory; rejects when the exit code is not `expected` or the budget runs out. */
export function terraformAsync(
  stack: DeployedStack,
  args: readonly string[],
  expected: readonly number[] = [0],
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(stack.tools.terraform, [...args], {
      cwd: stack.stackDir,
      env: {
        ...process.env,
        ...stack.env,
        TF_CLI_CONFIG_FILE: stack.tools.cliConfig,
        TF_IN_AUTOMATION: "1",
        CHECKPOINT_DISABLE: "1",
        TF_INPUT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), COMMAND_BUDGET_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const run = { code: code ?? -1, stdout, stderr };
      if (signal)
        return reject(
          new Error(
            `terraform ${args.join(" ")} in ${stack.name} was killed (${signal}) after ${COMMAND_BUDGET_MS / 1000} s`,
          ),
        );
      if (!expected.includes(run.code)) {
        return reject(
          new Error(
            `terraform ${args.join(" ")} in ${stack.name} exited ${run.code}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`,
          ),
        );
      }
      resolve(run);
    });
  });
}

/** Edits the stack's cdk.tf.json in place. */
export function editJson(stack: DeployedStack, edit: (json: Record<string, any>) => void): void {
  const file = path.join(stack.stackDir, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
}
