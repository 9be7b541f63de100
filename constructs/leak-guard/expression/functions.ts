/**
 * The functions the expression pass evaluates: those that only re-encode, select or join their
 * arguments, so a literal passed through them is the same secret. Each matches `terraform
 * console` (`__tests__/deploy/expression-console.deploy.ts`); any other function's value is unknown.
 */
import { type Known, numberOf, stringOf, type Value } from "./value";

function text(value: Known): string {
  const s = stringOf(value);
  if (s === undefined) throw new TypeError("not a string");
  return s;
}

function list(value: Known): readonly Known[] {
  if (!Array.isArray(value)) throw new TypeError("not a list");
  return value as Known[];
}

/** By name; a function that throws (a wrong argument) gives an unknown value, as an error would stop Terraform. */
export const FUNCTIONS: Readonly<Record<string, (args: Known[]) => Value>> = {
  join: ([separator, ...lists]) => lists.flatMap((l) => list(l!).map(text)).join(text(separator!)),
  format: ([spec, ...args]) => format(text(spec!), args),
  lower: ([s]) => text(s!).toLowerCase(),
  upper: ([s]) => text(s!).toUpperCase(),
  // Go's strings.Title: a letter after anything but a letter, digit or `_` starts a word.
  title: ([s]) =>
    text(s!).replace(
      /(^|[^\p{L}\p{N}_])(\p{L})/gu,
      (_, before: string, letter: string) => before + letter.toUpperCase(),
    ),
  strrev: ([s]) => [...text(s!)].reverse().join(""),
  trimspace: ([s]) => text(s!).replace(/^[\s\u00a0]+|[\s\u00a0]+$/g, ""),
  chomp: ([s]) => text(s!).replace(/(?:\r\n|\n|\r)+$/, ""),
  trimprefix: ([s, prefix]) => (text(s!).startsWith(text(prefix!)) ? text(s!).slice(text(prefix!).length) : text(s!)),
  trimsuffix: ([s, suffix]) =>
    text(suffix!) !== "" && text(s!).endsWith(text(suffix!)) ? text(s!).slice(0, -text(suffix!).length) : text(s!),
  replace: ([s, search, replacement]) => {
    const needle = text(search!);
    // A /regex/ search is Terraform's RE2 syntax: not evaluated.
    if (needle.length > 1 && needle.startsWith("/") && needle.endsWith("/")) throw new TypeError("regex");
    return text(s!).split(needle).join(text(replacement!));
  },
  substr: ([s, offset, length]) => {
    const chars = [...text(s!)];
    let start = numberOf(offset!) ?? 0;
    if (start < 0) start = chars.length + start;
    const n = numberOf(length!) ?? -1;
    return chars.slice(start, n < 0 ? undefined : start + n).join("");
  },
  base64decode: ([s]) => utf8(Buffer.from(strictBase64(text(s!)), "base64")),
  base64encode: ([s]) => Buffer.from(text(s!), "utf8").toString("base64"),
  textdecodebase64: ([s, encoding]) => {
    if (!/^utf-?8$/i.test(text(encoding!))) throw new TypeError("encoding");
    return utf8(Buffer.from(strictBase64(text(s!)), "base64"));
  },
  jsondecode: ([s]) => JSON.parse(text(s!)) as Known,
  tostring: ([v]) => text(v!),
  sensitive: ([v]) => v!,
  nonsensitive: ([v]) => v!,
  concat: (lists) => lists.flatMap((l) => [...list(l)]),
  split: ([separator, s]) => text(s!).split(text(separator!)),
  element: ([l, i]) => {
    const items = list(l!);
    const index = numberOf(i!);
    // Terraform 1.11 fails on a negative index: unknown here too.
    if (items.length === 0 || index === undefined || index < 0 || !Number.isInteger(index))
      throw new TypeError("index");
    return items[index % items.length]!;
  },
  coalesce: (values) => {
    const found = values.find((v) => v !== null && v !== "");
    if (found === undefined) throw new TypeError("all empty");
    return found;
  },
  lookup: ([map, key, fallback]) => {
    if (map === null || typeof map !== "object" || Array.isArray(map)) throw new TypeError("not a map");
    const value = (map as Record<string, Known>)[text(key!)];
    if (value !== undefined) return value;
    if (fallback === undefined) throw new TypeError("missing");
    return fallback;
  },
};

function strictBase64(s: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new TypeError("not base64");
  return s;
}

function utf8(bytes: Buffer): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/** Terraform's `format` for the verbs a secret would pass through: %s, %d, %v, %q, %% (flags and widths unknown). */
function format(spec: string, args: readonly Known[]): string {
  let next = 0;
  return spec.replace(/%(?:\[(\d+)\])?([%sdvqt])/g, (whole, position: string | undefined, verb: string) => {
    if (verb === "%") return "%";
    const index = position !== undefined ? Number(position) - 1 : next;
    next = index + 1;
    const arg = args[index];
    if (arg === undefined) throw new TypeError("too few arguments");
    if (verb === "q") return JSON.stringify(text(arg));
    if (verb === "d") {
      const n = numberOf(arg);
      if (n === undefined || !Number.isInteger(n)) throw new TypeError("not an integer");
      return String(n);
    }
    if (verb === "t") {
      if (typeof arg !== "boolean") throw new TypeError("not a bool");
      return String(arg);
    }
    if (whole && (verb === "s" || verb === "v")) return text(arg);
    throw new TypeError("verb");
  });
}
