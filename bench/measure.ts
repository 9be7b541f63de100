import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { performance } from "node:perf_hooks";

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs a whole process and returns its wall time in ms and its stdout; throws on failure (an exit code not in `okExitCodes`, default 0). */
export function timeProcess(command: string, args: readonly string[], options: SpawnSyncOptions = {}, okExitCodes: readonly number[] = [0]): { ms: number; stdout: string } {
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

/** Median wall time of fresh `node` processes that only require `file`, next to a bare `node`. */
export function coldLoad(file: string, runs: number): { nodeAloneMs: number; coldLoadMs: number } {
  const time = (args: string[]) => median(Array.from({ length: runs }, () => timeProcess(process.execPath, args).ms));
  return { nodeAloneMs: time(["-e", "0"]), coldLoadMs: time(["-e", `require(${JSON.stringify(file)})`]) };
}
