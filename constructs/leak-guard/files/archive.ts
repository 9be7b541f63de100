/**
 * Every file inside a file the stack deploys, to the bottom: a zip (also a jar, war, ear, nupkg,
 * whl: each is a zip), a gzip stream, a tar, and archives inside archives, told apart by their
 * bytes, never by their names. Bounded: the depth of nesting, the bytes of one file, the bytes of
 * all files, and the ratio of inflated to compressed bytes are limited, and a file past a limit is
 * refused (it is not skipped: what the guard cannot read, it cannot clear).
 *
 * node:zlib inflates, with `maxOutputLength`, so a lying size or a zip bomb stops at the limit
 * instead of filling memory. No archive library is used: the formats needed are small, and each
 * one read here is read whole (central directory, every entry), as unzip and Lambda read them.
 *
 * Free of cdktf: `npm run audit` reads synthesized directories with it.
 */
import { gunzipSync, inflateRawSync } from "node:zlib";

/** How far the reader goes before it refuses a file. */
export interface ArchiveLimits {
  /** Archives inside archives, the deployed file itself being level 1. */
  readonly depth: number;
  /** Bytes of one file once inflated. */
  readonly fileBytes: number;
  /** Bytes inflated in all, over every level of one deployed file. */
  readonly totalBytes: number;
  /** Most inflated bytes per compressed byte of one entry, past `graceBytes`. */
  readonly ratio: number;
  /** Size under which an entry's compression ratio is not judged (small, very repetitive files compress well). */
  readonly graceBytes: number;
}

const MiB = 1024 * 1024;

/**
 * The defaults: Lambda unpacks at most 250 MB of code (a layer's too), so one file past 256 MiB is not
 * deployable code; deflate's own maximum ratio is about 1032, ordinary code and data compress by less
 * than 100, and Apache POI refuses office files past the same ratio.
 */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  depth: 10,
  fileBytes: 256 * MiB,
  totalBytes: 1024 * MiB,
  ratio: 100,
  graceBytes: 4 * MiB,
};

/** What the reader hands on: each file's bytes, and each file it cannot read, with why. */
export interface ArchiveVisitor {
  /** A file that is not an archive (or an archive's own names and comments), at its path inside the deployed file. */
  file(path: string, data: Buffer): void;
  /** A file the reader refuses to clear: `problem` says why, in words that never quote its content. */
  unreadable(path: string, problem: string): void;
}

/**
 * Reads `data` (a deployed file, known as `name`) and every file inside it, to the bottom. Paths
 * inside are joined with `!/` as Java names them (`lib/app.jar!/application.properties`).
 */
export function readArchiveDeep(
  name: string,
  data: Buffer,
  visitor: ArchiveVisitor,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): void {
  new Reader(visitor, limits).read(name, data, 1);
}

/** What the first bytes say a file is. */
export type ContainerKind = "zip" | "gzip" | "tar" | "unsupported" | "plain";

const UNSUPPORTED: ReadonlyArray<readonly [string, Buffer]> = [
  ["bzip2", Buffer.from("BZh")],
  ["xz", Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ["zstd", Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
  ["7z", Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])],
  ["rar", Buffer.from("Rar!\x1a\x07")],
  ["lzip", Buffer.from("LZIP")],
];

/** The kind of container `data` is, by its bytes; for an unsupported compression, its name. */
export function containerOf(data: Buffer): { kind: ContainerKind; format?: string } {
  if (data.length >= 4 && data.readUInt32LE(0) === 0x04034b50) return { kind: "zip" };
  if (data.length === 22 && data.readUInt32LE(0) === 0x06054b50) return { kind: "zip" };
  if (data.length >= 18 && data[0] === 0x1f && data[1] === 0x8b && data[2] === 0x08) return { kind: "gzip" };
  if (data.length >= 512 && data.toString("latin1", 257, 262) === "ustar") return { kind: "tar" };
  // bzip2's magic is followed by a block size digit; the others are long enough to be distinctive.
  for (const [format, magic] of UNSUPPORTED) {
    if (data.length > magic.length && data.subarray(0, magic.length).equals(magic)) {
      if (format === "bzip2" && !/[1-9]/.test(String.fromCharCode(data[3]!))) continue;
      return { kind: "unsupported", format };
    }
  }
  return { kind: "plain" };
}

class Reader {
  private inflated = 0;

  constructor(
    private readonly visitor: ArchiveVisitor,
    private readonly limits: ArchiveLimits,
  ) {}

