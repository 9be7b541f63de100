/**
 * The leak guard reads every byte that deploys, as each runtime stores it (issue 31): files inside
 * files to the bottom, files named by path rather than as assets, strings as compilers store them,
 * and connection strings; each route refused with a message that names where and never the value.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { SecretLeakGuard, SecureLambda, type SecretLeakError } from "../constructs";
import { readArchiveDeep } from "../constructs/leak-guard/files/archive";
import { findStoredToken } from "../constructs/leak-guard/files/stored-strings";
import { AwsProvider, LambdaFunction, TerraformStack, Testing } from "../constructs/tf";
import { deterministicZip, type ZipEntry } from "../constructs/zip";
import { FAKE, alnum } from "./helpers/fake-tokens";
import { javacClass, mavenFunctionZip } from "./helpers/java-function";
import { leakOf } from "./helpers/leak";

const TOKEN = FAKE["GitHub token"];
let work: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-files-"));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function stack(): TerraformStack {
  const s = new TerraformStack(Testing.app(), "files");
  new AwsProvider(s, "aws", { region: "eu-west-1" });
  // What SecureLambda and EnvironmentStack install: the routes below need no SecureLambda.
  SecretLeakGuard.protect(s);
  return s;
}

/** A file in the work directory, by name, holding `data`. */
function file(name: string, data: Buffer | string): string {
  const at = path.join(work, `${Math.random().toString(36).slice(2)}-${name}`);
  fs.writeFileSync(at, data);
  return at;
}

const zip = (entries: Record<string, Buffer | string>): Buffer =>
  deterministicZip(Object.entries(entries).map(([name, data]): ZipEntry => ({ name, data: Buffer.from(data) })));

