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
const STORM_SIZES = [100, 200, 1000];

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

/** N concurrent cold starts against a 40 calls per second stand-in, per loader and N. */
export function stormComparison(): { rows: Row[]; table: string[] } {
  const table = [
    "| loader | cold starts at once | got their secrets | failed | time to secrets, p50 | p99 | calls to SSM |",
    "|---|---:|---:|---|---:|---:|---:|",
  ];
  const rows: Row[] = [];
  for (const loader of LOADERS) {
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
        errors: Record<string, number>;
        calls: number;
      };
      const failed = Object.entries(r.errors)
        .map(([name, count]) => `${count} ${name}`)
        .join(", ");
      const time = (value: number | undefined) => (value === undefined ? "-" : ms(value));
      table.push(
        `| ${loader.name} | ${n} | ${r.served} | ${failed || "none"} | ${time(r.p50Ms)} | ${time(r.p99Ms)} | ${r.calls} |`,
      );
      if (loader.kind === "current" && n === 200) {
        rows.push({
          figure: "Storm: 200 concurrent cold starts against 40 calls/s, 9 s budget each, got their secrets",
          value: `${r.served}/200 (p99 ${time(r.p99Ms)})`,
          target: "200/200",
          met: r.served === 200,
        });
      }
    }
  }
  return { rows, table };
}
