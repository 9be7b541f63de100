/** Unpacks a function's zip for the tests and the benchmark (not in the package: nothing there needs it). */
import * as fs from "node:fs";
import * as path from "node:path";
import { readZip } from "../constructs/zip";

/** Writes the entries of a zip file into `dir` (created), returning `dir`. */
export function extractZip(zipPath: string, dir: string): string {
  for (const entry of readZip(fs.readFileSync(zipPath))) {
    const target = path.resolve(dir, entry.name);
    if (!target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`zip entry ${entry.name} leaves ${dir}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, entry.data, { mode: entry.executable ? 0o755 : 0o644 });
  }
  return dir;
}