/** A tar of `entries` (ustar, as `tar` writes it). */
function tar(entries: Record<string, Buffer | string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(entries)) {
    const data = Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0, "utf8");
    header.write("0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
    header.write("00000000000\0", 136);
    header.write("0", 156);
    header.write("ustar\0", 257);
    header.write("00", 263);
    header.write("        ", 148);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

/** A Java function from a zip file, the way a user deploys a Maven build. */
function javaFunction(s: TerraformStack, zipFile: string): SecureLambda {
  return new SecureLambda(s, "fn", {
    functionName: "fn",
    code: { zipFile },
    runtime: "java21",
    handler: "example.Handler::handleRequest",
  });
}

/** The refusal of synthesizing `s`, checked never to quote `secret` or a long piece of it. */
function refusal(s: TerraformStack, secret: string = TOKEN): SecretLeakError {
  const error = leakOf(() => Testing.synth(s));
  expect(error.message).not.toContain(secret);
  for (let i = 0; i + 12 <= secret.length; i += 6) expect(error.message).not.toContain(secret.slice(i, i + 12));
  return error;
}

/** The one finding whose variable or message mentions `what`. */
function findingAbout(error: SecretLeakError, what: string) {
  const found = error.findings.find((f) => f.variable.includes(what) || f.problems.some((p) => p.includes(what)));
  if (!found) throw new Error(`no finding about ${what}: ${error.message}`);
  return found;
}

describe("archives inside the archive, to the bottom", () => {
  test("a Java function's lib/app.jar holding application.properties with a token", () => {
    const s = stack();
    const jar = zip({
      "META-INF/MANIFEST.MF": "Manifest-Version: 1.0\n",
      "application.properties": `github.token=${TOKEN}\n`,
    });
    javaFunction(s, file("function.zip", zip({ "example/Handler.class": "x", "lib/app.jar": jar })));
    const finding = findingAbout(refusal(s), "lib/app.jar!/application.properties");
    expect(finding.address).toMatch(/^assets\/Code-/);
    expect(finding.problems.join()).toMatch(/a GitHub token \(line 1\)/);
  });

  test("a class compiled by javac holding the token, in a jar, in the function's zip", () => {
    const s = stack();
    const source = `public class Config { public static final String TOKEN = "${TOKEN}"; }`;
    const jar = zip({ "Config.class": javacClass("Config", source) });
    javaFunction(s, file("function.zip", zip({ "lib/config.jar": jar })));
    expect(findingAbout(refusal(s), "lib/config.jar!/Config.class").problems.join()).toMatch(/a GitHub token/);
  });

  test("a .whl and a .nupkg (zips by another name) and a gzip file in a code directory", () => {
    for (const [name, data] of [
      ["dep-1.0-py3-none-any.whl", zip({ "dep/settings.py": `KEY = "${TOKEN}"\n` })],
      ["Dep.1.0.0.nupkg", zip({ "lib/net8.0/settings.json": `{"key":"${TOKEN}"}` })],
      ["settings.json.gz", gzipSync(`{"key":"${TOKEN}"}`)],
      ["vendor.tar.gz", gzipSync(tar({ "vendor/a.txt": "nothing", "vendor/b.env": `KEY=${TOKEN}\n` }))],
    ] as const) {
      const s = stack();
      const dir = fs.mkdtempSync(path.join(work, "dir-"));
      fs.writeFileSync(path.join(dir, "app.py"), "def handler(e, c):\n    return 1\n");
      fs.writeFileSync(path.join(dir, name), data);
      new SecureLambda(s, "fn", {
        functionName: "fn",
        code: { directory: dir },
        runtime: "python3.13",
        handler: "app.handler",
      });
      expect(findingAbout(refusal(s), name).rules).toContain("known-token-format");
    }
  });

  test("a zip's own comment and entry names are read too", () => {
    const s = stack();
    const data = zip({ "a.txt": "hello" });
    const commented = Buffer.concat([
      data.subarray(0, data.length - 2),
      Buffer.from([TOKEN.length, 0]),
      Buffer.from(TOKEN),
    ]);
    javaFunction(s, file("function.zip", commented));
    expect(findingAbout(refusal(s), "(names and comments)").problems.join()).toMatch(/GitHub token/);
  });

  test("a token three archives deep (zip > jar > tar.gz) is found; the guard does not stop at one level", () => {
    const s = stack();
    const inner = gzipSync(tar({ "conf/app.env": `TOKEN=${TOKEN}\n` }));
    javaFunction(s, file("function.zip", zip({ "lib/app.jar": zip({ "BOOT-INF/lib/conf.tar.gz": inner }) })));
    expect(findingAbout(refusal(s), "lib/app.jar!/BOOT-INF/lib/conf.tar.gz!/").problems.join()).toMatch(/GitHub token/);
  });
});

describe("files deployed by path, not as assets", () => {
  const layerZip = () => file("layer.zip", zip({ "python/lib/settings.py": `KEY = "${TOKEN}"\n` }));

  test("aws_lambda_layer_version.filename", () => {
    const s = stack();
    s.addOverride("resource.aws_lambda_layer_version.deps", { layer_name: "deps", filename: layerZip() });
    const finding = findingAbout(refusal(s), "layer.zip");
    expect(finding).toMatchObject({ address: "aws_lambda_layer_version.deps", variable: "filename" });
    expect(finding.problems.join()).toMatch(
      /layer\.zip!\/python\/lib\/settings\.py holds what looks like a GitHub token/,
    );
  });

  test("a filename override on a SecureLambda's function", () => {
    const s = stack();
    const fn = new SecureLambda(s, "fn", { functionName: "fn", entry: path.join(__dirname, "fixtures", "hello.ts") });
    fn.function.addOverride("filename", layerZip());
    expect(findingAbout(refusal(s), "layer.zip").address).toBe(`aws_lambda_function.${fn.function.friendlyUniqueId}`);
  });

  test("aws_s3_object.source and an archive_file data source's source_dir and source_file", () => {
    const dir = fs.mkdtempSync(path.join(work, "src-"));
    fs.writeFileSync(path.join(dir, "config.env"), `TOKEN=${TOKEN}\n`);
    for (const [address, body, argument] of [
      ["resource.aws_s3_object.upload", { bucket: "b", key: "k", source: path.join(dir, "config.env") }, "source"],
      ["data.archive_file.code", { type: "zip", source_dir: dir, output_path: "code.zip" }, "source_dir"],
      [
        "data.archive_file.one",
        { type: "zip", source_file: path.join(dir, "config.env"), output_path: "one.zip" },
        "source_file",
      ],
    ] as const) {
      const s = stack();
      s.addOverride(address, body);
      expect(findingAbout(refusal(s), "config.env")).toMatchObject({
        address: address.replace(/^resource\./, ""),
        variable: argument,
      });
    }
  });

  test("a path the guard cannot read fails closed, naming the address and the path", () => {
    const s = stack();
    s.addOverride("resource.aws_lambda_layer_version.missing", { layer_name: "l", filename: "build/layer.zip" });
    s.addOverride("resource.aws_lambda_layer_version.computed", { layer_name: "l", filename: "${var.layer_zip}" });
    const error = leakOf(() => Testing.synth(s));
    expect(error.findings.find((f) => f.address === "aws_lambda_layer_version.missing")).toMatchObject({
      variable: "filename",
      rules: ["readable-deployed-file"],
      // Relative to the stack's directory, where Terraform runs: <outdir>/stacks/<stack id>.
      problems: [
        expect.stringMatching(
          /build\/layer\.zip names \S*\/stacks\/files\/build\/layer\.zip, which does not exist at synth/,
        ),
      ],
    });
    expect(error.findings.find((f) => f.address === "aws_lambda_layer_version.computed")?.problems.join()).toMatch(
      /resolves only at plan/,
    );
  });

  test("a file deliberately beyond the guard is allowed by an exception on its argument, with a reason", () => {
    const s = stack();
    s.addOverride("resource.aws_lambda_layer_version.later", { layer_name: "l", filename: "build/later.zip" });
    SecretLeakGuard.allow(s, { variable: "filename", reason: "built by the CI step after synth, scanned there" });
    expect(() => Testing.synth(s)).not.toThrow();
  });

  test("an archive_file's output_path used as a filename is not a file of its own (its sources are judged)", () => {
    const dir = fs.mkdtempSync(path.join(work, "clean-"));
    fs.writeFileSync(path.join(dir, "index.py"), "def handler(e, c):\n    return 1\n");
    const s = stack();
    s.addOverride("data.archive_file.code", { type: "zip", source_dir: dir, output_path: "code.zip" });
    new LambdaFunction(s, "plain", {
      functionName: "plain",
      role: "arn:aws:iam::123456789012:role/x",
      filename: "${data.archive_file.code.output_path}",
    });
    expect(() => Testing.synth(s)).not.toThrow();
  });
});

describe("limits: a zip bomb and deep nesting are refused quickly, never read to the end", () => {
  test("a 1 GiB zip bomb (one entry declaring 1 GiB) is refused in well under a second", () => {
    const bomb = zipBomb(1024 * 1024 * 1024, 1024 * 1024 * 1024);
    const problems: string[] = [];
    const started = Date.now();
    readArchiveDeep("bomb.zip", bomb, {
      file: () => {},
      unreadable: (at, problem) => problems.push(`${at} ${problem}`),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(problems.join()).toMatch(/declares 1024 MiB once inflated/);
  });

  test("the bomb is real: its entry inflates to the size it holds", () => {
    const { inflateRawSync } = require("node:zlib") as typeof import("node:zlib");
    const bomb = zipBomb(8 * 1024 * 1024, 8 * 1024 * 1024);
    const data = bomb.subarray(30 + "zeros.bin".length, bomb.length - 46 - "zeros.bin".length - 22);
    expect(inflateRawSync(data).length).toBe(8 * 1024 * 1024);
  });

  test("a zip bomb whose entry lies about its size stops at the size it declares", () => {
    const bomb = zipBomb(64 * 1024 * 1024, 1000);
    const problems: string[] = [];
    readArchiveDeep("liar.zip", bomb, { file: () => {}, unreadable: (_, problem) => problems.push(problem) });
    expect(problems).toEqual(["inflates to more than the 1000 bytes it declares"]);
  });

  test("a gzip bomb stops at the ratio", () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const problems: string[] = [];
    readArchiveDeep("bomb.gz", bomb, { file: () => {}, unreadable: (_, problem) => problems.push(problem) });
    expect(problems.join()).toMatch(/inflates past .*100 times its size/);
  });

  test("a 100-level nested archive is refused at the depth limit, naming the path", () => {
    let nested = zip({ "secret.txt": TOKEN });
    for (let level = 0; level < 100; level++) nested = zip({ [`level${level}.zip`]: nested });
    const s = stack();
    javaFunction(s, file("nested.zip", nested));
    const error = refusal(s);
    expect(error.findings.map((f) => f.rules)).toContainEqual(["readable-deployed-file"]);
    expect(error.message).toMatch(/nested deeper than 10 levels/);
  });

  test("an archive compressed as xz cannot be read, so it is refused", () => {
    const s = stack();
    javaFunction(
      s,
      file(
        "function.zip",
        zip({ "data.xz": Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]), Buffer.alloc(64)]) }),
      ),
    );
    expect(findingAbout(refusal(s), "data.xz").problems.join()).toMatch(/compressed as xz/);
  });
});

