/**
 * The functions the expression pass evaluates: those that only re-encode, select or join their
 * arguments, so a literal passed through them is the same secret. Each matches `terraform
 * console` (`__tests__/deploy/expression-console.deploy.ts`); any other function's value is unknown.
 */
import { re2Replace } from "./re2";
import { type Known, numberOf, stringOf, Unjudgeable, type Value } from "./value";

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
    // A /regex/ search is Go's RE2 syntax: evaluated where it means the same in JavaScript, else unjudgeable.
    if (needle.length > 1 && needle.startsWith("/") && needle.endsWith("/"))
      return re2Replace(text(s!), needle.slice(1, -1), text(replacement!));
    return text(s!).split(needle).join(text(replacement!));
  },
  reverse: ([l]) => [...list(l!)].reverse(),
  trim: ([s, cutset]) => {
    const cut = new Set([...text(cutset!)]);
    const chars = [...text(s!)];
    let start = 0;
    let end = chars.length;
    while (start < end && cut.has(chars[start]!)) start += 1;
    while (end > start && cut.has(chars[end - 1]!)) end -= 1;
    return chars.slice(start, end).join("");
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
  textdecodebase64: ([s, encoding]) => decodeText(Buffer.from(strictBase64(text(s!)), "base64"), text(encoding!)),
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

/**
 * Text in one of the encodings `textdecodebase64` names (IANA names, as Terraform's golang.org/x/text
 * reads them); another encoding is unjudgeable.
 */
function decodeText(bytes: Buffer, encoding: string): string {
  const name = encoding.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (name === "utf8") return utf8(bytes);
  if (name === "utf16le") return utf16(bytes);
  if (name === "utf16be") {
    const swapped = Buffer.from(bytes);
    if (swapped.length % 2 !== 0) throw new TypeError("odd length");
    return utf16(swapped.swap16());
  }
  if (name === "iso88591" || name === "latin1") return bytes.toString("latin1");
  if (name === "usascii" || name === "ascii") {
    if (bytes.some((b) => b > 0x7f)) throw new Unjudgeable("textdecodebase64 of non-ASCII bytes as US-ASCII");
    return bytes.toString("latin1");
  }
  throw new Unjudgeable(`textdecodebase64 in the encoding ${JSON.stringify(encoding).slice(0, 40)}`);
}

function utf16(bytes: Buffer): string {
  if (bytes.length % 2 !== 0) throw new TypeError("odd length");
  return new TextDecoder("utf-16le", { fatal: true }).decode(bytes);
}

// %[n] flags width .precision [n] verb, as cty's format scanner reads a verb.
const VERB = /%(?:\[(\d+)\])?([-+# 0]*)(\d+)?(?:\.(\d*))?(?:\[(\d+)\])?([A-Za-z%])/g;

/**
 * Terraform's `format` (cty's stdlib), for the verbs text passes through: %s, %q, %v, %d, %t, %%,
 * with argument indexes, widths, precision and the `-` and `0` flags. Widths and precision count
 * grapheme clusters: evaluated for printable ASCII only, unjudgeable for other text; other verbs
 * (floats, %x) are unjudgeable.
 */
function format(spec: string, args: readonly Known[]): string {
  let next = 0;
  return spec.replace(
    VERB,
    (
      raw,
      before: string | undefined,
      flags: string,
      width: string | undefined,
      precision: string | undefined,
      after: string | undefined,
      verb: string,
    ) => {
      if (verb === "%") return "%";
      const position = before ?? after;
      const index = position !== undefined ? Number(position) - 1 : next;
      next = index + 1;
      const arg = args[index];
      if (arg === undefined) throw new TypeError("too few arguments");
      const w = width === undefined ? -1 : Number(width);
      const pad = (out: string): string => {
        if (w < 0) return out;
        if (!PRINTABLE_ASCII.test(out)) throw new Unjudgeable(`format verb ${raw} on non-ASCII text`);
        if (out.length >= w) return out;
        const fill = (flags.includes("0") ? "0" : " ").repeat(w - out.length);
        return flags.includes("-") ? out + fill : fill + out;
      };
      if (verb === "s" || verb === "q" || (verb === "v" && typeof arg === "string")) {
        if (arg === null) throw new TypeError("null");
        let str = text(arg);
        const p = precision === undefined || precision === "" ? 0 : Number(precision);
        if (p > 0) {
          if (!PRINTABLE_ASCII.test(str)) throw new Unjudgeable(`format verb ${raw} on non-ASCII text`);
          str = str.slice(0, p);
        }
        if (verb === "q") return pad(JSON.stringify(str));
        return pad(str);
      }
      if (verb === "t") {
        if (typeof arg !== "boolean") throw new TypeError("not a bool");
        return String(arg);
      }
      // %v of a number is its shortest 'g' text (the digits, for an integer below 1e21), of a bool its JSON.
      if (verb === "v" && precision === undefined && !flags.includes("#")) {
        if (typeof arg === "boolean") return pad(String(arg));
        if (typeof arg === "number" && Number.isSafeInteger(arg)) return pad(String(arg));
      }
      if (verb === "d" && flags === "" && precision === undefined) {
        const n = numberOf(arg);
        if (n === undefined || !Number.isSafeInteger(n)) throw new TypeError("not an integer");
        return w < 0 || n >= 0 ? pad(String(n)) : unjudgeable(raw);
      }
      return unjudgeable(raw);
    },
  );
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function unjudgeable(raw: string): never {
  throw new Unjudgeable(`format verb ${raw}`);
}
