import { redactText } from "../common/token-formats";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BuildFailure } from "esbuild";
import { deterministicZip } from "./zip";

/** What decides a bundle: two functions with equal options share one esbuild run. */
export interface BundleOptions {
  /** Absolute path of the handler's TypeScript file. */
  readonly entry: string;
  /** esbuild target, e.g. `node22`. */
  readonly target: string;
  /** Minify the output. */
  readonly minify: boolean;
}

/** A bundle on disk: a directory holding `index.js`, and the zip Lambda deploys. */
export interface Bundle {
  /** Directory holding `index.js`. */
  readonly dir: string;
  /** SHA-256 of the bundle's code (hex); names the asset and the zip. */
  readonly hash: string;
  /** Size of `index.js` in bytes. */
  readonly bytes: number;
  /** The deterministic zip of `index.js` (same code, same bytes). */
  readonly zipPath: string;
  /** Base64 SHA-256 of the zip: Lambda's `CodeSha256`, the function's `source_code_hash`. */
  readonly zipSha256: string;
}

/** Raised when esbuild cannot bundle an entry; carries esbuild's messages, not a stack. */
export class BundlingError extends Error {
  readonly details: string;

  constructor(
    readonly entry: string,
    details: string,
  ) {
    // esbuild quotes the source around a syntax error (`Expected "}" but found "<token>"`): every
    // credential format and random-looking run in its message is replaced by its length and kind.
    super(`cannot bundle ${redactText(entry)}: ${redactText(details)}`);
    this.details = redactText(details);
    this.name = "BundlingError";
  }
}

const cache = new Map<string, Bundle>();
let runs = 0;
let outRoot: string | undefined;

/** How many times esbuild ran in this process (one per distinct entry and options). */
export function bundlingRuns(): number {
  return runs;
}

/**
 * Bundles an entry once per process and options: a stack with a thousand functions on
 * one entry runs esbuild once. The output is a self-contained CommonJS file, so the
 * function does not depend on the SDK version the Lambda runtime happens to ship.
 */
export function bundle(options: BundleOptions): Bundle {
  const key = JSON.stringify([options.entry, options.target, options.minify]);
  const cached = cache.get(key);
  if (cached) return cached;

  if (!fs.existsSync(options.entry)) throw new BundlingError(options.entry, "the file does not exist");
  const { buildSync } = loadEsbuild(options.entry);
  outRoot ??= stagingDirectory();
  const dir = path.join(outRoot, createHash("sha256").update(key).digest("hex").slice(0, 16));
  runs += 1;
  try {
    buildSync({
      entryPoints: [options.entry],
      outfile: path.join(dir, "index.js"),
      bundle: true,
      platform: "node",
      format: "cjs",
      target: options.target,
      minify: options.minify,
      // Prefer ESM builds of dependencies: they tree-shake to a smaller bundle.
      mainFields: ["module", "main"],
      legalComments: "none",
      logLevel: "silent",
    });
  } catch (error) {
    throw new BundlingError(options.entry, describeBuildFailure(error));
  }
  const code = fs.readFileSync(path.join(dir, "index.js"));
  const hash = createHash("sha256").update(code).digest("hex");
  const zip = deterministicZip([{ name: "index.js", data: code }]);
  const zipPath = path.join(dir, "code.zip");
  fs.writeFileSync(zipPath, zip);
  const result: Bundle = {
    dir,
    hash,
    bytes: code.length,
    zipPath,
    zipSha256: createHash("sha256").update(zip).digest("base64"),
  };
  cache.set(key, result);
  return result;
}

/**
 * esbuild, loaded when an entry is first bundled rather than with the construct: the jsii packages for Python,
 * Java and Go carry no esbuild (it is an optional dependency there, since its binary is per platform), and an app
 * in those languages gives `code` built with its own tools.
 */
function loadEsbuild(entry: string): typeof import("esbuild") {
  try {
    return require("esbuild") as typeof import("esbuild");
  } catch {
    throw new BundlingError(
      entry,
      "esbuild, which bundles entry at synth, is not installed: install it (npm install esbuild), " +
        "or give code built elsewhere, code: { directory } or { zipFile }",
    );
  }
}

/**
 * Where bundles wait until synth copies them into cdktf.out: a temporary directory of
 * this process, removed when it exits (a thousand synths must not leave a thousand).
 */
function stagingDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-bundles-"));
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function describeBuildFailure(error: unknown): string {
  const failure = error as Partial<BuildFailure>;
  if (!Array.isArray(failure.errors) || failure.errors.length === 0) return String((error as Error)?.message ?? error);
  return (
    failure.errors
      .slice(0, 5)
      // esbuild names files relative to its working directory; an absolute path reads the same from anywhere.
      .map((e) =>
        e.location ? `${path.resolve(e.location.file)}:${e.location.line}:${e.location.column}: ${e.text}` : e.text,
      )
      .join("; ")
  );
}
