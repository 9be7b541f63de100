import * as fs from "node:fs";
import * as path from "node:path";

/** One synthesized stack, as `npm run synth` reports it. */
export interface StackSummary {
  readonly name: string;
  /** `function_name` of every aws_lambda_function in the stack. */
  readonly functions: readonly string[];
  /** Number of resources (data sources not counted). */
  readonly resources: number;
  /** The stack's `cdk.tf.json`, relative to the working directory. */
  readonly file: string;
}

/** A warning annotation of a stack (e.g. a key from `SecretsKey.fromKeyArn`). */
export interface SynthWarning {
  readonly constructPath: string;
  readonly message: string;
}

/** What a synthesis wrote, read back from the output folder. */
export interface SynthSummary {
  readonly outdir: string;
  readonly stacks: readonly StackSummary[];
  readonly warnings: readonly SynthWarning[];
}

interface Manifest {
  stacks: Record<
    string,
    { synthesizedStackPath: string; annotations?: Array<{ level: string; constructPath: string; message: string }> }
  >;
}

type StackJson = { resource?: Record<string, Record<string, { function_name?: unknown }>> };

/**
 * Reads `<outdir>/manifest.json` and each stack's `cdk.tf.json`. cdktf puts warnings only
 * into the manifest; the cdktf CLI prints them, a plain `app.synth()` does not.
 */
export function summarizeSynth(outdir: string): SynthSummary {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as Manifest;
  const stacks: StackSummary[] = [];
  const warnings: SynthWarning[] = [];
  for (const [name, stack] of Object.entries(manifest.stacks)) {
    const file = path.join(outdir, stack.synthesizedStackPath);
    const json = JSON.parse(fs.readFileSync(file, "utf8")) as StackJson;
    const byType = json.resource ?? {};
    stacks.push({
      name,
      functions: Object.values(byType.aws_lambda_function ?? {}).map((f) => String(f.function_name)),
      resources: Object.values(byType).reduce((sum, ofType) => sum + Object.keys(ofType).length, 0),
      file: path.relative(process.cwd(), file),
    });
    for (const annotation of stack.annotations ?? []) {
      if (annotation.level === "@cdktf/warn")
        warnings.push({ constructPath: annotation.constructPath, message: annotation.message });
    }
  }
  return { outdir, stacks, warnings };
}

const YELLOW = "\u001b[33m";
const RESET = "\u001b[0m";

/** The summary as lines for stdout, and the warnings (yellow when `color`) for stderr. */
export function formatSynthSummary(summary: SynthSummary, color: boolean): { stdout: string; stderr: string } {
  const lines = summary.stacks.map(
    (s) =>
      `  ${s.name}: ${s.resources} resources, ${s.functions.length} function${s.functions.length === 1 ? "" : "s"} (${s.functions.join(", ") || "none"}) -> ${s.file}`,
  );
  const stdout = [
    `synthesized ${summary.stacks.length} stack${summary.stacks.length === 1 ? "" : "s"} into ${path.relative(process.cwd(), summary.outdir) || "."}/:`,
    ...lines,
    "",
  ].join("\n");
  const paint = (text: string) => (color ? `${YELLOW}${text}${RESET}` : text);
  const stderr = summary.warnings.map((w) => `${paint(`warning: [${w.constructPath}] ${w.message}`)}\n`).join("");
  return { stdout, stderr };
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}
