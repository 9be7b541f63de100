/**
 * The files a stack's JSON deploys or uploads by naming a path, besides its assets: a function's
 * or a layer's `filename` (an override's too), an S3 object's `source`, an `archive_file` data
 * source's `source_file` and `source_dir`. Terraform reads them at plan from the stack's directory;
 * the guard reads them at synth, from the same place.
 *
 * Free of cdktf.
 */
import { isPlainObject } from "../../../common/values";

/** One argument that names a file (or a directory) Terraform deploys. */
export interface DeployedPath {
  /** Terraform address of the block: `aws_lambda_layer_version.deps`, `data.archive_file.code`. */
  readonly address: string;
  readonly constructPath: string;
  /** The argument: `filename`, `source`, `source_file`, `source_dir`. */
  readonly argument: string;
  /** The path, relative to the stack's directory unless absolute; undefined when not known at synth. */
  readonly path?: string;
}

/** The arguments that name a deployed file, by block type. */
const PATH_ARGUMENTS: ReadonlyArray<readonly ["resource" | "data", string, readonly string[]]> = [
  ["resource", "aws_lambda_function", ["filename"]],
  ["resource", "aws_lambda_layer_version", ["filename"]],
  ["resource", "aws_s3_object", ["source"]],
  ["resource", "aws_s3_bucket_object", ["source"]],
  ["data", "archive_file", ["source_file", "source_dir"]],
  ["resource", "archive_file", ["source_file", "source_dir"]],
];

// What a path may refer to and still be known at synth: the stack's own directory.
const PATH_REFERENCE = /\$\{path\.(?:module|root|cwd)\}/g;
// A path that is another archive_file's output: its sources are judged where they are named.
const ARCHIVE_OUTPUT = /^\$\{data\.archive_file\.[A-Za-z0-9_-]+\.output_path\}$/;

/** Every argument of the stack's JSON that names a file Terraform deploys. */
export function deployedPaths(json: Readonly<Record<string, unknown>>): DeployedPath[] {
  const found: DeployedPath[] = [];
  for (const [section, type, argumentsOfType] of PATH_ARGUMENTS) {
    const sectionContent = json[section];
    const blocks = isPlainObject(sectionContent) ? sectionContent[type] : undefined;
    if (!isPlainObject(blocks)) continue;
    for (const [name, body] of Object.entries(blocks)) {
      if (!isPlainObject(body)) continue;
      const address = `${section === "data" ? "data." : ""}${type}.${name}`;
      const metadata = isPlainObject(body["//"]) ? body["//"].metadata : undefined;
      const constructPath = isPlainObject(metadata) && typeof metadata.path === "string" ? metadata.path : address;
      for (const argument of argumentsOfType) {
        const value = body[argument];
        if (value === undefined || value === null) continue;
        if (typeof value === "string" && ARCHIVE_OUTPUT.test(value)) continue;
        found.push({ address, constructPath, argument, path: literalPath(value) });
      }
    }
  }
  return found;
}

/** The path a value names when it is known at synth: a literal, or one built on `path.module`/`path.root`. */
function literalPath(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const path = value.replace(PATH_REFERENCE, ".");
  if (path.includes("${") || path.includes("%{")) return undefined;
  return path.replace(/\$\$\{/g, "${");
}
