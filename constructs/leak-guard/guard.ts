import * as fs from "node:fs";
import * as path from "node:path";
import type { IConstruct } from "constructs";
import { SecretLeakError, SecureLambdaValidationError } from "../errors";
import { Annotations, TerraformStack } from "../tf";
import { type CodeFile, filesUnder, type Location, judgeStack, readFileBounded, recordExceptions } from "./judge";
import { guardStackSynthesis } from "./synthesis-hook";

/** A deliberate exception: this variable (or argument) may hold a literal the rules would refuse. */
export interface LeakException {
  /**
   * Environment variable name; `value`/`value_wo` for an SSM parameter;
   * `secret_string`/`secret_string_wo`/`secret_binary` for a Secrets Manager secret version; the
   * path of any other argument as the refusal names it (`tags.team`); a file's name in a zip.
   */
  readonly variable: string;
  /** Why the literal is not a secret; shown in the synth output and by `npm run audit`. Required. */
  readonly reason: string;
}

const exceptions = new WeakMap<IConstruct, LeakException[]>();
const written = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Fails synthesis when a stack would put a secret into infrastructure code. It judges what the
 * stack actually writes: its own `toTerraform()` output, after every aspect (also aspects on
 * children, and those added late) and every override (`addOverride`, `stack.addOverride`, a
 * resource added by override), and the code its assets deploy (a function's zip):
 *
 * - every string and map key of every block (resources, data sources, outputs, variables'
 *   defaults, locals, providers and their `default_tags` and credentials, the backend, modules,
 *   provisioners, tags, descriptions) and every file of the code, against the known token formats;
 * - every function's environment (SecureLambda's or not), which must be a literal map, against
 *   long random-looking strings and literals in variables named like secrets;
 * - SecureString parameters and Secrets Manager secret versions, which may hold only the
 *   placeholder, write-only and canonical.
 *
 * Strings are read as Terraform reads them (`expression/`): the literals inside `${...}` and
 * `%{...}`, text split around a reference, the re-encoding functions (`join`, `base64decode`,
 * `jsondecode`, ...) evaluated on literals, variable defaults and locals where they are
 * referenced. It throws {@link SecretLeakError} from `toTerraform()`, so no `cdk.tf.json` is
 * written and every way of synthesizing fails: `app.synth()`, `cdktf synth`, `Testing.synth(stack)`,
 * `Testing.fullSynth(stack)`. `npm run audit` runs the same pass on a synthesized directory.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: the API users call (protect, allow) since it was an aspect.
export class SecretLeakGuard {
  /**
   * Installs the guard on the stack of `scope`, once however often it is called; SecureLambda and
   * EnvironmentStack call this. It wraps the stack's own `toTerraform()` (and `toHclTerraform()`),
   * which works the same for a stack built with another copy of cdktf (synth then warns about the
   * two copies); if the hook cannot be installed, this throws ({@link DuplicateCdktfError} for
   * another copy), so the guard is never silently off.
   */
  static protect(scope: IConstruct): void {
    const stack = TerraformStack.of(scope);
    guardStackSynthesis(
      stack,
      (json) => judgeSynthesizedStack(stack, json),
      (problem) =>
        new SecureLambdaValidationError(stack.node.path, "stack", `the secret-leak guard cannot run on it: ${problem}`),
      (method) =>
        new SecureLambdaValidationError(
          stack.node.path,
          method,
          `the secret-leak guard judges what ${method}() returns, so it cannot be replaced after a SecureLambda (or the guard) ` +
            "is added: a wrapper would change the output after the judgement. Change the stack through aspects or " +
            "addOverride, or subclass the stack and override the method in the class",
        ),
    );
  }

  /**
   * Declares, visibly in code, that `variable` of the resources under `scope` (a function, a
   * SecureLambda, a parameter, or the stack for providers, outputs and variables) may hold a
   * literal the rules would refuse.
   */
  static allow(scope: IConstruct, exception: LeakException): void {
    const variable: unknown = exception?.variable;
    const reason: unknown = exception?.reason;
    if (typeof variable !== "string" || variable === "") {
      throw new SecureLambdaValidationError(
        scope.node.path,
        "variable",
        "name the variable the exception is for: a non-empty string",
      );
    }
    if (typeof reason !== "string" || reason.trim().length === 0) {
      throw new SecureLambdaValidationError(
        scope.node.path,
        "reason",
        `the exception for ${variable} needs a reason: say why its value is not a secret`,
      );
    }
    exceptions.set(scope, [...(exceptions.get(scope) ?? []), { variable, reason }]);
    Annotations.of(scope).addInfo(`secret-leak guard: ${variable} may hold a literal: ${reason}`);
  }

  /**
   * Records that SecureLambda itself wrote `value` into `variable` of `resource` (a parameter-name
   * variable, the placeholder JSON): the guard's rules know it by this, never by a name alone.
   * @internal
   */
  static _recordWritten(resource: IConstruct, variable: string, value: string): void {
    const entries = written.get(resource) ?? new Map<string, string>();
    entries.set(variable, value);
    written.set(resource, entries);
  }
}

