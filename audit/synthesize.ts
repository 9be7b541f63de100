/**
 * The app, synthesized into a temporary directory and read back: what `npm run audit` and `npm run scan` judge by
 * default.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readSynthesizedStacks, type SynthesizedStack } from "./terraform-json";

/** Synthesizes the whole app (every environment of `main.ts`) and returns its stacks. */
export function synthesizeApp(): SynthesizedStack[] {
  // Loaded here, not at the top: `--synthesized` must not pay for cdktf and the providers.
  const { buildApp } = require("../stacks/app") as typeof import("../stacks/app");
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-synth-"));
  try {
    buildApp({ outdir }).synth();
    return readSynthesizedStacks(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The stacks `--synthesized <dir>` names, or the app synthesized now. */
export function stacksToJudge(synthesized: string | undefined): SynthesizedStack[] {
  return synthesized === undefined ? synthesizeApp() : readSynthesizedStacks(synthesized);
}