describe("what the reader refuses, by the limits and formats it names", () => {
  const problemsOf = (data: Buffer, limits?: Parameters<typeof readArchiveDeep>[3]): string[] => {
    const problems: string[] = [];
    readArchiveDeep("f", data, { file: () => {}, unreadable: (_, problem) => problems.push(problem) }, limits);
    return problems;
  };
  const LIMITS = { depth: 10, fileBytes: 1 << 30, totalBytes: 1 << 30, ratio: 100, graceBytes: 4 * 1024 * 1024 };

  test("each unsupported compression by its magic bytes", () => {
    for (const [format, magic] of [
      ["bzip2", Buffer.from("BZh9")],
      ["xz", Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0])],
      ["zstd", Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
      ["7z", Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])],
      ["rar", Buffer.from("Rar!\x1a\x07")],
      ["lzip", Buffer.from("LZIP")],
    ] as const) {
      expect(problemsOf(Buffer.concat([magic, Buffer.alloc(32)]))).toEqual([
        `is compressed as ${format}, which the guard cannot read`,
      ]);
    }
  });

  test("an encrypted zip entry", () => {
    const data = zip({ "a.txt": "hello" });
    data.writeUInt16LE(
      data.readUInt16LE(data.lastIndexOf(Buffer.from("PK\x01\x02", "latin1")) + 8) | 1,
      data.lastIndexOf(Buffer.from("PK\x01\x02", "latin1")) + 8,
    );
    expect(problemsOf(data)).toEqual(["is encrypted, so the guard cannot read it"]);
  });

  test("an entry past 4 MiB inflating to more than 100 times its size, and the total over all levels", () => {
    expect(problemsOf(zip({ "zeros.bin": Buffer.alloc(8 * 1024 * 1024) }), LIMITS).join()).toMatch(
      /past the ratio of 100/,
    );
    const two = zip({ "a.txt": Buffer.alloc(3000, 97), "b.txt": Buffer.alloc(3000, 98) });
    expect(problemsOf(two, { ...LIMITS, totalBytes: 4000 }).join()).toMatch(/inflates past 4000 bytes in all/);
  });
});

