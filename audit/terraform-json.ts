/**
 * The synthesized Terraform JSON the audit reads: `cdktf.out/stacks/<stack>/cdk.tf.json`,
 * or the string `Testing.synth` returns. The audit judges what Terraform will apply, not
 * the constructs that produced it, so a function added outside SecureLambda is judged too.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** A resource or data source body, as synthesized. */
export type Body = Readonly<Record<string, unknown>>;

/** The parts of a stack's Terraform JSON the audit reads. */
export interface StackJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Body>>>>;
  readonly data?: Readonly<Record<string, Readonly<Record<string, Body>>>>;
  readonly provider?: Readonly<Record<string, readonly Body[]>>;
  /** The stack's outputs: another stack's cross-stack reference reads one. */
  readonly output?: Readonly<Record<string, Body>>;
}

/** One synthesized stack, by name. */
export interface SynthesizedStack {
  readonly name: string;
  readonly json: StackJson;
  /**
   * The files under the stack's `assets/` (the functions' zips), read when the directory was: judged by the leak pass.
   */
  readonly assets?: ReadonlyArray<{ readonly path: string; readonly data: Buffer }>;
  /** The stack's directory, where Terraform runs and resolves the paths the JSON names (`filename`, `source`). */
  readonly directory?: string;
}

/** Raised when the audit cannot evaluate what a stack says: it never guesses. */
export class AuditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuditError";
  }
}

/** The resources of one type in a stack, as [Terraform address, body] pairs. */
export function resourcesOf(json: StackJson, type: string): Array<[string, Body]> {
  return Object.entries(json.resource?.[type] ?? {}).map(([name, body]) => [`${type}.${name}`, body]);
}

/** The body at a Terraform address (`aws_kms_key.x` or `data.aws_region.y`), if the stack has it. */
export function bodyAt(json: StackJson, address: string): Body | undefined {
  const parts = address.split(".");
  const [kind, type, name] = parts[0] === "data" ? ["data", parts[1], parts[2]] : ["resource", parts[0], parts[1]];
  if (type === undefined || name === undefined) return undefined;
  return (kind === "data" ? json.data : json.resource)?.[type]?.[name];
}

/**
 * Reads every stack the synthesized app in `outdir` holds, in the order of its manifest.
 * Throws {@link AuditError} when `outdir` holds no synthesized app.
 */
export function readSynthesizedStacks(outdir: string): SynthesizedStack[] {
  const manifestPath = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifestPath))
    throw new AuditError(
      `${path.resolve(outdir)} holds no synthesized app (no manifest.json): run npm run synth first`,
    );
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as {
    stacks?: Record<string, { synthesizedStackPath?: string }>;
  };
  return Object.entries(manifest.stacks ?? {}).map(([name, entry]) => {
    const file = path.join(outdir, entry.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json"));
    return {
      name,
      json: JSON.parse(fs.readFileSync(file, "utf8")) as StackJson,
      assets: assetFiles(path.dirname(file)),
      directory: path.dirname(file),
    };
  });
}

/** Every file under a stack directory's `assets/`, by its path relative to the stack directory. */
function assetFiles(stackDirectory: string): Array<{ path: string; data: Buffer }> {
  const root = path.join(stackDirectory, "assets");
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .map((entry) => path.join(root, entry))
    .filter((file) => fs.statSync(file).isFile())
    .sort()
    .map((file) => ({
      path: path.relative(stackDirectory, file).split(path.sep).join("/"),
      data: fs.readFileSync(file),
    }));
}
