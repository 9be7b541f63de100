/**
 * Reading policy documents for the access analysis: their statements, the principals and
 * condition values they name, whether a statement could apply to a request (a sound
 * pre-filter: it may say yes wrongly, never no wrongly), and a request context that
 * satisfies a statement's conditions.
 */
import { isPlainObject } from "../../common/values";
import type { PolicyDocument } from "../subjects";

/** One statement, as AWS reads it (single values and lists alike). */
export interface Statement {
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: unknown;
}

/** The statements of a document. */
export function statementsOf(document: PolicyDocument): Statement[] {
  const list = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return list.filter(isPlainObject) as Statement[];
}

/** A value or a list of values, as strings. */
export function stringsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.filter((item): item is string => typeof item === "string");
}

/** A principal a statement names, by kind: `AWS` (ARN, account id or `*`), `Service`, `Federated`. */
export interface NamedPrincipal {
  readonly kind: "AWS" | "Service" | "Federated" | "CanonicalUser" | "*";
  readonly value: string;
}

/** The principals of a statement's `Principal` (and `NotPrincipal`: it lets in whoever it does not name). */
export function principalsOf(statement: Statement): NamedPrincipal[] {
  const named: NamedPrincipal[] = [];
  for (const element of [statement.Principal, statement.NotPrincipal]) {
    if (element === "*") named.push({ kind: "*", value: "*" });
    if (!isPlainObject(element)) continue;
    for (const [kind, values] of Object.entries(element))
      for (const value of stringsOf(values))
        named.push(value === "*" ? { kind: "*", value } : { kind: kind as NamedPrincipal["kind"], value });
  }
  return named;
}

/** `*` and `?` as IAM reads them, case-insensitively (actions) or not (ARNs). */
export function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  if (!/[*?]/.test(pattern)) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const cacheKey = `${ignoreCase ? "i" : "s"}${pattern}`;
  let compiled = GLOBS.get(cacheKey);
  if (!compiled) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    compiled = new RegExp(`^${source}$`, ignoreCase ? "is" : "s");
    GLOBS.set(cacheKey, compiled);
  }
  return compiled.test(value);
}

const GLOBS = new Map<string, RegExp>();

/** Whether the statement's action and resource elements could take this request (conditions aside). */
export function couldApply(statement: Statement, action: string, resource: string): boolean {
  const actionOk =
    statement.NotAction !== undefined
      ? !stringsOf(statement.NotAction).some((p) => globMatches(p, action, true))
      : stringsOf(statement.Action).some((p) => globMatches(p, action, true));
  if (!actionOk) return false;
  // A resource policy may leave Resource out (a trust policy does): it is then the resource itself.
  if (statement.Resource === undefined && statement.NotResource === undefined) return true;
  if (statement.NotResource !== undefined)
    return !stringsOf(statement.NotResource).some((p) => !p.includes("${") && globMatches(p, resource, false));
  // A policy variable (`${aws:username}`) could stand for anything: the engine decides.
  return stringsOf(statement.Resource).some((p) => p.includes("${") || globMatches(p, resource, false));
}

/** Every string value a statement's conditions compare with, by condition key (lower case). */
export function conditionValues(statement: Statement): Array<{ key: string; values: string[] }> {
  if (!isPlainObject(statement.Condition)) return [];
  const found: Array<{ key: string; values: string[] }> = [];
  for (const keys of Object.values(statement.Condition)) {
    if (!isPlainObject(keys)) continue;
    for (const [key, values] of Object.entries(keys))
      found.push({
        key: key.toLowerCase(),
        values: (Array.isArray(values) ? values : [values]).map(String),
      });
  }
  return found;
}

/** A request context, as the engine takes it. */
export type Context = Record<string, string | string[]>;

/**
 * The context that satisfies a statement's conditions, on top of `base`: for each condition, a
 * value it accepts (the first one it names, its wildcards filled in; just past a bound; a
 * value it does not name for a negated operator; absent for `Null: true`). A condition on a
 * policy variable is left to the engine.
 */
export function satisfyingContext(statement: Statement, base: Context): Context {
  const context: Context = { ...base };
  if (!isPlainObject(statement.Condition)) return context;
  for (const [rawOperator, keys] of Object.entries(statement.Condition)) {
    if (!isPlainObject(keys)) continue;
    const set = /^(ForAnyValue|ForAllValues):/i.test(rawOperator);
    const operator = rawOperator
      .replace(/^(ForAnyValue|ForAllValues):/i, "")
      .replace(/IfExists$/, "")
      .toLowerCase();
    for (const [key, raw] of Object.entries(keys)) {
      const first = String((Array.isArray(raw) ? raw : [raw])[0]);
      if (operator === "null") {
        if (first === "true") {
          for (const name of Object.keys(context)) if (name.toLowerCase() === key.toLowerCase()) delete context[name];
        } else if (!Object.keys(context).some((name) => name.toLowerCase() === key.toLowerCase())) context[key] = "x";
        continue;
      }
      const value = acceptedValue(operator, first);
      if (value === undefined) continue;
      for (const name of Object.keys(context)) if (name.toLowerCase() === key.toLowerCase()) delete context[name];
      context[key] = set ? [value] : value;
    }
  }
  return context;
}

function acceptedValue(operator: string, value: string): string | undefined {
  const filled = value.replace(/\*/g, "x").replace(/\?/g, "x");
  const number = Number(value);
  switch (operator) {
    case "stringequals":
    case "stringequalsignorecase":
    case "stringlike":
    case "arnequals":
    case "arnlike":
    case "bool":
    case "binaryequals":
    case "numericequals":
    case "numericlessthanequals":
    case "numericgreaterthanequals":
    case "dateequals":
    case "datelessthanequals":
    case "dategreaterthanequals":
      return filled;
    case "stringnotequals":
    case "stringnotequalsignorecase":
    case "stringnotlike":
    case "arnnotequals":
    case "arnnotlike":
      return `${filled}-not-named`;
    case "numericlessthan":
      return String(number - 1);
    case "numericgreaterthan":
    case "numericnotequals":
      return String(number + 1);
    case "datelessthan":
      return "1970-01-01T00:00:00Z";
    case "dategreaterthan":
    case "datenotequals":
      return "2999-01-01T00:00:00Z";
    case "ipaddress":
      return value.replace(/\/\d+$/, "");
    case "notipaddress":
      return value.startsWith("192.0.2.") ? "198.51.100.1" : "192.0.2.1";
    default:
      return undefined;
  }
}
