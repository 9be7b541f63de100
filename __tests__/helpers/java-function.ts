/**
 * Real Java build outputs for the leak guard's tests: a function zip built by Maven from Maven
 * Central (`__tests__/fixtures/java-function`: its classes at the root and its dependencies' jars
 * under lib/, as Lambda takes a Java function), and single classes compiled by javac.
 *
 * The Maven build runs once per content of the fixture, into ~/.cache/secure-lambda (its local
 * repository there too): later runs reuse the zip in milliseconds.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deterministicZip, type ZipEntry } from "../../constructs/zip";

const FIXTURE = path.join(__dirname, "..", "fixtures", "java-function");
const CACHE = path.join(os.homedir(), ".cache", "secure-lambda");

/** Every file under `dir`, by its `/`-separated path relative to it. */
function filesOf(dir: string, prefix = ""): ZipEntry[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((relative) => fs.statSync(path.join(dir, relative)).isFile())
    .sort()
    .map((relative) => ({
      name: prefix + relative.split(path.sep).join("/"),
      data: fs.readFileSync(path.join(dir, relative)),
    }));
}

/** The fixture's function zip (classes + lib/*.jar), built with Maven once and cached. */
export function mavenFunctionZip(): string {
  const hash = createHash("sha256");
  for (const entry of filesOf(FIXTURE).filter((e) => !e.name.startsWith("target/")))
    hash.update(entry.name).update(entry.data);
  const dir = path.join(CACHE, `java-function-${hash.digest("hex").slice(0, 16)}`);
  const zip = path.join(dir, "function.zip");
  if (fs.existsSync(zip)) return zip;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(FIXTURE, path.join(dir, "project"), { recursive: true });
  const run = spawnSync("mvn", ["-B", "-q", `-Dmaven.repo.local=${path.join(CACHE, "m2")}`, "package", "-DskipTests"], {
    cwd: path.join(dir, "project"),
    encoding: "utf8",
    timeout: 600_000,
  });
  if (run.status !== 0) throw new Error(`mvn package failed (${run.status}): ${run.stdout}${run.stderr}`);
  const target = path.join(dir, "project", "target");
  fs.writeFileSync(
    zip,
    deterministicZip([...filesOf(path.join(target, "classes")), ...filesOf(path.join(target, "lib"), "lib/")]),
  );
  return zip;
}

/** The class file javac compiles from `source` (a class named `name`, in no package). */
export function javacClass(name: string, source: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-javac-"));
  try {
    fs.writeFileSync(path.join(dir, `${name}.java`), source);
    const run = spawnSync("javac", ["-d", dir, path.join(dir, `${name}.java`)], { encoding: "utf8", timeout: 120_000 });
    if (run.status !== 0) throw new Error(`javac failed: ${run.stderr}`);
    return fs.readFileSync(path.join(dir, `${name}.class`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