  read(path: string, data: Buffer, level: number): void {
    const { kind, format } = containerOf(data);
    if (kind === "plain") {
      this.visitor.file(path, data);
      return;
    }
    if (kind === "unsupported") {
      this.visitor.unreadable(path, `is compressed as ${format}, which the guard cannot read`);
      return;
    }
    if (level > this.limits.depth) {
      this.visitor.unreadable(path, `is an archive nested deeper than ${this.limits.depth} levels`);
      return;
    }
    try {
      if (kind === "zip") this.zip(path, data, level);
      else if (kind === "gzip") this.gzip(path, data, level);
      else this.tar(path, data, level);
    } catch (error) {
      if (!(error instanceof Unreadable)) throw error;
      this.visitor.unreadable(error.path ?? path, error.problem);
    }
  }

  /** Counts `bytes` against the total; throws past it. */
  private spend(path: string, bytes: number): void {
    this.inflated += bytes;
    if (this.inflated > this.limits.totalBytes) {
      throw new Unreadable(`inflates past ${mib(this.limits.totalBytes)} in all, the most the guard reads`, path);
    }
  }

  /** The most an entry of `compressed` bytes may inflate to. */
  private ceiling(compressed: number): number {
    return Math.min(this.limits.fileBytes, Math.max(this.limits.graceBytes, compressed * this.limits.ratio));
  }

  private zip(path: string, data: Buffer, level: number): void {
    const directory = centralDirectory(data);
    // The archive's own comment and every entry's name and comment are text in the file too.
    this.visitor.file(`${path}!/(names and comments)`, directory.text);
    for (const entry of directory.entries) {
      const inner = `${path}!/${entry.name}`;
      if (entry.name.endsWith("/") && entry.uncompressedSize === 0) continue;
      if (entry.flags & 0x1) throw new Unreadable("is encrypted, so the guard cannot read it", inner);
      if (entry.method !== 0 && entry.method !== 8) {
        throw new Unreadable(`is compressed with zip method ${entry.method}, which the guard cannot read`, inner);
      }
      if (entry.uncompressedSize > this.ceiling(entry.compressedSize)) {
        throw new Unreadable(
          entry.uncompressedSize > this.limits.fileBytes
            ? `declares ${mib(entry.uncompressedSize)} once inflated, past the ${mib(this.limits.fileBytes)} the guard reads of one file`
            : `declares ${ratioOf(entry.uncompressedSize, entry.compressedSize)} times its compressed size, past the ratio of ${this.limits.ratio} (a zip bomb)`,
          inner,
        );
      }
      this.spend(inner, entry.uncompressedSize);
      const raw = entryData(data, entry, inner);
      let content: Buffer;
      if (entry.method === 0) content = raw;
      else {
        try {
          // Never past what the entry declares: a lying size stops here, not at the memory's end.
          content = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
        } catch (error) {
          throw new Unreadable(
            isTooLarge(error)
              ? `inflates to more than the ${entry.uncompressedSize} bytes it declares`
              : "does not inflate: its compressed data is damaged",
            inner,
          );
        }
      }
      this.read(inner, content, level + 1);
    }
  }

  private gzip(path: string, data: Buffer, level: number): void {
    const ceiling = Math.min(this.ceiling(data.length), this.limits.totalBytes - this.inflated);
    let content: Buffer;
    try {
      content = gunzipSync(data, { maxOutputLength: Math.max(1, ceiling) });
    } catch (error) {
      throw new Unreadable(
        isTooLarge(error)
          ? `inflates past ${mib(ceiling)} (${this.limits.ratio} times its size, or the guard's limits)`
          : "does not inflate: its gzip data is damaged",
        path,
      );
    }
    this.spend(path, content.length);
    // A gzip header may carry the original file's name and a comment: text in the file too.
    this.visitor.file(`${path}!/(gzip header)`, data.subarray(0, Math.min(data.length, 1024)));
    this.read(`${path}!/${gzipName(path)}`, content, level + 1);
  }

  private tar(path: string, data: Buffer, level: number): void {
    for (let at = 0; at + 512 <= data.length; ) {
      const header = data.subarray(at, at + 512);
      if (header.every((byte) => byte === 0)) break;
      const name = cString(header, 345, 155)
        ? `${cString(header, 345, 155)}/${cString(header, 0, 100)}`
        : cString(header, 0, 100);
      const size = tarSize(header.subarray(124, 136));
      const type = String.fromCharCode(header[156]!);
      const start = at + 512;
      if (size === undefined || start + size > data.length) throw new Unreadable("is a damaged tar", path);
      const inner = `${path}!/${name}`;
      // The header's own text (names, link targets, owner) and, for a long name or pax record, its data.
      this.visitor.file(`${inner} (tar header)`, header);
      if (type !== "5" && type !== "1" && type !== "2") this.read(inner, data.subarray(start, start + size), level + 1);
      at = start + Math.ceil(size / 512) * 512;
    }
  }
}

/** Why a file cannot be cleared, and where inside the deployed file it is. */
export class Unreadable extends Error {
  constructor(
    readonly problem: string,
    readonly path?: string,
  ) {
    super(problem);
    this.name = "Unreadable";
  }
}

