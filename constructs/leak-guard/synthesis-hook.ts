import * as fs from "node:fs";
import * as path from "node:path";
import { SecureLambdaError } from "../errors";
import { Annotations, TerraformStack } from "../tf";

/**
 * Where the guard's cdktf and the stack's cdktf come from, when they are two copies.
 *
 * cdktf keeps a scope's aspects under a `Symbol()` private to each copy of the package, so
 * an aspect registered through this package's copy is invisible to a stack built with
 * another copy (an app that installed its own cdktf next to a linked clone of this
 * project, or a version npm could not dedupe): that stack would synthesize without the
 * guard, and a literal token would land in `cdk.tf.json` with exit code 0 (issue 15).
 */
export interface CdktfCopies {
  /** Directory of the cdktf package this library imports. */
  readonly guard: string;
  /** Directory (or, when it cannot be found, a description) of the stack's cdktf. */
  readonly stack: string;
}

/**
 * Raised when the guard cannot run on a stack built with another copy of cdktf.
 *
 * It extends `Error`, which jsii cannot carry to other languages: `@internal` keeps it out of the
 * jsii assembly (as aws-cdk does with its errors) and in the TypeScript declarations, so
 * TypeScript and JavaScript apps still catch it by class (`instanceof`) and read its fields.
 * Python, Java and Go apps receive the same message through their jsii runtime's error.
 *
 * @internal
 */
export class DuplicateCdktfError extends SecureLambdaError {
  readonly copies: CdktfCopies;

  constructor(stackPath: string, copies: CdktfCopies, problem: string) {
    super(
      [
        `secret-leak guard: stack "${stackPath}" is built with another copy of cdktf than secure-lambda's, and the guard cannot run on it: ${problem}.`,
        ...describe(copies),
        FIX,
      ].join("\n"),
    );
    this.name = "DuplicateCdktfError";
    this.copies = copies;
  }
}

const FIX =
  "Fix: let the app and secure-lambda share one copy. secure-lambda declares cdktf, constructs and @cdktf/provider-aws as peer dependencies: " +
  "install it from its package (npm install <path>/secure-lambda-<version>.tgz), not by importing or linking a clone that has its own node_modules, " +
  "then run `npm dedupe`; `npm ls cdktf` must show a single version.";

const hooked = new WeakSet<object>();

/** The stack methods that turn a stack into its Terraform configuration (JSON, or HCL with `synth --hcl`). */
const SYNTHESIS_METHODS = ["toTerraform", "toHclTerraform"] as const;

/**
 * Runs `judge` on what a stack writes, whatever copy of cdktf it is built with: its own
 * `toTerraform()` (which every way of synthesizing calls: `app.synth()`, `cdktf synth`,
 * `Testing.synth`, after every aspect, with every override merged) returns the JSON only once
 * `judge` has accepted it; `toHclTerraform()` (`synth --hcl`) first judges the same JSON. So
 * the guard judges the final output, whatever route built it.
 *
 * For a stack of another copy of cdktf, warns visibly in the synth output that there are two
 * copies. Throws {@link DuplicateCdktfError} (another copy) or `cannotHook(problem)` (this copy)
 * when the hook cannot be installed, so the guard is never silently off.
 */