/** Judges the stack's final JSON and code; throws SecretLeakError, or records the exceptions it applied. */
function judgeSynthesizedStack(stack: TerraformStack, json: Record<string, unknown>): void {
  const constructs = constructsOf(stack);
  const assetPaths = new Set(constructs.assets.map((asset) => (asset as unknown as { path: string }).path));
  const { findings, excepted } = judgeStack(json, {
    files: constructs.assets.flatMap(codeFilesOf),
    // Terraform runs in the stack's directory of the output (cdktf.out/stacks/<id>) and resolves paths there.
    deployedPaths: {
      directory: path.join(outdirOf(stack), "stacks", stack.node.id),
      isAsset: (named) => [...assetPaths].some((asset) => named === asset || named.startsWith(`${asset}/`)),
    },
    written: (address, variable) => {
      const construct = constructs.byAddress.get(address);
      return construct ? written.get(construct)?.get(variable) : undefined;
    },
    exception: (location) =>
      exceptionFor(
        constructs.byPath.get(location.constructPath) ?? constructs.byAddress.get(location.address) ?? stack,
        location,
      ),
  });
  if (findings.length > 0) throw new SecretLeakError(stack.node.id, [...findings]);
  recordExceptions(json, excepted);
}

function exceptionFor(construct: IConstruct, location: Location): string | undefined {
  for (const scope of construct.node.scopes) {
    const found = exceptions.get(scope)?.find((e) => e.variable === location.variable);
    if (found) return found.reason;
  }
  return undefined;
}

interface StackConstructs {
  readonly byPath: ReadonlyMap<string, IConstruct>;
  readonly byAddress: ReadonlyMap<string, IConstruct>;
  /** The stack's assets (any copy of cdktf). */
  readonly assets: readonly IConstruct[];
}

const JSII_RTTI = Symbol.for("jsii.rtti");

/** The stack's constructs by path, and its elements by the Terraform address their JSON has (any copy of cdktf). */
function constructsOf(stack: TerraformStack): StackConstructs {
  const byPath = new Map<string, IConstruct>();
  const byAddress = new Map<string, IConstruct>();
  const assets: IConstruct[] = [];
  for (const construct of stack.node.findAll()) {
    byPath.set(construct.node.path, construct);
    const classes = coreClasses(construct);
    if (classes.includes("TerraformAsset")) assets.push(construct);
    const address = addressOf(construct, classes);
    if (address !== undefined) byAddress.set(address, construct);
  }
  return { byPath, byAddress, assets };
}

/**
 * The address an element's block has in the JSON: `type.id`, `data.type.id`, `output.id`, `var.id`, `local.id`,
 * `provider.type[.alias]`.
 */
function addressOf(construct: IConstruct, classes: readonly string[]): string | undefined {
  const element = construct as unknown as {
    terraformResourceType?: unknown;
    friendlyUniqueId?: unknown;
    alias?: unknown;
  };
  if (typeof element.friendlyUniqueId !== "string") return undefined;
  const type = element.terraformResourceType;
  if (classes.includes("TerraformResource") && typeof type === "string") return `${type}.${element.friendlyUniqueId}`;
  if (classes.includes("TerraformDataSource") && typeof type === "string")
    return `data.${type}.${element.friendlyUniqueId}`;
  if (classes.includes("TerraformProvider") && typeof type === "string") {
    return `provider.${type}${typeof element.alias === "string" ? `.${element.alias}` : ""}`;
  }
  if (classes.includes("TerraformOutput")) return `output.${element.friendlyUniqueId}`;
  if (classes.includes("TerraformVariable")) return `var.${element.friendlyUniqueId}`;
  if (classes.includes("TerraformLocal")) return `local.${element.friendlyUniqueId}`;
  return undefined;
}

// The core library's jsii module: cdktf, or CDK Terrain's cdktn (the same classes, another name).
const CORE_MODULE = /^(?:cdktf|cdktn)\.(\w+)$/;

/**
 * The names of the core library's classes the construct is an instance of (`TerraformResource`, ...), whichever copy or
 * fork made it.
 */
function coreClasses(construct: object): readonly string[] {
  const prototype: object | null = Object.getPrototypeOf(construct);
  if (prototype === null) return [];
  // One walk per class, not per construct: a 1000-function stack has 13,000 constructs of a dozen classes.
  let chain = classesOfPrototype.get(prototype);
  if (chain === undefined) {
    chain = [];
    for (let proto: object | null = prototype; proto; proto = Object.getPrototypeOf(proto)) {
      const fqn = (proto.constructor as unknown as Record<symbol, { fqn?: string } | undefined> | undefined)?.[
        JSII_RTTI
      ]?.fqn;
      const core = fqn === undefined ? undefined : CORE_MODULE.exec(fqn)?.[1];
      if (core) chain.push(core);
    }
    classesOfPrototype.set(prototype, chain);
  }
  return chain;
}

const classesOfPrototype = new WeakMap<object, string[]>();

/** The files an asset deploys (a function's zip), read from where synth copies them from. */
function codeFilesOf(construct: IConstruct): CodeFile[] {
  const asset = construct as unknown as { sourcePath: string; path: string; assetHash: string };
  return assetFiles(asset.sourcePath).map((file) => {
    const relative = path.relative(asset.sourcePath, file).split(path.sep).join("/");
    return {
      path: relative === "" ? asset.path : `${asset.path}/${relative}`,
      constructPath: construct.node.path,
      cacheKey: `${asset.assetHash}:${relative}`,
      read: () => readFileBounded(file),
    };
  });
}

/** A file, or every file under a directory (an asset of type DIRECTORY or ARCHIVE). */
function assetFiles(source: string): string[] {
  return fs.statSync(source).isDirectory() ? filesUnder(source) : [source];
}

/** The app's output directory (`cdktf.out`, or Testing's temporary one); the working directory when unknown. */
function outdirOf(stack: TerraformStack): string {
  const outdir = (stack.node.root as unknown as { outdir?: unknown }).outdir;
  return typeof outdir === "string" ? outdir : process.cwd();
}
