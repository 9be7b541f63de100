/**
 * A credential in a file as the runtimes store strings, not only as UTF-8 text:
 *
 * - the bytes themselves (ASCII, UTF-8, Latin-1: a token's ASCII characters are its bytes);
 * - UTF-16LE and UTF-16BE, at either byte alignment: how .NET keeps a C# string literal (the
 *   `#US` heap of an assembly), how Windows resources and Java's `writeChars` keep text;
 * - a Java class file's constant pool, decoded as the modified UTF-8 it is (`\0` as C0 80, a
 *   supplementary character as two three-byte surrogates);
 * - every base64 or hex run long enough to hold a token, decoded once and read the same ways.
 *
 * A file is read in windows (with an overlap longer than any token), so a large one is never one string.
 *
 * Free of cdktf.
 */
import { findTokenFormat } from "../../../common/token-formats";

/** Where in a file a credential was found, and how it was stored. */
export interface StoredToken {
  /** The format's label, e.g. `a GitHub token`. */
  readonly label: string;
  /** How it is stored and where: `line 3`, `as UTF-16LE text`, `base64-encoded, line 7`. */
  readonly where: string;
}

const WINDOW = 4 * 1024 * 1024;
// Longer than any token the formats match: a token cut by a window's end is whole in the next.
const OVERLAP = 8 * 1024;
// Long enough to hold the shortest token the formats know, encoded: 20 characters -> 27 in base64, 40 in hex.
// A base64 run is a maximal run of `[A-Za-z0-9+/_-]` (standard and URL-safe) and up to two `=`; a hex
// run a maximal run of `[0-9a-fA-F]`.
const BASE64_RUN_LENGTH = 26;
const HEX_RUN_LENGTH = 40;
const BASE64 = 1;
const HEX = 2;
/** The classes of each ASCII character code. */
const CHAR_CLASSES = (() => {
  const classes = new Uint8Array(128);
  const mark = (chars: string, bit: number) => {
    for (const char of chars) classes[char.charCodeAt(0)]! |= bit;
  };
  const digits = "0123456789";
  const lower = "abcdefghijklmnopqrstuvwxyz";
  mark(`${digits}${lower}${lower.toUpperCase()}+/_-`, BASE64);
  mark(`${digits}abcdefABCDEF`, HEX);
  return classes;
})();
// Runs longer than this are decoded at their start only (a data: URI, a blob), not at four alignments.
const ALIGN_ALL_UP_TO = 4096;

/** The first credential in `data`, read as each runtime stores strings; undefined when there is none. */
export function findStoredToken(data: Buffer): StoredToken | undefined {
  return asBytes(data) ?? asUtf16(data) ?? asClassFile(data) ?? decodedRuns(data);
}

/**
 * The first credential in a string of text (an environment variable, a tag): the text itself, then
 * its base64 and hex runs decoded once.
 */
export function findTokenInText(text: string): StoredToken | undefined {
  const found = findTokenFormat(text);
  if (found) return { label: found.label, where: "" };
  return findEncodedToken(text);
}

/** A credential only in a base64 or hex run of `text`, decoded once (the text itself judged elsewhere). */
export function findEncodedToken(text: string): StoredToken | undefined {
  return text.length < 26 ? undefined : decodedRunsOf(text);
}

function* windows(length: number, step = WINDOW): Generator<readonly [number, number]> {
  for (let start = 0; start < length; start += step) {
    yield [start, Math.min(length, start + step + OVERLAP)];
    if (start + step + OVERLAP >= length) return;
  }
}

function asBytes(data: Buffer): StoredToken | undefined {
  for (const [start, end] of windows(data.length)) {
    const found = findTokenFormat(data.toString("latin1", start, end));
    if (found) return { label: found.label, where: `line ${1 + countLines(data, 0, start + found.index)}` };
  }
  return undefined;
}

function countLines(data: Buffer, from: number, to: number): number {
  let n = 0;
  for (let at = data.indexOf(0x0a, from); at >= 0 && at < to; at = data.indexOf(0x0a, at + 1)) n += 1;
  return n;
}