export function guardStackSynthesis(
  stack: TerraformStack,
  judge: (json: Record<string, unknown>) => void,
  cannotHook: (problem: string) => Error,
  replaced: (method: string) => Error = (method) => new Error(`${stack.node.path}: ${method}() is guarded`),
): void {
  if (hooked.has(stack)) return;
  const ownCopy = isOwnCopy(stack);
  const fail = (problem: string): Error =>
    ownCopy ? cannotHook(problem) : new DuplicateCdktfError(stack.node.path, cdktfCopies(stack), problem);
  const target = stack as unknown as Record<string, unknown>;
  for (const method of SYNTHESIS_METHODS) {
    if (typeof target[method] !== "function") throw fail(`the stack has no ${method}() method`);
  }
  // The method as the stack's class defines it, looked up at each call: a subclass's override, or
  // a later patch of the class, runs before the judgement, never after it. An own property set
  // before the guard (a wrapper made before any SecureLambda) is kept as it was.
  const own = Object.fromEntries(
    SYNTHESIS_METHODS.filter((method) => Object.hasOwn(stack, method)).map((method) => [method, target[method]]),
  ) as Record<string, unknown>;
  const original = (method: (typeof SYNTHESIS_METHODS)[number]) =>
    (own[method] ?? Object.getPrototypeOf(stack)[method]) as (this: unknown, ...a: unknown[]) => unknown;
  const guarded: Record<string, (this: unknown, ...args: unknown[]) => unknown> = {
    toTerraform(...args) {
      const json = original("toTerraform").apply(this, args) as Record<string, unknown>;
      judge(json);
      return json;
    },
    toHclTerraform(...args) {
      judge(original("toTerraform").call(this) as Record<string, unknown>);
      return original("toHclTerraform").apply(this, args);
    },
  };
  for (const method of SYNTHESIS_METHODS) {
    try {
      // An accessor that cannot be redefined: a wrapper assigned after construction
      // (`stack.toTerraform = () => patch(original())`) would run after the judgement and write
      // what was never judged, so it is refused at the assignment, with the way out.
      Object.defineProperty(stack, method, {
        get: () => guarded[method],
        set: () => {
          throw replaced(method);
        },
        configurable: false,
        enumerable: false,
      });
    } catch (error) {
      throw fail(`its ${method}() cannot be wrapped (${(error as Error).message})`);
    }
    if (target[method] !== guarded[method]) throw fail(`its ${method}() cannot be wrapped`);
  }
  hooked.add(stack);
  if (ownCopy) return;
  Annotations.of(stack).addWarning(
    [
      "two copies of cdktf: the secret-leak guard runs through the stack's own synthesis, as on every stack.",
      ...describe(cdktfCopies(stack)),
      FIX,
    ].join(" "),
  );
}

function describe(copies: CdktfCopies): string[] {
  return [`  secure-lambda's cdktf: ${copies.guard}`, `  the stack's cdktf:     ${copies.stack}`];
}

/** The directories of this library's cdktf and of the one the stack's class comes from. */
export function cdktfCopies(stack: object): CdktfCopies {
  return { guard: ownFrameworkDirectory() ?? "unknown", stack: stackCopy(stack) };
}

/**
 * The directory of the framework package constructs/tf.ts imports: cdktf, or cdktn in the cdktn flavour (whose
 * copy has no cdktf to resolve), told by the TerraformStack it exports.
 */
function ownFrameworkDirectory(): string | undefined {
  for (const name of ["cdktf", "cdktn"]) {
    let resolved: string;
    try {
      resolved = require.resolve(name);
    } catch {
      continue;
    }
    if ((require(resolved) as { TerraformStack?: unknown }).TerraformStack === TerraformStack)
      return packageDirectory(resolved);
  }
  return undefined;
}

function stackCopy(stack: object): string {
  const stackClass = foreignStackClass(stack);
  if (!stackClass) return "unknown (the stack's class is not a cdktf TerraformStack)";
  // A CommonJS module's exports tell which file defined the class (cdktf is CommonJS only).
  for (const [file, module] of Object.entries(require.cache)) {
    if ((module?.exports as { TerraformStack?: unknown } | undefined)?.TerraformStack === stackClass) {
      return packageDirectory(file) ?? file;
    }
  }
  const version = (stackClass as unknown as Record<symbol, { version?: string } | undefined>)[JSII_RTTI]?.version;
  return `unknown path (cdktf ${version ?? "of unknown version"}, not loaded through require)`;
}

const JSII_RTTI = Symbol.for("jsii.rtti");

/** The TerraformStack class in the stack's prototype chain: the one its cdktf copy defines. */
function foreignStackClass(stack: object): object | undefined {
  for (let proto = Object.getPrototypeOf(stack); proto; proto = Object.getPrototypeOf(proto)) {
    const ctor = proto.constructor as (object & Record<symbol, { fqn?: string } | undefined>) | undefined;
    if (ctor?.[JSII_RTTI]?.fqn?.endsWith(".TerraformStack")) return ctor;
  }
  return undefined;
}

function packageDirectory(file: string): string | undefined {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
  }
  return undefined;
}

/** True when `stack` is a stack of this library's copy of cdktf (its aspects then run). */
export function isOwnCopy(stack: object): boolean {
  return stack instanceof TerraformStack;
}
