/**
 * The leak guard's one pass: the rules over every string of a stack's final Terraform JSON and
 * over the code it deploys. The constructs run it inside the stack's own `toTerraform()` (so on
 * exactly what is written, after every aspect and override); `npm run audit` runs it on the
 * `cdk.tf.json` and assets of any synthesized directory, also a stack built without the guard.
 *
 * Free of cdktf.
 */
import * as path from "node:path";
import type { LeakFinding } from "../errors";
import { isPlainObject } from "../../common/values";
import { readZip } from "../zip";
import { forEachGuardedValue } from "./collect";
import { readTemplate } from "./expression";
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
  read(): Buffer;
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
  /** The code the stack deploys. */
  readonly files?: readonly CodeFile[];
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
    const fired = rules
      .map((rule) => [rule.id, rule.check(value)] as const)
      .filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
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
  for (const file of options.files ?? []) for (const value of codeValues(file, rules)) judge(value);
  return { findings, excepted };
}

// Code is judged once per content and rule pack: a thousand functions share one bundle.
const codeCache = new WeakMap<readonly LeakRule[], Map<string, GuardedValue[]>>();

/** The files of one code file (the entries of a zip, or the file itself) that any rule would refuse. */
function codeValues(file: CodeFile, rules: readonly LeakRule[]): GuardedValue[] {
  const cache = codeCache.get(rules) ?? new Map<string, GuardedValue[]>();
  codeCache.set(rules, cache);
  const cached = file.cacheKey === undefined ? undefined : cache.get(file.cacheKey);
  if (cached)
    return cached.map((value) => ({ ...value, address: file.path, constructPath: file.constructPath ?? file.path }));
  const data = file.read();
  const entries = isZip(data) ? readZip(data) : [{ name: path.posix.basename(file.path), data }];
  const values = entries
    .map(
      (entry): GuardedValue => ({
        resourceType: "asset",
        address: file.path,
        constructPath: file.constructPath ?? file.path,
        variable: entry.name,
        kind: "code",
        value: entry.data.toString("latin1"),
        reading: readTemplate(""),
      }),
    )
    // Kept only when a rule fires: the cache holds findings, not whole bundles.
    .filter((value) => rules.some((rule) => rule.check(value) !== undefined));
  if (file.cacheKey !== undefined) cache.set(file.cacheKey, values);
  return values;
}

function isZip(data: Buffer): boolean {
  return data.length >= 4 && data.readUInt32LE(0) === 0x04034b50;
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
