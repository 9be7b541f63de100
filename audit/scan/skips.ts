/**
 * The checked-in skip list (`audit/scan/skip-list.json`): the failed checks a scan accepts,
 * each with its reason. A skip that no longer matches a failed result is stale and fails
 * the scan too, so the list never outlives what it excuses.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ScanResult, SkippedResult } from "./result";
import { ScanError } from "./result";

/** The skip list this project checks in. */
export const SKIPS_FILE = path.join(__dirname, "skip-list.json");

/** One accepted failure. */
export interface Skip {
  /** The check id, exactly as the scanner reports it (`CKV_AWS_117`, `AVD-AWS-0066`). */
  readonly id: string;
  /** A Terraform address, or `all` for every resource the check fails on. */
  readonly resource: string;
  /** Why the failure is accepted, in one line. */
  readonly reason: string;
}

/** Reads and checks a skip list; every problem is named with the entry's index. */
export function readSkips(file: string = SKIPS_FILE): Skip[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ScanError(`cannot read the skip list ${file}: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed))
    throw new ScanError(`the skip list ${file} must be a JSON array of { "id", "resource", "reason" }`);
  const seen = new Set<string>();
  return parsed.map((entry: unknown, index) => {
    const where = `${file} entry ${index}`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry))
      throw new ScanError(`${where}: must be an object { "id", "resource", "reason" }`);
    const { id, resource, reason, ...extra } = entry as Record<string, unknown>;
    if (Object.keys(extra).length > 0)
      throw new ScanError(
        `${where}: unknown field ${Object.keys(extra)
          .map((k) => JSON.stringify(k))
          .join(", ")}; allowed: id, resource, reason`,
      );
    if (typeof id !== "string" || !/^[A-Za-z0-9_.-]+$/.test(id))
      throw new ScanError(`${where}: id ${JSON.stringify(id)} must be a check id such as CKV_AWS_117 or AVD-AWS-0066`);
    if (typeof resource !== "string" || resource === "")
      throw new ScanError(`${where}: resource ${JSON.stringify(resource)} must be a Terraform address or "all"`);
    if (typeof reason !== "string" || reason.trim() === "" || reason.includes("\n"))
      throw new ScanError(`${where}: reason must be one non-empty line saying why ${id} is accepted`);
    const key = `${id} ${resource}`;
    if (seen.has(key)) throw new ScanError(`${where}: ${id} on ${resource} is listed twice`);
    seen.add(key);
    return { id, resource, reason };
  });
}

/** Splits failed results into accepted (by a skip) and not, and names the skips that matched none. */
export function applySkips(
  results: readonly ScanResult[],
  skips: readonly Skip[],
): { failed: ScanResult[]; skipped: SkippedResult[]; stale: Skip[] } {
  const used = new Set<Skip>();
  const failed: ScanResult[] = [];
  const skipped: SkippedResult[] = [];
  for (const result of results) {
    if (result.result !== "failed") continue;
    const skip = skips.find((s) => s.id === result.id && (s.resource === "all" || s.resource === result.resource));
    if (skip === undefined) {
      failed.push(result);
    } else {
      used.add(skip);
      skipped.push({ ...result, reason: skip.reason });
    }
  }
  return { failed, skipped, stale: skips.filter((skip) => !used.has(skip)) };
}
