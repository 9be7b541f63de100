/**
 * The one posture path: Checkov and Trivy on every synthesized stack, plus the project's
 * own rules for what no scanner checks, judged against the checked-in skip list.
 * `npm run scan` prints it; `npm run audit` runs it after the IAM proof.
 */
import * as path from "node:path";
import { checkPosture } from "../posture";
import type { SynthesizedStack } from "../terraform-json";
import { runCheckov } from "./checkov";
import { ScanError, type ScanResult, type SkippedResult } from "./result";
import { applySkips, type Skip } from "./skips";
import { runTrivy } from "./trivy";
import { writeScanWorkdir } from "./workdir";

/** The scanner binaries (`npm run tools` writes them to `.tools/tools.json`). */
export interface Scanners {
  readonly checkov: string;
  readonly trivy: string;
  /** Trivy's cache directory (it keeps nothing there offline but its own state). */
  readonly trivyCacheDir: string;
}

/** What the scan found in one stack. */
export interface StackScan {
  readonly stack: string;
  /** Every result, in the order: Checkov, Trivy, the project's rules. */
  readonly results: readonly ScanResult[];
  /** Failed results no skip accepts: each fails the scan. */
  readonly failed: readonly ScanResult[];
  /** Failed results a skip accepts, with its reason. */
  readonly skipped: readonly SkippedResult[];
}

/** A whole scan. */
export interface ScanReport {
  readonly stacks: readonly StackScan[];
  /** Skips that accepted no failed result in any scanned stack: each fails a scan of the whole app. */
  readonly stale: readonly Skip[];
  /**
   * True when the scan named its environments (some of the app's stacks): a skip unused there may be used elsewhere, so
   * it is not stale.
   */
  readonly partial: boolean;
  readonly ok: boolean;
}

/**
 * Scans the stacks with both scanners and the project's own rules. `partial` says the
 * stacks are not the whole app (then an unused skip is not called stale).
 */
export function scanStacks(
  stacks: readonly SynthesizedStack[],
  scanners: Scanners,
  skips: readonly Skip[],
  partial = false,
): ScanReport {
  if (stacks.length === 0) throw new ScanError("there is no stack to scan");
  const workdir = writeScanWorkdir(stacks);
  try {
    const checkov = runCheckov(scanners.checkov, workdir.files, workdir.checkovRoot);
    const trivy = runTrivy(scanners.trivy, workdir.files, workdir.trivyRoot, scanners.trivyCacheDir);
    const all = stacks.map((stack) => ({
      stack: stack.name,
      results: [...(checkov.get(stack.name) ?? []), ...(trivy.get(stack.name) ?? []), ...ownRuleResults(stack)],
    }));
    const { stale: unused } = applySkips(
      all.flatMap((s) => s.results),
      skips,
    );
    const scanned = all.map(({ stack, results }) => ({ stack, results, ...applySkips(results, skips) }));
    const stale = partial ? [] : unused;
    return {
      stacks: scanned.map(({ stack, results, failed, skipped }) => ({ stack, results, failed, skipped })),
      stale,
      partial,
      ok: stale.length === 0 && scanned.every((s) => s.failed.length === 0),
    };
  } finally {
    workdir.remove();
  }
}

/** The project's posture rules as scan results: one per finding, or one pass per rule and stack. */
function ownRuleResults(stack: SynthesizedStack): ScanResult[] {
  return checkPosture(stack.json).flatMap(({ rule, findings }): ScanResult[] =>
    findings.length === 0
      ? [
          {
            scanner: "secure-lambda" as const,
            id: rule.id,
            resource: stack.name,
            result: "passed" as const,
            title: rule.title,
          },
        ]
      : findings.map((finding) => ({
          scanner: "secure-lambda" as const,
          id: rule.id,
          resource: finding.address,
          result: "failed" as const,
          title: `${rule.title}: ${finding.problem}`,
        })),
  );
}

/** The binaries `npm run tools` installed, from `.tools/tools.json`. */
export function scannersFromTools(
  tools: { readonly checkov?: string; readonly trivy?: string },
  root: string,
): Scanners {
  if (tools.checkov === undefined || tools.trivy === undefined) {
    throw new ScanError(
      `${path.join(root, ".tools", "tools.json")} names no checkov or trivy: run \`npm run tools\` again (it installs them)`,
    );
  }
  return { checkov: tools.checkov, trivy: tools.trivy, trivyCacheDir: path.join(root, ".tools", "trivy-cache") };
}