/** UTF-16 text of ASCII characters always has NUL bytes: a file without one holds none. */
function asUtf16(data: Buffer): StoredToken | undefined {
  if (data.indexOf(0) < 0) return undefined;
  for (const [start, end] of windows(data.length)) {
    const slice = data.subarray(start, end);
    if (slice.indexOf(0) < 0) continue;
    // Both byte orders at both alignments: BE read as LE one byte on loses the last character.
    const views: Array<readonly [string, string]> = [
      ["UTF-16LE", slice.toString("utf16le")],
      ["UTF-16LE", slice.subarray(1).toString("utf16le")],
      ["UTF-16BE", swapped(slice).toString("utf16le")],
      ["UTF-16BE", swapped(slice.subarray(1)).toString("utf16le")],
    ];
    for (const [encoding, text] of views) {
      const found = findTokenFormat(text);
      if (found) return { label: found.label, where: `as ${encoding} text` };
    }
  }
  return undefined;
}

/** A copy of `bytes` (less an odd last byte) with each pair's bytes swapped: UTF-16BE as UTF-16LE. */
function swapped(bytes: Buffer): Buffer {
  return Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2))).swap16();
}

/** A Java class file's constant pool strings, decoded from modified UTF-8. */
function asClassFile(data: Buffer): StoredToken | undefined {
  const strings = classFileStrings(data);
  if (strings === undefined) return undefined;
  const found = findTokenFormat(strings.join("\n"));
  return found ? { label: found.label, where: "in the class file's constant pool (modified UTF-8)" } : undefined;
}

/** Every CONSTANT_Utf8 of a class file, or undefined when `data` is not one (JVMS 4.4). */
export function classFileStrings(data: Buffer): string[] | undefined {
  if (data.length < 10 || data.readUInt32BE(0) !== 0xcafebabe) return undefined;
  const count = data.readUInt16BE(8);
  const strings: string[] = [];
  let at = 10;
  for (let index = 1; index < count; index++) {
    if (at >= data.length) return strings;
    const tag = data[at]!;
    if (tag === 1) {
      if (at + 3 > data.length) return strings;
      const length = data.readUInt16BE(at + 1);
      strings.push(decodeModifiedUtf8(data.subarray(at + 3, Math.min(data.length, at + 3 + length))));
      at += 3 + length;
    } else if (tag === 5 || tag === 6) {
      at += 9;
      index += 1; // long and double take two entries
    } else {
      const size = CONSTANT_SIZES[tag];
      if (size === undefined) return strings; // not a class file after all, or a newer tag: stop there
      at += 1 + size;
    }
  }
  return strings;
}

const CONSTANT_SIZES: Readonly<Record<number, number>> = {
  3: 4,
  4: 4,
  7: 2,
  8: 2,
  9: 4,
  10: 4,
  11: 4,
  12: 4,
  15: 3,
  16: 2,
  17: 4,
  18: 4,
  19: 2,
  20: 2,
};

/** Java's modified UTF-8: 1 to 3 bytes per UTF-16 unit; `\0` is C0 80, a supplementary character two surrogates. */
export function decodeModifiedUtf8(bytes: Buffer): string {
  const units: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const a = bytes[i]!;
    if (a < 0x80) {
      units.push(a);
      i += 1;
    } else if ((a & 0xe0) === 0xc0 && i + 1 < bytes.length) {
      units.push(((a & 0x1f) << 6) | (bytes[i + 1]! & 0x3f));
      i += 2;
    } else if ((a & 0xf0) === 0xe0 && i + 2 < bytes.length) {
      units.push(((a & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f));
      i += 3;
    } else {
      units.push(0xfffd);
      i += 1;
    }
  }
  let out = "";
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.slice(i, i + 8192));
  return out;
}

function decodedRuns(data: Buffer): StoredToken | undefined {
  for (const [start, end] of windows(data.length)) {
    const found = decodedRunsOf(data.toString("latin1", start, end));
    if (found) return found;
  }
  return undefined;
}

/** Each base64 or hex run of `text` decoded once (not again), then read as bytes and as UTF-16. */
function decodedRunsOf(text: string): StoredToken | undefined {
  const { base64, hex } = encodedRunsOf(text);
  for (const run of base64) {
    const found = remembered(base64Runs, run, decodedBase64Run);
    if (found) return found;
  }
  for (const run of hex) {
    const found = remembered(hexRuns, run, decodedHexRun);
    if (found) return found;
  }
  return undefined;
}

