/**
 * Finds, in a synthesized stack, exactly what Terraform would deploy for a function:
 * the bundle directory its zip is made from, its handler, runtime and environment.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { extractZip } from "../../scripts/extract-zip";

/** A function as the synthesized Terraform JSON describes it. */
export interface SynthesizedFunction {
  readonly functionName: string;
  /** The deployed zip (the function's `filename`, in the stack directory). */
  readonly zipPath: string;
  /** A directory holding the zip's `index.js`, unpacked as Lambda would. */
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
}

/** Reads `<outdir>/stacks/<stack>/cdk.tf.json`, follows the function's filename to its zip and unpacks it. */
export function synthesizedFunction(outdir: string, stack: string, functionName: string): SynthesizedFunction {
  const stackDir = path.join(outdir, "stacks", stack);
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as StackJson;
  const fn = Object.values(json.resource?.aws_lambda_function ?? {}).find((f) => f.function_name === functionName);
  if (!fn) throw new Error(`stack ${stack} has no aws_lambda_function named ${functionName}`);
  const zipPath = path.resolve(stackDir, fn.filename);
  if (!fs.existsSync(zipPath))
    throw new Error(`filename of ${functionName} is not a file of the stack: ${fn.filename}`);
  // Inside `outdir`, which the caller removes: no temporary directory left behind per run.
  const bundleDir = extractZip(zipPath, path.join(outdir, "unzipped", stack, functionName));
  if (!fs.existsSync(path.join(bundleDir, "index.js"))) throw new Error(`no index.js in ${fn.filename}`);
  const [file, handlerExport] = fn.handler.split(".");
  if (file !== "index" || !handlerExport) throw new Error(`unexpected handler ${fn.handler}`);
  return {
    functionName,
    zipPath,
    bundleDir,
    handlerExport,
    runtime: fn.runtime,
    environment: fn.environment?.variables ?? {},
  };
}
