/**
 * Finds, in a synthesized stack, exactly what Terraform would deploy for a function:
 * the bundle directory its zip is made from, its handler, runtime and environment.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** A function as the synthesized Terraform JSON describes it. */
export interface SynthesizedFunction {
  readonly functionName: string;
  /** Directory the `archive_file` zips: holds the deployed `index.js`. */
  readonly bundleDir: string;
  /** Exported name of the handler (`index.handler` -> `handler`). */
  readonly handlerExport: string;
  readonly runtime: string;
  /** `environment.variables`, exactly as synthesized. */
  readonly environment: Readonly<Record<string, string>>;
}

interface LambdaFunctionJson {
  function_name: string;
  filename: string;
  handler: string;
  runtime: string;
  environment?: { variables?: Record<string, string> };
}

interface StackJson {
  resource?: { aws_lambda_function?: Record<string, LambdaFunctionJson> };
  data?: { archive_file?: Record<string, { source_dir: string; output_path: string }> };
}

/** Reads `<outdir>/stacks/<stack>/cdk.tf.json` and follows filename -> archive_file -> source_dir. */
export function synthesizedFunction(outdir: string, stack: string, functionName: string): SynthesizedFunction {
  const stackDir = path.join(outdir, "stacks", stack);
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as StackJson;
  const fn = Object.values(json.resource?.aws_lambda_function ?? {}).find((f) => f.function_name === functionName);
  if (!fn) throw new Error(`stack ${stack} has no aws_lambda_function named ${functionName}`);
  const archiveId = /^\$\{data\.archive_file\.([^.]+)\.output_path\}$/.exec(fn.filename)?.[1];
  const archive = archiveId ? json.data?.archive_file?.[archiveId] : undefined;
  if (!archive) throw new Error(`filename of ${functionName} is not a data.archive_file output: ${fn.filename}`);
  const bundleDir = path.resolve(stackDir, archive.source_dir);
  if (!fs.existsSync(path.join(bundleDir, "index.js"))) throw new Error(`no index.js in ${bundleDir}`);
  const [file, handlerExport] = fn.handler.split(".");
  if (file !== "index" || !handlerExport) throw new Error(`unexpected handler ${fn.handler}`);
  return { functionName, bundleDir, handlerExport, runtime: fn.runtime, environment: fn.environment?.variables ?? {} };
}
