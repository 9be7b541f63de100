/**
 * The runtime loader's cold path against its floor, and the cold-start storm: sections of
 * `npm run bench` (bench/run.ts), each loader side by side in one run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { bundle } from "../constructs/bundling";
import { DEFAULT_RUNTIME, NODE_BUNDLE_TARGETS } from "../constructs/runtimes";
import { ms, timeProcess } from "./measure";

const ROOT = path.join(__dirname, "..");
const REGISTER = ["-r", path.join(ROOT, "scripts", "register.cjs")];

/** The loaders compared: today's, and the two it replaced (bench fixtures). */
export const LOADERS = [
  { kind: "current", name: "current (node:http, own SigV4)", dir: path.join(ROOT, "lambda-src", "secrets") },
  {
    kind: "aws4fetch",
    name: "aws4fetch (fetch, WebCrypto)",
    dir: path.join(__dirname, "fixtures", "aws4fetch-loader"),
  },
  { kind: "sdk", name: "SDK + Powertools", dir: path.join(__dirname, "fixtures", "sdk-loader") },
] as const;

/** Pairs of fresh processes behind each cold-path ratio (the acceptance figure is their median). */
export const COLD_PATH_PAIRS = 15;
/** The cold path's target: within 1.15x of one bare signed request. */
const MAX_COLD_PATH_RATIO = 1.15;
/** Cold starts at once in each storm. */
const STORM_SIZES = [100, 200, 400];
/** The loaders of the storm: today's, today's with the retry policy it replaced, and the SDK with Powertools. */
const STORM_LOADERS = [
  { kind: "current", name: "current" },
  { kind: "previous", name: "current with the previous retry policy" },
  { kind: "sdk", name: "SDK + Powertools" },
] as const;
/** SSM's default quota: 40 calls at once, then 40 a second. */
const QUOTA_PER_SECOND = 40;
/** Issue 33's targets for 200 cold starts, and for 400. */
const STORM_MAX_P99_RATIO = 1.25;
const STORM_MAX_CALLS_PER_READ = 1.5;
const STORM_MIN_SERVED_OF_400 = 380;

/** The earliest the k-th read (from 1) of a storm can be served: the quota's first 40 at once, then 40 a second. */
export function readFloorMs(k: number): number {
  return (Math.max(0, k - QUOTA_PER_SECOND) / QUOTA_PER_SECOND) * 1000;
}

/** The read a percentile of `n` is (as storm.ts picks it): the p99 of 200 is the 198th. */
function rankOf(p: number, n: number): number {
  return Math.min(n, Math.ceil((p / 100) * n));
}

interface Row {
  readonly figure: string;
  readonly value: string;
  readonly target?: string;
  readonly met?: boolean;
}

/**
 * `entry` bundled exactly as SecureLambda bundles it (by default for the default runtime), with its loader import
 * (`from "<loaderImport>"`) pointed at `loaderDir`, so bundles differ in the loader alone.
 */
export function bundleWithLoader(
  entry: string,
  loaderImport: string,
  loaderDir: string,
  dir: string,
  target = NODE_BUNDLE_TARGETS[DEFAULT_RUNTIME],
): string {
  const source = fs.readFileSync(entry, "utf8");
  const from = `from ${JSON.stringify(loaderImport)};`;
  if (!source.includes(from)) throw new Error(`${entry} no longer imports the loader as ${from}: update the bench`);
  const copy = path.join(dir, path.basename(entry));
  fs.writeFileSync(copy, source.replace(from, `from ${JSON.stringify(loaderDir)};`));
  return path.join(bundle({ entry: copy, target, minify: true }).dir, "index.js");
}

/**
 * The cold path (a fresh process loads a handler bundled with the loader and makes its first read) against the floor,
 * per loader.
 */
