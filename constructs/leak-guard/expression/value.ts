/** The values the expression pass computes: JSON-like, or unknown until plan. */

/** A value Terraform only knows at plan or apply time: a resource attribute, an input without default. */
export const UNKNOWN: unique symbol = Symbol("unknown");

/** A value as the pass evaluates it: JSON-like, or {@link UNKNOWN}. */
export type Value =
  | string
  | number
  | boolean
  | null
  | readonly Value[]
  | { readonly [key: string]: Value }
  | typeof UNKNOWN;

/** A value the pass knows. */
export type Known = Exclude<Value, typeof UNKNOWN>;

/** Every string inside a value (a decoded JSON object's keys and values, a list's items). */
export function collectStrings(value: Value, into: string[]): void {
  if (typeof value === "string") {
    if (value !== "") into.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, into);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      into.push(key);
      collectStrings(item, into);
    }
  }
}

/** A value as Terraform converts it to a string in a template; undefined when it cannot (lists, null). */
export function stringOf(value: Value): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  return undefined;
}

export function numberOf(value: Value): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^-?[0-9]+(\.[0-9]+)?$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Thrown by a function the pass knows when Terraform would compute a value from these known
 * arguments in a way the pass cannot reproduce exactly (an RE2-only regular expression, a format
 * verb counting grapheme clusters): the string is then unjudgeable, and refused as such.
 */
export class Unjudgeable extends Error {
  constructor(readonly what: string) {
    super(what);
    this.name = "Unjudgeable";
  }
}