/**
 * A zip of one deflated entry of `size` zero bytes, declaring `declared` bytes: the deflate stream
 * is made once from a 1 MiB block repeated (a stored-free stream of back-references).
 */
function zipBomb(size: number, declared: number): Buffer {
  const { deflateRawSync, crc32, constants } = require("node:zlib") as typeof import("node:zlib");
  // 1 MiB of zeros deflated to a byte boundary (a sync flush, no final block), repeated, then an empty
  // final block: a valid stream of `size` zeros, made without holding them.
  const chunk = deflateRawSync(Buffer.alloc(1 << 20), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const compressed = Buffer.concat([...Array<Buffer>(size >> 20).fill(chunk), Buffer.from([0x03, 0x00])]);
  const name = Buffer.from("zeros.bin");
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc32(Buffer.alloc(0)), 14);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(Math.min(declared, 0xffffffff), 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(Math.min(declared, 0xffffffff), 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(30 + name.length + compressed.length, 16);
  return Buffer.concat([local, name, compressed, central, name, end]);
}

describe("strings as compilers and runtimes store them", () => {
  /** A .NET assembly's #US heap as the CLR lays it out: per string, its compressed length, UTF-16LE, a flag byte. */
  function userStringHeap(strings: readonly string[]): Buffer {
    const parts: Buffer[] = [Buffer.from("BSJB"), Buffer.alloc(12), Buffer.from("#US\0"), Buffer.from([0])];
    for (const text of strings) {
      const utf16 = Buffer.from(text, "utf16le");
      parts.push(Buffer.from([utf16.length + 1]), utf16, Buffer.from([0]));
    }
    return Buffer.concat(parts);
  }

  test("a C# string literal in a .NET assembly (UTF-16LE in the #US heap) in a function's zip", () => {
    const s = stack();
    const dll = userStringHeap(["Hello", `${TOKEN}`, "World"]);
    new SecureLambda(s, "fn", {
      functionName: "fn",
      code: { zipFile: file("dotnet.zip", zip({ "Function.dll": dll, "Function.deps.json": "{}" })) },
      runtime: "dotnet10",
      handler: "Function::Function.Handler::Handle",
    });
    expect(findingAbout(refusal(s), "Function.dll").problems.join()).toMatch(/GitHub token \(as UTF-16LE text\)/);
  });

  test("UTF-16BE, and UTF-16LE at an odd offset, are read too", () => {
    const odd = Buffer.concat([Buffer.from([7]), Buffer.from(TOKEN, "utf16le")]);
    expect(findStoredToken(odd)?.where).toBe("as UTF-16LE text");
    // Followed by a byte that is not NUL: read as LE one byte on, its last character would be lost.
    // (An npm token has exactly 36 characters after its prefix: one fewer is no npm token.)
    const be = Buffer.concat([
      Buffer.from("\n"),
      Buffer.from(FAKE["npm token"], "utf16le").swap16(),
      Buffer.from("\n"),
    ]);
    expect(findStoredToken(be)?.where).toBe("as UTF-16BE text");
  });

  test("a Java class file's constant pool is read as modified UTF-8", () => {
    const source = `public class Keys { static final String A = "\\0${TOKEN}"; }`;
    expect(findStoredToken(javacClass("Keys", source))).toMatchObject({ label: "a GitHub token" });
  });

  test("a token base64- or hex-encoded in a file is decoded once and found", () => {
    expect(findStoredToken(Buffer.from(`config = "${Buffer.from(TOKEN).toString("base64")}"`))?.where).toBe(
      "base64-encoded",
    );
    expect(findStoredToken(Buffer.from(`x=${Buffer.from(TOKEN).toString("hex")};`))?.where).toBe("hex-encoded");
    expect(findStoredToken(Buffer.from(Buffer.from(TOKEN, "utf16le").toString("base64")))?.where).toBe(
      "base64-encoded, as UTF-16LE text",
    );
  });

  test("the same encoded run is found every time it appears, and a run is found whatever the text around it", () => {
    // Runs are remembered by their text: a second place holding the same run is judged the same,
    // never passed because the first was seen (the cache keeps what was found, not that it was seen).
    const run = Buffer.from(`key=${TOKEN}`).toString("base64");
    for (let i = 0; i < 3; i++) expect(findStoredToken(Buffer.from(`a${i} ${run}`))?.where).toBe("base64-encoded");
    // A run is the whole stretch of base64 characters: a token's encoding after 25 characters of
    // another run (too short alone), or inside a longer one, is still decoded at its own alignment.
    const shortRun = "A".repeat(25);
    expect(findStoredToken(Buffer.from(`${shortRun}:${run}==`))?.where).toBe("base64-encoded");
    expect(findStoredToken(Buffer.from(`x=${Buffer.from(TOKEN).toString("hex")}`))?.where).toBe("hex-encoded");
    expect(findStoredToken(Buffer.from(`x=${"a".repeat(39)};${Buffer.from(TOKEN).toString("hex")}`))?.where).toBe(
      "hex-encoded",
    );
    // The shortest token the formats know (20 characters) is 40 hex digits and 27 base64 characters.
    const shortest = FAKE["AWS access key id"];
    expect(findStoredToken(Buffer.from(`x=${Buffer.from(shortest).toString("hex")};`))?.where).toBe("hex-encoded");
    expect(findStoredToken(Buffer.from(`x=${Buffer.from(shortest).toString("base64")};`))?.where).toBe(
      "base64-encoded",
    );
    // Short runs, however many, hold none.
    expect(findStoredToken(Buffer.from(`${"Ab1_".repeat(6)}:`.repeat(200)))).toBeUndefined();
  });

  test("a base64-encoded token in a tag is refused", () => {
    const s = stack();
    new LambdaFunction(s, "plain", {
      functionName: "plain",
      role: "arn:aws:iam::123456789012:role/x",
      tags: { config: Buffer.from(`key=${TOKEN}`).toString("base64") },
    });
    expect(
      findingAbout(refusal(s, Buffer.from(`key=${TOKEN}`).toString("base64")), "tags.config").problems.join(),
    ).toMatch(/once decoded/);
  });
});

describe("connection strings and credentials in URLs", () => {
  const PASSWORD = `Pa$$w0rd-${alnum(6)}`;
  const FORMS = {
    "URL with a user": `postgres://app:${PASSWORD}@db.internal:5432/app`,
    "URL without a user": `redis://:${PASSWORD}@cache.internal:6379`,
    "JDBC query": `jdbc:postgresql://db.internal/app?user=app&password=${PASSWORD}`,
    "JDBC SQL Server": `jdbc:sqlserver://db.internal:1433;databaseName=app;user=sa;password=${PASSWORD}`,
    "ADO.NET": `Server=db.internal;Database=app;User Id=app;Password=${PASSWORD};`,
    "ADO.NET, password first": `Pwd=${PASSWORD};Server=db.internal;Uid=app`,
    "query pwd": `https://api.example.com/v1?user=app&pwd=${PASSWORD}`,
    "libpq passwd": `host=db.internal dbname=app user=app passwd=${PASSWORD}`,
    "Oracle thin": `jdbc:oracle:thin:app/${PASSWORD}@db.internal:1521/orcl`,
    "placeholder first, literal second": `mysql://app:<password>@a/db and redis://:${PASSWORD}@b`,
    "query placeholder first, literal second": `Server=db;Password={0};Backup=db2;Password=${PASSWORD}`,
  } as const;

  test.each(Object.entries(FORMS))("in an environment variable: %s", (_, text) => {
    const s = stack();
    new LambdaFunction(s, "plain", {
      functionName: "plain",
      role: "arn:aws:iam::123456789012:role/x",
      environment: { variables: { DATABASE: text } },
    });
    const finding = findingAbout(refusal(s, PASSWORD), "DATABASE");
    expect(finding.problems.join()).toMatch(/(URL|connection string) with a password/);
  });

  test("in a tag and in a deployed file", () => {
    const s = stack();
    new LambdaFunction(s, "plain", {
      functionName: "plain",
      role: "arn:aws:iam::123456789012:role/x",
      tags: { db: FORMS["URL without a user"] },
    });
    expect(findingAbout(refusal(s, PASSWORD), "tags.db").rules).toContain("known-token-format");
    const t = stack();
    javaFunction(t, file("fn.zip", zip({ "appsettings.json": `{"Db":"${FORMS["ADO.NET"]}"}` })));
    expect(findingAbout(refusal(t, PASSWORD), "appsettings.json").problems.join()).toMatch(/connection string/);
  });

  test("placeholders and references are not passwords", () => {
    for (const text of [
      "postgres://app:${DB_PASSWORD}@db/app",
      "postgres://app:<password>@db/app",
      "redis://:password@localhost:6379",
      "Server=db;Database=app;User Id=app;Password={0};",
      "jdbc:postgresql://db/app?user=app&password=",
      "https://example.com/?q=1",
    ]) {
      const s = stack();
      new LambdaFunction(s, "plain", {
        functionName: "plain",
        role: "arn:aws:iam::123456789012:role/x",
        tags: { db: text },
      });
      expect(() => Testing.synth(s)).not.toThrow();
    }
  });

  test("a 40-character AWS secret access key with / and + in an environment variable", () => {
    const key = `wJa1rXUtnFEMI/K7MDENG/bPxRfiCY${"Q9z+"}Zk3xP7`;
    expect(key).toHaveLength(40);
    const s = stack();
    new LambdaFunction(s, "plain", {
      functionName: "plain",
      role: "arn:aws:iam::123456789012:role/x",
      environment: { variables: { S3_CREDENTIAL: key } },
    });
    expect(findingAbout(refusal(s, key), "S3_CREDENTIAL").rules).toContain("high-entropy-string");
  });
});

describe("no false alarm on real build outputs", () => {
  test("a Java function built by Maven from Maven Central (classes and lib/*.jar)", () => {
    const s = stack();
    javaFunction(s, mavenFunctionZip());
    expect(() => Testing.synth(s)).not.toThrow();
  }, 600_000);
});
