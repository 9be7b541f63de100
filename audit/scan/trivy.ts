/**
 * Trivy's misconfiguration scan (`trivy config`) on the synthesized stacks: the Terraform
 * scanner reads `.tf.json` as it is, offline, with the checks compiled into the binary.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ScanError, type ScanResult } from "./result";
import type { StackFiles } from "./workdir";

/** One finding of `Results[].Misconfigurations[]` in Trivy's JSON report. */
interface TrivyMisconfiguration {
  readonly ID: string;
  readonly AVDID?: string;
  readonly Title: string;
  readonly Status: "PASS" | "FAIL" | string;
  readonly CauseMetadata?: { readonly Resource?: string };
}

interface TrivyReport {
  readonly Results?: ReadonlyArray<{
    readonly Target: string;
    readonly Misconfigurations?: readonly TrivyMisconfiguration[];
  }>;
}

/** Runs `trivy config` on every stack written under `root` and returns its results by stack. */
export function runTrivy(
  trivy: string,
  files: readonly StackFiles[],
  root: string,
  cacheDir: string,
): Map<string, ScanResult[]> {
  const run = spawnSync(
    trivy,
    [
      "config",
      "--format",
      "json",
      "--include-non-failures",
      "--misconfig-scanners",
      "terraform",
      // Offline: the checks compiled into the binary, never a download.
      "--skip-check-update",
      // Nor a call home: no version notice, no telemetry.
      "--skip-version-check",
      "--disable-telemetry",
      "--cache-dir",
      cacheDir,
      "--quiet",
      root,
    ],
    { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, TRIVY_DISABLE_VEX_NOTICE: "true" } },
  );
  if (run.error) throw new ScanError(`could not run ${trivy}: ${run.error.message} (run npm run tools)`);
  if (run.status !== 0) throw new ScanError(`trivy exited ${run.status}: ${run.stderr.trim().slice(-2000)}`);
  const report = JSON.parse(run.stdout) as TrivyReport;
  // A failure names the file; a pass names the module, the stack's folder.
  const byTarget = new Map(
    files.flatMap((file) => [
      [path.relative(root, file.trivyFile), file] as const,
      [path.relative(root, path.dirname(file.trivyFile)), file] as const,
    ]),
  );
  const results = new Map<string, ScanResult[]>(files.map((file) => [file.stack, []]));
  for (const target of report.Results ?? []) {
    const file = byTarget.get(target.Target);
    if (file === undefined) throw new ScanError(`Trivy reported on ${target.Target}, which is no stack of this scan`);
    for (const finding of target.Misconfigurations ?? []) {
      // Trivy passes every other cloud's checks on a module that has none of their resources.
      if (!finding.ID.startsWith("AWS-")) continue;
      const resource = finding.CauseMetadata?.Resource;
      if (finding.Status !== "PASS" && finding.Status !== "FAIL")
        throw new ScanError(`Trivy gave ${finding.ID} the status ${finding.Status} on ${target.Target}`);
      results.get(file.stack)?.push({
        scanner: "trivy",
        id: finding.AVDID ?? finding.ID,
        resource: resource === undefined || resource === "" ? file.stack : resource,
        result: finding.Status === "PASS" ? "passed" : "failed",
        title: finding.Title,
      });
    }
  }
  for (const [stack, stackResults] of results) {
    if (stackResults.length === 0)
      throw new ScanError(`Trivy ran no check on stack ${stack}: it read none of its resources`);
  }
  return results;
}
