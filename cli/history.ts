import { CliError, EXIT } from "./errors";
import { printable } from "./printable";
import type { Session } from "./session";
import { storeClientOf } from "./store-client";
import { findStack } from "./synthesis";
import { findSecret, targetLabel } from "./targets";
import type { SecretVersion } from "./versions";

const STATE: Record<SecretVersion["state"], string> = {
  set: "value",
  placeholder: "placeholder",
  "missing-key": "no such key",
  invalid: "invalid",
  missing: "gone",
};

/** `history <stack> <function> <secret> [--json]`: every version with its date, writer and labels; never a value. */
export async function runHistory(session: Session, args: readonly string[], json: boolean): Promise<number> {
  if (args.length !== 3)
    throw new CliError(`history takes <stack> <function> <secret>, got ${args.length} argument(s)`);
  const [stackName, functionName, secret] = args as [string, string, string];
  const stack = findStack(session.synthesis, stackName);
  const target = findSecret(stack, functionName, secret);
  const versions = await storeClientOf(session.storeClients(stack), target).history(target);
  session.io.stdout.write(
    json
      ? `${JSON.stringify({ secret: targetLabel(target), versions }, null, 2)}\n`
      : formatHistory(targetLabel(target), versions),
  );
  return EXIT.ok;
}

/**
 * One line per version, oldest first: version, date, who wrote it, what it holds (the
 * placeholder, a value, `same` when it did not change this secret), labels, current.
 */
export function formatHistory(label: string, versions: readonly SecretVersion[]): string {
  // Version ids, writers and labels come from the store: printed with control characters escaped.
  const rows = versions.map((v) => [
    printable(v.version),
    v.created ? v.created.toISOString() : "-",
    v.writtenBy === undefined ? "-" : printable(v.writtenBy),
    v.state === "set" && !v.changed ? "value (unchanged)" : STATE[v.state],
    [...(v.current ? ["current"] : []), ...v.labels.filter((l) => l !== "AWSCURRENT").map(printable)].join(",") || "-",
  ]);
  const header = ["version", "created", "written by", "holds", "labels"];
  const widths = [header, ...rows].reduce(
    (w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)),
    [] as number[],
  );
  const lines = [header, ...rows].map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "),
  );
  return `${label}: ${versions.length} version${versions.length === 1 ? "" : "s"}\n${lines.join("\n")}\n`;
}
