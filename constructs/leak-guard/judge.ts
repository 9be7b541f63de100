/**
 * The leak guard's one pass: the rules over every string of a stack's final Terraform JSON and
 * over the code it deploys. The constructs run it inside the stack's own `toTerraform()` (so on
 * exactly what is written, after every aspect and override); `npm run audit` runs it on the
 * `cdk.tf.json` and assets of any synthesized directory, also a stack built without the guard.
 *
 * Free of cdktf.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LeakFinding } from "../errors";
import { isPlainObject } from "../../common/values";
import { forEachGuardedValue } from "./collect";
import { readTemplate } from "./expression";
import { readArchiveDeep, Unreadable } from "./files/archive";
import { type DeployedPath, deployedPaths } from "./files/deployed-paths";
import type { GuardedValue, LeakRule } from "./rule";
import { DEFAULT_LEAK_RULES } from "./rules";

/** A file the stack deploys (a function's zip, an asset directory's file), read only when judged. */
export interface CodeFile {
  /** Its path in the stack directory (`assets/Bundle-1a2b_Code_3C4D/<hash>/code.zip`), the finding's address. */
  readonly path: string;
  /** Construct path of the asset, when known. */
  readonly constructPath?: string;
  /** Stands for the content (a content hash): the same key is judged once per process. */
  readonly cacheKey?: string;
  /** Its bytes; throws {@link Unreadable} when it cannot be read. */
  read(): Buffer;
  /** The block and argument that deploy it by naming its path; absent for an asset, whose address is its path. */
  readonly deployedBy?: { readonly address: string; readonly argument: string };
}

/** Where the files a stack names by path (`filename`, `source`, `source_dir`, ...) are read from. */
export interface DeployedPathOptions {
  /** The stack's directory, where Terraform runs: relative paths resolve against it. */
  readonly directory: string;
  /** True for a path synth fills from an asset (already judged as one): `assets/<id>/<hash>/code.zip`. */
  readonly isAsset?: (relativeOrAbsolute: string) => boolean;
}

/** Where a value is: what an exception is matched against. */
export interface Location {
  readonly address: string;
  readonly constructPath: string;
  readonly variable: string;
}

/** A finding an exception let through, with its reason: recorded in the stack's JSON, shown by the audit. */
export interface ExceptedFinding extends Location {
  readonly reason: string;
}

/** What the pass needs besides the JSON. */
export interface JudgeOptions {
  readonly rules?: readonly LeakRule[];
  /** The code the stack deploys as assets. */
  readonly files?: readonly CodeFile[];
  /** Reads the files the JSON names by path too; without it, only `files` are read. */
  readonly deployedPaths?: DeployedPathOptions;
  /** The value SecureLambda wrote at a place, if it wrote one (see {@link GuardedValue.written}). */
  readonly written?: (address: string, variable: string) => string | undefined;
  /** The reason of the exception that covers a place, if one does. */
  readonly exception?: (location: Location) => string | undefined;
}

/** What the pass found: what it refuses, and what exceptions let through. */
export interface Judgement {
  readonly findings: readonly LeakFinding[];
  readonly excepted: readonly ExceptedFinding[];
}

/** Runs the rules over every string of the JSON and every file of the code. */
export function judgeStack(json: Readonly<Record<string, unknown>>, options: JudgeOptions = {}): Judgement {
  const rules = options.rules ?? DEFAULT_LEAK_RULES;
  const findings: LeakFinding[] = [];
  const excepted: ExceptedFinding[] = [];
  const judge = (value: GuardedValue): void => {
    // A plain loop: this runs for each of a large stack's strings, nearly always firing nothing.
    const fired: Array<readonly [string, string]> = [];
    for (const rule of rules) {
      const problem = rule.check(value);
      if (problem !== undefined) fired.push([rule.id, problem]);
    }
    if (fired.length === 0) return;
    const location = { address: value.address, constructPath: value.constructPath, variable: value.variable };
    const reason = options.exception?.(location);
    if (reason !== undefined) {
      excepted.push({ ...location, reason });
      return;
    }
    findings.push({ ...location, rules: fired.map(([id]) => id), problems: fired.map(([, problem]) => problem) });
  };
  forEachGuardedValue(json, { written: options.written }, judge);
  const files = [...(options.files ?? [])];
  if (options.deployedPaths) files.push(...deployedPaths(json).flatMap((d) => filesOfPath(d, options.deployedPaths!)));
  for (const file of files) for (const value of codeValues(file, rules)) judge(value);
  return { findings, excepted };
}

/**
 * The files one argument names: the file, or every file under the directory. A path not known at
 * synth, or one that cannot be read, is one unreadable file: refused, never skipped.
 */
function filesOfPath(deployed: DeployedPath, options: DeployedPathOptions): CodeFile[] {
  const deployedBy = { address: deployed.address, argument: deployed.argument };
  const base = { constructPath: deployed.constructPath, deployedBy };
  const unreadable = (shown: string, problem: string): CodeFile => ({
    ...base,
    path: shown,
    read: () => {
      throw new Unreadable(problem);
    },
  });
  if (deployed.path === undefined) {
    return [
      unreadable(
        "(a path computed at plan)",
        "names its file by an expression Terraform resolves only at plan, so the guard cannot read what it deploys; " +
          "name the file by a literal path (or a TerraformAsset), built before synth",
      ),
    ];
  }
  if (options.isAsset?.(deployed.path)) return [];
  const absolute = path.resolve(options.directory, deployed.path);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    return [
      unreadable(
        deployed.path,
        `names ${absolute}, which does not exist at synth, so the guard cannot read what it deploys; build it before synth`,
      ),
    ];
  }
  const files = stat.isDirectory() ? filesUnder(absolute) : [absolute];
  return files.map((file) => {
    const relative = path.relative(absolute, file).split(path.sep).join("/");
    const shown = relative === "" ? deployed.path! : `${deployed.path}/${relative}`;
    const fileStat = fs.statSync(file);
    return {
      ...base,
      path: shown,
      cacheKey: `path:${file}:${fileStat.size}:${fileStat.mtimeMs}`,
      read: () => readFileBounded(file),
    };
  });
}