interface ZipEntryHeader {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localOffset: number;
}

/** The central directory: every entry as unzip lists it (zip64 included), and its names and comments as text. */
function centralDirectory(zip: Buffer): { entries: ZipEntryHeader[]; text: Buffer } {
  const end = lastIndexOfSignature(zip, 0x06054b50, Math.max(0, zip.length - 22 - 0xffff));
  if (end < 0) throw new Unreadable("is not a readable zip: it has no end of central directory");
  let count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const comment = zip.subarray(end + 22, Math.min(zip.length, end + 22 + zip.readUInt16LE(end + 20)));
  if (count === 0xffff || at === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || zip.readUInt32LE(locator) !== 0x07064b50) throw new Unreadable("is a damaged zip64");
    const record = safeNumber(zip.readBigUInt64LE(locator + 8));
    if (record + 56 > zip.length || zip.readUInt32LE(record) !== 0x06064b50) throw new Unreadable("is a damaged zip64");
    count = safeNumber(zip.readBigUInt64LE(record + 32));
    at = safeNumber(zip.readBigUInt64LE(record + 48));
  }
  const entries: ZipEntryHeader[] = [];
  const texts: Buffer[] = [comment];
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) throw new Unreadable("is a damaged zip");
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    if (at + 46 + nameLength + extraLength + commentLength > zip.length) throw new Unreadable("is a damaged zip");
    const nameBytes = zip.subarray(at + 46, at + 46 + nameLength);
    const extra = zip.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
    texts.push(
      nameBytes,
      Buffer.from("\n"),
      zip.subarray(at + 46 + nameLength + extraLength, at + 46 + nameLength + extraLength + commentLength),
      Buffer.from("\n"),
    );
    let uncompressedSize = zip.readUInt32LE(at + 24);
    let compressedSize = zip.readUInt32LE(at + 20);
    let localOffset = zip.readUInt32LE(at + 42);
    const wide = zip64Extra(extra);
    if (wide) {
      let next = 0;
      if (uncompressedSize === 0xffffffff) uncompressedSize = wide[next++] ?? uncompressedSize;
      if (compressedSize === 0xffffffff) compressedSize = wide[next++] ?? compressedSize;
      if (localOffset === 0xffffffff) localOffset = wide[next++] ?? localOffset;
    }
    entries.push({
      name: nameBytes.toString("utf8"),
      flags: zip.readUInt16LE(at + 8),
      method: zip.readUInt16LE(at + 10),
      compressedSize,
      uncompressedSize,
      localOffset,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { entries, text: Buffer.concat(texts) };
}

/** The zip64 extended information extra field's 8-byte values, if the entry has one. */
function zip64Extra(extra: Buffer): number[] | undefined {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      const values: number[] = [];
      for (let v = at + 4; v + 8 <= Math.min(extra.length, at + 4 + size); v += 8)
        values.push(safeNumber(extra.readBigUInt64LE(v)));
      return values;
    }
    at += 4 + size;
  }
  return undefined;
}

function entryData(zip: Buffer, entry: ZipEntryHeader, path: string): Buffer {
  const local = entry.localOffset;
  if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50)
    throw new Unreadable("is a damaged zip entry", path);
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  if (start + entry.compressedSize > zip.length)
    throw new Unreadable("is a damaged zip entry: its data runs past the file", path);
  return zip.subarray(start, start + entry.compressedSize);
}

function lastIndexOfSignature(data: Buffer, signature: number, floor: number): number {
  for (let at = data.length - 22; at >= floor; at--) if (data.readUInt32LE(at) === signature) return at;
  return -1;
}

function safeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Unreadable("is a damaged zip64: a size past any file");
  return Number(value);
}

function isTooLarge(error: unknown): boolean {
  return (error as { code?: string })?.code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError;
}

function gzipName(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base.replace(/\.t?gz$/i, (ext) => (ext.toLowerCase() === ".tgz" ? ".tar" : "")) || "(content)";
}

function cString(buffer: Buffer, start: number, length: number): string {
  const field = buffer.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString("utf8");
}

/** A tar size field: octal text, or base-256 when its first byte has the high bit. */
function tarSize(field: Buffer): number | undefined {
  if (field[0]! & 0x80) {
    let size = 0;
    for (let i = 1; i < field.length; i++) size = size * 256 + field[i]!;
    return size;
  }
  const text = field
    .toString("latin1")
    .replace(/[\0 ]+$/, "")
    .trim();
  return /^[0-7]*$/.test(text) ? Number.parseInt(text || "0", 8) : undefined;
}

function mib(bytes: number): string {
  return bytes >= MiB ? `${Math.round(bytes / MiB)} MiB` : `${bytes} bytes`;
}

function ratioOf(inflated: number, compressed: number): string {
  return compressed === 0 ? "infinitely many" : String(Math.round(inflated / compressed));
}
