/**
 * The checks of where a function's code comes from: exactly one of `entry` (bundled for
 * Node.js) and `code` (built elsewhere, any runtime), a runtime Lambda supports, and a
 * handler that runtime can run. Part of SecureLambda's one validation pass (validation.ts).
 */
import type { SecureLambdaProps } from "./secure-lambda-props";
import { isUnresolved, requireKnown } from "./known";
import { DEPRECATED_RUNTIMES, handlerShapeOf, isNodeRuntime, SUPPORTED_ARCHITECTURES, SUPPORTED_RUNTIMES } from "./runtimes";
import { show } from "./show";
import type { ValidatedProps } from "./validation";
import { isPlainObject, type Fail } from "./values";

const HANDLER_EXPORT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// Lambda's own pattern and limit for a handler.
const LAMBDA_HANDLER = /^[^\s]{1,128}$/;

/**
 * Where the code comes from (exactly one of `entry` and `code`), its handler, and what it
 * runs on: the bundle or the zip is made from these at synth, so each must be known then.
 */
export function checkCode(fail: Fail, props: ValidatedProps, raw: SecureLambdaProps): void {
  const { entry, code, handler, runtime, architecture } = props;
  requireKnown(fail, "runtime", runtime, "it decides how the code is built and run");
  if (typeof runtime !== "string" || !(SUPPORTED_RUNTIMES as readonly string[]).includes(runtime)) {
    const deprecated = typeof runtime === "string" ? DEPRECATED_RUNTIMES[runtime] : undefined;
    fail("runtime", `${show(runtime)}${deprecated ? ` is deprecated by Lambda (since ${deprecated})` : ""}: allowed are ${SUPPORTED_RUNTIMES.join(", ")}`);
  }
  if (entry !== undefined && code !== undefined) {
    fail("code", "both entry and code are given: allowed is exactly one, entry (a TypeScript or JavaScript file bundled at synth) or code (built elsewhere)");
  }
  if (entry === undefined && code === undefined) {
    fail(
      "entry",
      "neither entry nor code is given: allowed is exactly one, entry (a TypeScript or JavaScript file bundled at synth) or code ({ directory } or { zipFile })",
    );
  }
  if (entry !== undefined) checkEntry(fail, entry, handler, runtime);
  else checkPrebuilt(fail, code, handler, runtime, raw);
  if (!isUnresolved(architecture) && !(SUPPORTED_ARCHITECTURES as readonly unknown[]).includes(architecture)) {
    fail("architecture", `${show(architecture)}: allowed are ${SUPPORTED_ARCHITECTURES.join(", ")}`);
  }
}

/** A file esbuild bundles for Node.js, and the name of its export. */
function checkEntry(fail: Fail, entry: unknown, handler: unknown, runtime: string): void {
  requireKnown(fail, "entry", entry, "the file is bundled at synth");
  if (typeof entry !== "string" || entry.trim() === "") {
    fail("entry", `${show(entry)}: allowed is the path of the handler's TypeScript or JavaScript file`);
  }
  if (!isNodeRuntime(runtime)) {
    fail(
      "entry",
      `esbuild bundles entry for Node.js, and runtime is ${show(runtime)}: pass the code built for that runtime as code: { directory } or { zipFile }`,
    );
  }
  if (!isUnresolved(handler) && (typeof handler !== "string" || !HANDLER_EXPORT.test(handler))) {
    fail("handler", `${show(handler, { chars: /[A-Za-z0-9_$]/, min: 1 })}: allowed is the name of an exported function (a JavaScript identifier)`);
  }
}

/** Code built elsewhere: `{ directory }` or `{ zipFile }`, a handler for its runtime, and no bundling option. */
function checkPrebuilt(fail: Fail, code: unknown, handler: unknown, runtime: string, raw: SecureLambdaProps): void {
  requireKnown(fail, "code", code, "it is zipped or hashed at synth");
  const keys = isPlainObject(code) ? Object.keys(code) : [];
  const path = isPlainObject(code) ? (code.directory ?? code.zipFile) : undefined;
  if (keys.length !== 1 || !(keys[0] === "directory" || keys[0] === "zipFile")) {
    fail("code", `${show(code)}: allowed is { directory } (zipped at synth) or { zipFile } (deployed as it is)`);
  }
  requireKnown(fail, `code.${keys[0]}`, path, "it is zipped or hashed at synth");
  if (typeof path !== "string" || path.trim() === "")
    fail(`code.${keys[0]}`, `${show(path)}: allowed is the path of a ${keys[0] === "directory" ? "directory" : "zip file"}`);
  if (raw.minify !== undefined) fail("minify", `${show(raw.minify)}: minify applies to entry's bundle only; code is deployed as it was built`);
  if (handler === undefined) {
    fail("handler", `required with code on runtime ${show(runtime)}, which has no default: allowed is ${handlerShapeOf(runtime)}`);
  }
  if (!isUnresolved(handler) && (typeof handler !== "string" || !LAMBDA_HANDLER.test(handler))) {
    fail("handler", `${show(handler)}: allowed is ${handlerShapeOf(runtime)} (1 to 128 characters, no spaces)`);
  }
}