export function coldPathComparison(freshDir: () => string): { rows: Row[]; table: string[] } {
  const entry = path.join(__dirname, "fixtures", "cold-read.ts");
  const bundles = LOADERS.map((loader) => ({
    ...loader,
    file: bundleWithLoader(entry, "../../lambda-src/secrets", loader.dir, freshDir()),
  }));
  const run = timeProcess(
    process.execPath,
    [
      ...REGISTER,
      path.join(__dirname, "cold-path.ts"),
      String(COLD_PATH_PAIRS),
      ...bundles.map((b) => `${b.kind}=${b.file}`),
    ],
    {
      cwd: ROOT,
    },
  );
  const results = JSON.parse(run.stdout.trim().split("\n").pop()!) as Record<
    string,
    { floorMs: number; coldMs: number; loadMs: number; readMs: number; ratio: number }
  >;
  const table = [
    `| loader | bundle (minified) | time to secrets, from process start | floor: one bare signed request | cold path / floor (median of ${COLD_PATH_PAIRS} pairs) | of which: loading the bundle | the first read |`,
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  const rows: Row[] = [];
  for (const b of bundles) {
    const r = results[b.kind]!;
    table.push(
      `| ${b.name} | ${(fs.statSync(b.file).size / 1024).toFixed(1)} KiB | ${ms(r.coldMs)} | ${ms(r.floorMs)} | ${r.ratio.toFixed(2)}x | ${ms(r.loadMs)} | ${ms(r.readMs)} |`,
    );
    if (b.kind === "current") {
      rows.push({
        figure: `Cold path of the loader (load + first read) / floor (one bare signed node:http request), median of ${COLD_PATH_PAIRS} pairs`,
        value: `${r.ratio.toFixed(2)}x (${ms(r.coldMs)} vs ${ms(r.floorMs)})`,
        target: `<= ${MAX_COLD_PATH_RATIO}x`,
        met: r.ratio <= MAX_COLD_PATH_RATIO,
      });
    }
  }
  return { rows, table };
}

/**
 * N concurrent cold starts against a 40 calls per second stand-in, per loader and N: how many were served, p50
 * and p99 against the floor of that read, and the calls per read against the least a storm that starts at once
 * can make (every call beyond the quota's first 40 is throttled once: 2N - 40 calls).
 */
export function stormComparison(): { rows: Row[]; table: string[] } {
  const table = [
    "| loader | cold starts at once | got their secrets | failed | p50 (its floor) | p99 (its floor) | p99 / floor | last read / floor (N - 40) / 40 s | calls to SSM | calls per read (least: all at once) |",
    "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
  ];
  const rows: Row[] = [];
  for (const loader of STORM_LOADERS) {
    for (const n of STORM_SIZES) {
      const run = timeProcess(
        process.execPath,
        [...REGISTER, path.join(__dirname, "storm.ts"), loader.kind, String(n)],
        { cwd: ROOT },
      );
      const r = JSON.parse(run.stdout.trim().split("\n").pop()!) as {
        served: number;
        p50Ms?: number;
        p99Ms?: number;
        lastMs?: number;
        errors: Record<string, number>;
        calls: number;
      };
      const failed = Object.entries(r.errors)
        .map(([name, count]) => `${count} ${name}`)
        .join(", ");
      const time = (value: number | undefined) => (value === undefined ? "-" : ms(value));
      const p50Floor = readFloorMs(rankOf(50, r.served));
      const p99Floor = readFloorMs(rankOf(99, r.served));
      const lastFloor = readFloorMs(n);
      const ratio = (value: number | undefined, floor: number) =>
        value === undefined || floor === 0 ? "-" : `${(value / floor).toFixed(2)}x`;
      const perRead = r.calls / n;
      const leastPerRead = (n + Math.max(0, n - QUOTA_PER_SECOND)) / n;
      table.push(
        `| ${loader.name} | ${n} | ${r.served} | ${failed || "none"} | ${time(r.p50Ms)} (${ms(p50Floor)}) | ${time(r.p99Ms)} (${ms(p99Floor)}) | ${ratio(r.p99Ms, p99Floor)} | ${ratio(r.lastMs, lastFloor)} | ${r.calls} | ${perRead.toFixed(2)} (${leastPerRead.toFixed(2)}) |`,
      );
      if (loader.kind !== "current") continue;
      if (n === 200) {
        const p99Ratio = r.p99Ms === undefined ? Number.POSITIVE_INFINITY : r.p99Ms / p99Floor;
        rows.push(
          {
            figure: "Storm: 200 concurrent cold starts against 40 calls/s, 9 s budget each, got their secrets",
            value: `${r.served}/200`,
            target: "200/200",
            met: r.served === 200,
          },
          {
            figure: `Storm of 200: p99 time to secrets / its floor (${ms(p99Floor)})`,
            value: `${p99Ratio.toFixed(2)}x (${time(r.p99Ms)})`,
            target: `<= ${STORM_MAX_P99_RATIO}x`,
            met: p99Ratio <= STORM_MAX_P99_RATIO,
          },
          {
            figure: `Storm of 200: calls to SSM per read (the least when all start at once: ${leastPerRead.toFixed(2)})`,
            value: `${perRead.toFixed(2)} (${r.calls} calls)`,
            target: `<= ${STORM_MAX_CALLS_PER_READ}`,
            met: perRead <= STORM_MAX_CALLS_PER_READ,
          },
        );
      }
      if (n === 400) {
        rows.push({
          figure: "Storm: 400 concurrent cold starts against 40 calls/s, got their secrets",
          value: `${r.served}/400 (${perRead.toFixed(2)} calls per read)`,
          target: `>= ${STORM_MIN_SERVED_OF_400}`,
          met: r.served >= STORM_MIN_SERVED_OF_400,
        });
      }
    }
  }
  return { rows, table };
}
