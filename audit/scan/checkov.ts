/**
 * Checkov on the synthesized stacks: its `terraform_json` framework (the one written for
 * cdktf's `cdk.tf.json`), offline, one process for every stack.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { StackJson } from "../terraform-json";
import { ScanError, type ScanResult } from "./result";
import type { StackFiles } from "./workdir";

/**
 * The stack as Checkov 3.3.30 can read it: without `terraform.required_version`.
 *
 * Why: its `terraform_json` parser passes every entry of the `terraform` block to a
 * function that takes only objects, and crashes on the string `required_version`
 * (bridgecrewio/checkov#7454, fix proposed in #7467, not merged), so the whole stack
 * would be a parsing error and no check would run. No Checkov check reads
 * `required_version`; `scan.test` fails once Checkov reads the untouched file, and this
 * copy can go.
 */
export function checkovReadable(json: StackJson & { readonly terraform?: Record<string, unknown> }): unknown {
  if (json.terraform === undefined || !("required_version" in json.terraform)) return json;
  const { required_version: _dropped, ...terraform } = json.terraform;
  return { ...json, terraform };
}

/** One entry of `results.passed_checks` / `failed_checks` in Checkov's JSON output. */
interface CheckovCheck {
  readonly check_id: string;
  readonly check_name: string;
  readonly resource: string;
  readonly file_abs_path: string;
}

interface CheckovReport {
  readonly check_type?: string;
  readonly results?: {
    readonly passed_checks?: CheckovCheck[];
    readonly failed_checks?: CheckovCheck[];
    readonly parsing_errors?: string[];
  };
  readonly summary?: { readonly parsing_errors?: number };
}

/** Runs `checkov` on every stack written under `files` and returns its results by stack. */
export function runCheckov(checkov: string, files: readonly StackFiles[], root: string): Map<string, ScanResult[]> {
  const run = spawnSync(
    checkov,
    ["--directory", root, "--framework", "terraform_json", "--output", "json", "--skip-download", "--compact"],
    {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, CKV_SKIP_PACKAGE_UPDATE_CHECK: "true", BC_API_KEY: "", PYTHONWARNINGS: "ignore" },
    },
  );
  if (run.error) throw new ScanError(`could not run ${checkov}: ${run.error.message} (run npm run tools)`);
  // Checkov exits 1 when a check failed: that is a result, not an error.
  if (run.status !== 0 && run.status !== 1)
    throw new ScanError(`checkov exited ${run.status}: ${run.stderr.trim().slice(-2000)}`);
  const parsed = JSON.parse(run.stdout) as CheckovReport | CheckovReport[];
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  const byFile = new Map(files.map((file) => [fs.realpathSync(file.checkovFile), file]));
  const results = new Map<string, ScanResult[]>(files.map((file) => [file.stack, []]));
  for (const report of reports) {
    if ((report.summary?.parsing_errors ?? 0) > 0) {
      throw new ScanError(
        `Checkov could not parse ${(report.results?.parsing_errors ?? []).join(", ") || "a stack"}: ${lastError(run.stderr)}`,
      );
    }
    for (const [checks, result] of [
      [report.results?.passed_checks ?? [], "passed"],
      [report.results?.failed_checks ?? [], "failed"],
    ] as const) {
      for (const check of checks) {
        const file = byFile.get(fs.realpathSync(check.file_abs_path));
        if (file === undefined)
          throw new ScanError(`Checkov reported on ${check.file_abs_path}, which is no stack of this scan`);
        results.get(file.stack)?.push({
          scanner: "checkov",
          id: check.check_id,
          resource: addressOf(check.resource, file.json),
          result,
          title: check.check_name,
        });
      }
    }
  }
  for (const [stack, stackResults] of results) {
    if (stackResults.length === 0)
      throw new ScanError(
        `Checkov ran no check on stack ${stack}: it read none of its resources (${path.relative(root, byFileOf(files, stack))})`,
      );
  }
  return results;
}

/**
 * The Terraform address of what Checkov calls `resource`. Its `terraform_json` framework
 * names a resource `resource.<name>` in most checks (the type is lost) and `<type>.<name>`
 * in graph checks; cdktf's names are unique within a stack, so the name finds the type.
 */
export function addressOf(checkovResource: string, json: StackJson): string {
  const [kind, name, ...rest] = checkovResource.split(".");
  if (kind !== "resource" || name === undefined || rest.length > 0) return checkovResource;
  const types = Object.entries(json.resource ?? {}).filter(([, bodies]) => name in bodies);
  if (types.length !== 1)
    throw new ScanError(`Checkov reported on ${checkovResource}, which names ${types.length} resources of the stack`);
  return `${types[0]?.[0]}.${name}`;
}

function byFileOf(files: readonly StackFiles[], stack: string): string {
  return files.find((file) => file.stack === stack)?.checkovFile ?? stack;
}

function lastError(stderr: string): string {
  const lines = stderr
    .trim()
    .split("\n")
    .filter((line) => line.trim() !== "");
  return lines.slice(-1)[0] ?? "no message";
}