/**
 * The base64 runs of `text` long enough to hold a token (its `=` padding kept), and its hex runs, in
 * order. One pass over the characters: a hex run lies inside a base64 run (its characters are
 * base64's), so only base64 runs of a hex run's length are looked into.
 */
export function encodedRunsOf(text: string): { base64: string[]; hex: string[] } {
  const base64: string[] = [];
  const hex: string[] = [];
  for (let at = 0; at < text.length; ) {
    if (!(classOf(text, at) & BASE64)) {
      at += 1;
      continue;
    }
    const start = at;
    while (at < text.length && classOf(text, at) & BASE64) at += 1;
    const end = at;
    if (end - start < BASE64_RUN_LENGTH) continue;
    let padded = end;
    while (padded < end + 2 && text.charCodeAt(padded) === 0x3d) padded += 1; // "="
    base64.push(text.slice(start, padded));
    if (end - start >= HEX_RUN_LENGTH) addHexRuns(hex, text, start, end);
  }
  return { base64, hex };
}

function classOf(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code < 128 ? CHAR_CLASSES[code]! : 0;
}

/** Adds to `runs` the hex runs of at least HEX_RUN_LENGTH in `text` between `from` and `to`. */
function addHexRuns(runs: string[], text: string, from: number, to: number): void {
  for (let at = from; at < to; ) {
    if (classOf(text, at) & HEX) {
      const start = at;
      while (at < to && classOf(text, at) & HEX) at += 1;
      if (at - start >= HEX_RUN_LENGTH) runs.push(text.slice(start, at));
    } else at += 1;
  }
}

function decodedBase64Run(run: string): StoredToken | undefined {
  const alignments = run.length <= ALIGN_ALL_UP_TO ? 4 : 1;
  for (let offset = 0; offset < alignments; offset++) {
    const found = inDecoded(Buffer.from(run.slice(offset), "base64"));
    if (found) return { label: found.label, where: `base64-encoded${found.where}` };
  }
  return undefined;
}

function decodedHexRun(run: string): StoredToken | undefined {
  for (let offset = 0; offset < 2; offset++) {
    const body = run.slice(offset);
    const found = inDecoded(Buffer.from(body.slice(0, body.length - (body.length % 2)), "hex"));
    if (found) return { label: found.label, where: `hex-encoded${found.where}` };
  }
  return undefined;
}

// A run's judgement depends on the run alone. A stack repeats the same runs across its functions
// (statement ids, the placeholder, an asset's path, a data source's name): each distinct short run
// is decoded once per process. Bounded: cleared when full, and long runs are not kept.
const REMEMBERED_RUNS = 20_000;
const REMEMBERED_RUN_LENGTH = 256;
const base64Runs = new Map<string, StoredToken | null>();
const hexRuns = new Map<string, StoredToken | null>();

function remembered(
  cache: Map<string, StoredToken | null>,
  run: string,
  decode: (run: string) => StoredToken | undefined,
): StoredToken | undefined {
  if (run.length > REMEMBERED_RUN_LENGTH) return decode(run);
  const known = cache.get(run);
  if (known !== undefined) return known ?? undefined;
  const found = decode(run);
  if (cache.size >= REMEMBERED_RUNS) cache.clear();
  cache.set(run, found ?? null);
  return found;
}

function inDecoded(bytes: Buffer): StoredToken | undefined {
  // A token's characters are printable ASCII (every other byte NUL in UTF-16): decoded bytes without
  // such a run (an ARN's path, a hash, decoded at the wrong alignment) cannot hold one.
  if (bytes.length < 16 || !hasTextRun(bytes, 16)) return undefined;
  const found = findTokenFormat(bytes.toString("latin1"));
  if (found) return { label: found.label, where: "" };
  const utf16 = asUtf16(bytes);
  return utf16 ? { label: utf16.label, where: `, ${utf16.where}` } : undefined;
}

/** True when `bytes` has a run of `length` bytes that are printable ASCII, a tab, a line break or NUL. */
function hasTextRun(bytes: Buffer, length: number): boolean {
  let run = 0;
  for (const byte of bytes) {
    if ((byte >= 0x20 && byte <= 0x7e) || byte === 0 || byte === 0x09 || byte === 0x0a || byte === 0x0d) {
      run += 1;
      if (run >= length) return true;
    } else run = 0;
  }
  return false;
}