/** Every regular file under `directory`, sorted. */
export function filesUnder(directory: string): string[] {
  return (fs.readdirSync(directory, { recursive: true }) as string[])
    .map((entry) => path.join(directory, entry))
    .filter((file) => fs.statSync(file).isFile())
    .sort();
}

// The most of one deployed file the guard reads into memory (an archive is read whole).
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** A file's bytes, or {@link Unreadable} when it cannot be read or is past what the guard reads. */
export function readFileBounded(file: string): Buffer {
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_FILE_BYTES)
      throw new Unreadable(`is ${Math.round(size / 1024 / 1024)} MiB, past the 512 MiB the guard reads of one file`);
    return fs.readFileSync(file);
  } catch (error) {
    if (error instanceof Unreadable) throw error;
    throw new Unreadable(`cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

// Code is judged once per content and rule pack: a thousand functions share one bundle.
const codeCache = new WeakMap<readonly LeakRule[], Map<string, GuardedValue[]>>();

/**
 * The findings in one deployed file: the file itself, and every file inside it to the bottom
 * (`files/archive.ts`), each read as the runtimes store strings (`files/stored-strings.ts`).
 */
function codeValues(file: CodeFile, rules: readonly LeakRule[]): GuardedValue[] {
  const cache = codeCache.get(rules) ?? new Map<string, GuardedValue[]>();
  codeCache.set(rules, cache);
  const place = {
    address: file.deployedBy?.address ?? file.path,
    constructPath: file.constructPath ?? file.deployedBy?.address ?? file.path,
  };
  // The cached findings name the file and argument they were found under: a path named twice is keyed by both.
  const key =
    file.cacheKey === undefined
      ? undefined
      : `${file.cacheKey}\u0000${file.deployedBy?.argument ?? ""}\u0000${file.path}`;
  const cached = key === undefined ? undefined : cache.get(key);
  if (cached) return cached.map((value) => ({ ...value, ...place }));
  const values: GuardedValue[] = [];
  const top = path.posix.basename(file.path);
  // Inside the file, a path as `lib/app.jar!/application.properties`; the file itself by its name.
  const inner = (at: string): string => (at === "" ? top : at.replace(/^!\//, ""));
  const where = (at: string): Pick<GuardedValue, "variable" | "file"> =>
    file.deployedBy
      ? { variable: file.deployedBy.argument, file: at === "" ? file.path : `${file.path}!/${inner(at)}` }
      : { variable: inner(at), file: file.path };
  const add = (value: GuardedValue): void => {
    // Kept only when a rule fires: the cache holds findings, not whole bundles.
    if (rules.some((rule) => rule.check(value) !== undefined)) values.push(value);
  };
  const base = { resourceType: file.deployedBy ? "deployed-file" : "asset", ...place, reading: readTemplate("") };
  try {
    readArchiveDeep("", file.read(), {
      file: (at, data) => add({ ...base, ...where(at), kind: "code", value: "", data }),
      unreadable: (at, problem) => add({ ...base, ...where(at), kind: "unreadable-file", value: problem }),
    });
  } catch (error) {
    if (!(error instanceof Unreadable)) throw error;
    add({ ...base, ...where(error.path ?? ""), kind: "unreadable-file", value: error.problem });
  }
  if (key !== undefined) cache.set(key, values);
  return values;
}

/** Where in a stack's JSON the guard records the exceptions it applied: Terraform ignores `//` keys. */
const RECORD_KEY = "secretLeakGuard";

/**
 * Records the exceptions applied in the stack's JSON (`"//": { "secretLeakGuard": { "exceptions": [...] } }`),
 * so that `npm run audit` on the synthesized directory honours the same exceptions, and shows them.
 */
export function recordExceptions(json: Record<string, unknown>, excepted: readonly ExceptedFinding[]): void {
  if (excepted.length === 0) return;
  const comment = isPlainObject(json["//"]) ? json["//"] : {};
  comment[RECORD_KEY] = {
    exceptions: excepted.map(({ address, variable, reason }) => ({ address, variable, reason })),
  };
  json["//"] = comment;
}

/** The exceptions the guard recorded at synth, by address and variable. */
export function recordedExceptions(json: Readonly<Record<string, unknown>>): ReadonlyMap<string, string> {
  const found = new Map<string, string>();
  const comment = json["//"];
  const record = isPlainObject(comment) ? comment[RECORD_KEY] : undefined;
  const list = isPlainObject(record) && Array.isArray(record.exceptions) ? record.exceptions : [];
  for (const entry of list) {
    if (
      isPlainObject(entry) &&
      typeof entry.address === "string" &&
      typeof entry.variable === "string" &&
      typeof entry.reason === "string"
    ) {
      found.set(`${entry.address}\u0000${entry.variable}`, entry.reason);
    }
  }
  return found;
}

/** The lookup {@link JudgeOptions.exception} takes, over what {@link recordedExceptions} read. */
export function exceptionsFrom(recorded: ReadonlyMap<string, string>): (location: Location) => string | undefined {
  return (location) => recorded.get(`${location.address}\u0000${location.variable}`);
}
