/**
 * Code built elsewhere (`code`): a directory, zipped at synth with the same deterministic
 * zip as a bundle (the same files give the same bytes, so the same `source_code_hash`), or
 * a zip file used as it is, its hash computed at synth.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deterministicZip, type ZipEntry } from "./zip";

/** A directory to zip at synth: every file under it, at its path relative to it. */
export interface CodeDirectory {
  /** Absolute path of the directory (a relative one resolves against the working directory synth runs in). */
  readonly directory: string;
}

/** A zip file built elsewhere, deployed as it is. */
export interface CodeZipFile {
  /** Absolute path of the zip (a relative one resolves against the working directory synth runs in). */
  readonly zipFile: string;
}

/**
 * Code built elsewhere: a directory zipped at synth, or a zip file. Exactly one of the two.
 *
 * @example { directory: path.join(__dirname, "build", "notifier") }
 */
export interface FunctionCode {
  /**
   * Absolute path of a directory to zip at synth: every file under it, at its path relative to it.
   *
   * @default - none: `zipFile` is given instead
   */
  readonly directory?: string;
  /**
   * Absolute path of a zip file built elsewhere, deployed as it is.
   *
   * @default - none: `directory` is given instead
   */
  readonly zipFile?: string;
}

/** A zip on disk a function deploys, named by its content. */
export interface CodeArchive {
  /** SHA-256 of what decides the code (hex); names the asset. */
  readonly hash: string;
  /** The zip Lambda deploys. */
  readonly zipPath: string;
  /** Base64 SHA-256 of the zip: Lambda's `CodeSha256`, the function's `source_code_hash`. */
  readonly zipSha256: string;
}

/** Why code cannot be packaged: the message says what was found, not a stack. */
export class CodePackagingError extends Error {
  constructor(readonly details: string) {
    super(details);
    this.name = "CodePackagingError";
  }
}

let outRoot: string | undefined;

/** The zip of `code`: a directory zipped (once per content and process), or the zip file itself. */
export function packageCode(code: FunctionCode): CodeArchive {
  // Validation saw exactly one of the two.
  if (code.zipFile !== undefined) return zipFileArchive(path.resolve(code.zipFile));
  return directoryArchive(path.resolve(code.directory!));
}

function zipFileArchive(zipFile: string): CodeArchive {
  if (!fs.existsSync(zipFile)) throw new CodePackagingError(`${zipFile} does not exist`);
  if (!fs.statSync(zipFile).isFile()) throw new CodePackagingError(`${zipFile} is not a file`);
  const data = fs.readFileSync(zipFile);
  if (data.length < 4 || data.readUInt32LE(0) !== 0x04034b50)
    throw new CodePackagingError(`${zipFile} is not a zip file (it does not start with a zip header)`);
  return {
    hash: createHash("sha256").update(data).digest("hex"),
    zipPath: zipFile,
    zipSha256: createHash("sha256").update(data).digest("base64"),
  };
}

function directoryArchive(directory: string): CodeArchive {
  if (!fs.existsSync(directory)) throw new CodePackagingError(`${directory} does not exist`);
  if (!fs.statSync(directory).isDirectory())
    throw new CodePackagingError(`${directory} is not a directory (pass a zip file as { zipFile })`);
  const entries = filesOf(directory);
  if (entries.length === 0)
    throw new CodePackagingError(`${directory} holds no file: build the function's code into it before synth`);
  const zip = deterministicZip(entries);
  const hash = createHash("sha256").update(zip).digest("hex");
  outRoot ??= stagingDirectory();
  const zipPath = path.join(outRoot, `${hash.slice(0, 16)}.zip`);
  if (!fs.existsSync(zipPath)) fs.writeFileSync(zipPath, zip);
  return { hash, zipPath, zipSha256: createHash("sha256").update(zip).digest("base64") };
}

/**
 * Every regular file under `directory`, sorted by its `/`-separated path: the order and the
 * names are the zip's, never the file system's. A file is executable in the zip when its
 * owner may execute it (a `bootstrap` must be, or Lambda cannot start it).
 */
function filesOf(directory: string): ZipEntry[] {
  return (fs.readdirSync(directory, { recursive: true }) as string[])
    .map((relative) => ({ relative, absolute: path.join(directory, relative) }))
    .filter(({ absolute }) => fs.statSync(absolute).isFile())
    .map(({ relative, absolute }) => ({
      name: relative.split(path.sep).join("/"),
      data: fs.readFileSync(absolute),
      executable: (fs.statSync(absolute).mode & 0o100) !== 0,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Where zips wait until synth copies them into cdktf.out: removed when the process exits. */
function stagingDirectory(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-code-"));
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
