/** The scan as tables a person reads: one per stack, a row per check and resource. */
import type { Scanner, ScanResult } from "./result";
import type { ScanReport, StackScan } from "./scan";

const SCANNERS: readonly Scanner[] = ["checkov", "trivy", "secure-lambda"];

/** Every stack's table, the stale skips, and a closing line per scanner. */
export function formatScan(report: ScanReport, versions: Readonly<Partial<Record<Scanner, string>>> = {}): string {
  const parts = report.stacks.map(formatStackScan);
  for (const skip of report.stale) {
    parts.push(
      `STALE SKIP: ${skip.id} on ${skip.resource} no longer fails anywhere; remove it from the skip list (its reason was: ${skip.reason})\n`,
    );
  }
  const summary = SCANNERS.map((scanner) => {
    const counts = countsOf(report.stacks, scanner);
    const version = versions[scanner] === undefined ? "" : ` ${versions[scanner]}`;
    return `${scanner}${version}: ${counts.total} results (${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped)`;
  });
  const verdict = report.ok
    ? "scan: ok"
    : `scan: FAILED (${report.stacks.reduce((n, s) => n + s.failed.length, 0)} failed, ${report.stale.length} stale skips)`;
  return `${parts.join("\n")}\n${[...summary, verdict].join("\n")}\n`;
}

/** One stack's table: failures first, then accepted failures with their reason, then passes. */
export function formatStackScan(scan: StackScan): string {
  const failed = new Set(scan.failed);
  const rank = (r: ScanResult) => (failed.has(r) ? 0 : r.result === "failed" ? 1 : 2);
  const skipOf = (r: ScanResult) =>
    scan.skipped.find((s) => s.scanner === r.scanner && s.id === r.id && s.resource === r.resource);
  const rows = [...scan.results]
    .sort(
      (a, b) =>
        rank(a) - rank(b) ||
        a.scanner.localeCompare(b.scanner) ||
        a.id.localeCompare(b.id, undefined, { numeric: true }) ||
        a.resource.localeCompare(b.resource),
    )
    .map((r) => {
      const skip = skipOf(r);
      const result = failed.has(r) ? "FAILED" : r.result === "failed" ? `skipped: ${skip?.reason ?? ""}` : "passed";
      return [r.id, r.resource, r.scanner, result];
    });
  const widths = [0, 1, 2].map((i) =>
    Math.max(["check", "resource", "scanner"][i]!.length, ...rows.map((row) => row[i]!.length)),
  );
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join("  ")}`.trimEnd();
  const lines = [`${scan.stack}: posture scan`, line(["check", "resource", "scanner", "result"]), ...rows.map(line)];
  for (const r of scan.failed) lines.push(`  FAILED ${r.id} on ${r.resource} (${r.scanner}): ${r.title}`);
  return `${lines.join("\n")}\n`;
}

function countsOf(
  stacks: readonly StackScan[],
  scanner: Scanner,
): { total: number; passed: number; failed: number; skipped: number } {
  const of = <T extends ScanResult>(list: readonly T[]) => list.filter((r) => r.scanner === scanner).length;
  const results = stacks.flatMap((s) => s.results);
  return {
    total: of(results),
    passed: of(results.filter((r) => r.result === "passed")),
    failed: of(stacks.flatMap((s) => s.failed)),
    skipped: of(stacks.flatMap((s) => s.skipped)),
  };
}
