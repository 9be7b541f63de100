import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs a whole process and returns its wall time in ms and its stdout; throws on failure (an exit code not in
 * `okExitCodes`, default 0).
 */
export function timeProcess(
  command: string,
  args: readonly string[],
  options: SpawnSyncOptions = {},
  okExitCodes: readonly number[] = [0],
): { ms: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(command, [...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  const ms = performance.now() - started;
  if (result.status === null || !okExitCodes.includes(result.status)) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${String(result.stderr).slice(-2000)}`);
  }
  return { ms, stdout: String(result.stdout) };
}

/** Formats milliseconds for the table. */
export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

/** What {@link coldLoad} measured. */
export interface ColdLoad {
  /** Median wall time of a `node` that only requires an empty file. */
  readonly nodeAloneMs: number;
  /** Median wall time of a `node` that only requires the file. */
  readonly coldLoadMs: number;
  /** Median over the pairs of (requiring the file / bare node): 1.00x is free. */
  readonly ratio: number;
}

/**
 * Cold load of `file` against bare node, in `pairs` pairs of fresh processes: each pair
 * runs a bare `node` and one that only requires the file, back to back (which goes first
 * alternates), so that a busy moment of the machine weighs on both sides of a ratio.
 * "Bare node" requires an empty file, as the Lambda runtime requires a handler: what the
 * ratio measures is what the file's code adds, not the module loader's fixed cost.
 */
export function coldLoad(file: string, pairs: number): ColdLoad {
  const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-empty-")), "index.js");
  fs.writeFileSync(empty, "");
  const bare = () => timeProcess(process.execPath, ["-e", `require(${JSON.stringify(empty)})`]).ms;
  const load = () => timeProcess(process.execPath, ["-e", `require(${JSON.stringify(file)})`]).ms;
  const measured = alternatingPairs(pairs, load, bare);
  fs.rmSync(path.dirname(empty), { recursive: true, force: true });
  return {
    nodeAloneMs: median(measured.map((m) => m.base)),
    coldLoadMs: median(measured.map((m) => m.measured)),
    ratio: median(measured.map((m) => m.measured / m.base)),
  };
}

/**
 * `pairs` pairs of a measurement and its baseline, run back to back, the baseline first in every
 * other pair: a busy moment of a shared machine weighs on both sides of a pair's ratio.
 */
export function alternatingPairs<T>(
  pairs: number,
  measure: () => T,
  baseline: () => T,
): Array<{ measured: T; base: T }> {
  return Array.from({ length: pairs }, (_, i) => {
    if (i % 2 === 0) {
      const base = baseline();
      return { measured: measure(), base };
    }
    const measured = measure();
    return { measured, base: baseline() };
  });
}
