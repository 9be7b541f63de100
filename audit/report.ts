/** The audit as tables a person reads: one per function, a row per request. */
import type { AuditReport, FunctionAudit } from "./audit";

/** The whole report: a table per function, then the errors and a closing line. */
export function formatAudit(report: AuditReport): string {
  const parts = report.functions.map(formatFunction);
  parts.push(formatAccess(report));
  for (const error of report.errors) parts.push(`${error.stack}: cannot audit: ${error.message}\n`);
  const results = report.functions.flatMap((f) => f.sets.flatMap((s) => s.results));
  const unexpected = results.filter((r) => !r.ok).length;
  const summary = [
    `permissions: ${plural(report.functions.length, "function")}, ${results.length} requests, ${unexpected} unexpected` +
      (report.errors.length > 0 ? `, ${report.errors.length} stacks not auditable` : ""),
    `access: ${report.access.requests} requests, ${plural(report.access.findings.length, "finding")}, ` +
      `${report.unread.length} resources that could grant access not read`,
  ];
  return `${parts.join("\n")}\n${summary.join("\n")}\n`;
}

/**
 * The access analysis: every access beyond the intended readers, with the policies that grant
 * it, and every resource that could grant access that the analysis does not read.
 */
export function formatAccess(report: AuditReport): string {
  const lines = ["access (every principal the app's policies name, asked about every protected resource)"];
  for (const f of report.access.findings) {
    const when = Object.entries(f.when)
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(",") : value}`)
      .join(" ");
    lines.push(
      `  FINDING ${f.function}: ${f.principal} may ${f.action} on ${f.resource}${when ? ` when ${when}` : ""}` +
        (f.error ? ` (ERROR: ${f.error})` : `, granted by ${f.grantedBy.join("; ")}`),
    );
  }
  for (const u of report.unread)
    lines.push(`  NOT READ ${u.stack}: ${u.address} (${u.type}): ${u.why}; the audit cannot prove who it lets in`);
  if (lines.length === 1) lines.push("  nobody beyond the intended readers");
  for (const r of report.access.readers ?? [])
    lines.push(
      `  READER ${r.function}: ${r.principal} may ${r.action} on ${r.resource} (declared with grantSecretsRead)`,
    );
  return `${lines.join("\n")}\n`;
}

/** One function's table. */
export function formatFunction(audit: FunctionAudit): string {
  const { subject } = audit;
  const { target } = subject;
  const account = target.accountIsStandIn
    ? `${target.accountId} (stand-in: the environment names no accountId)`
    : target.accountId;
  const keys = new Set(subject.parameters.filter((p) => p.key.policyIsAssumed).map((p) => p.key.arn));
  const header = [
    `${target.stack} / ${subject.functionName}`,
    `  role ${subject.role.name}, account ${account}, region ${target.region}`,
    ...[...keys].map(
      (arn) =>
        `  key ${arn} is managed elsewhere: its key policy is assumed to be the default one (IAM policies decide)`,
    ),
  ];
  const rows: string[][] = [];
  for (const set of audit.sets) {
    rows.push([set.name]);
    for (const r of set.results)
      rows.push([
        `  ${r.check.describe}`,
        r.check.expected,
        r.result,
        r.ok ? "ok" : r.error ? `ERROR: ${r.error}` : "UNEXPECTED",
      ]);
  }
  const widths = [0, 1, 2].map((i) =>
    Math.max(
      ["request", "expected", "result"][i]!.length,
      ...rows.filter((row) => row.length > 1).map((row) => row[i]!.length),
    ),
  );
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join("  ")}`.trimEnd();
  return `${[...header, line(["request", "expected", "result", ""]), ...rows.map((row) => (row.length === 1 ? `  ${row[0]}` : line(row)))].join("\n")}\n`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
