/**
 * The shape the code keeps: what the package exports, which folder may import which, and
 * no import cycle in the construct. Each is a property a refactor could break silently.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const BIOME = path.join(ROOT, "node_modules", "@biomejs", "biome", "bin", "biome");

/** Every `.ts` file under `dir` (relative to the root), recursively. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

/**
 * Every module specifier `file` imports or requires (types too), comments left out (a doc's `@example` imports
 * nothing).
 */
function specifiers(file: string, root = ROOT): string[] {
  const code = fs
    .readFileSync(path.join(root, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(/(?:\bfrom|^import|\brequire\()\s*["']([^"']+)["']/gm)].map((match) => match[1]!);
}

/** The files `file` imports by a relative path, each as a path from `root`. */
function relativeImports(file: string, root = ROOT): string[] {
  return specifiers(file, root)
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => path.join(path.dirname(file), specifier))
    .flatMap(
      (target) =>
        [`${target}.ts`, path.join(target, "index.ts")].find((candidate) =>
          fs.existsSync(path.join(root, candidate)),
        ) ?? [],
    );
}

/** The packages and built-ins `file` imports (every specifier that is not a relative path). */
function packageImports(file: string): string[] {
  return specifiers(file).filter((specifier) => !specifier.startsWith("."));
}

/** The cycles of the import graph of `files`: each as the chain of files, first file repeated at its end. */
function importCycles(files: readonly string[], root = ROOT): string[][] {
  const inSet = new Set(files);
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    const at = chain.indexOf(file);
    if (at >= 0) {
      cycles.push([...chain.slice(at), file]);
      return;
    }
    if (done.has(file)) return;
    for (const next of relativeImports(file, root)) if (inSet.has(next)) visit(next, [...chain, file]);
    done.add(file);
  };
  for (const file of files) visit(file, []);
  return cycles;
}

const CDKTF_PACKAGES = /^(cdktf|@cdktf\/provider-aws)(\/.*)?$/;

/** The files (relative to `root`) that import or require cdktf or @cdktf/provider-aws. */
function filesImportingCdktf(root: string, files: readonly string[]): string[] {
  return files.filter((file) => specifiers(file, root).some((specifier) => CDKTF_PACKAGES.test(specifier)));
}

/**
 * The project's own TypeScript, read from the tree (check:cdktn runs the tests on a copy without .git), but for
 * the one import point, constructs/tf.ts, and the fixture of a second cdktf copy (issue 15's test needs one).
 * examples/ are apps of their own, each with its own cdktf.
 */
function ownSources(): string[] {
  const dirs = [
    "audit",
    "bench",
    "cli",
    "common",
    "config",
    "constructs",
    "lambda-src",
    "scripts",
    "stacks",
    "__tests__",
  ];
  return dirs
    .flatMap((dir) => sources(dir))
    .concat("main.ts")
    .filter((file) => !/(^|\/)(node_modules|build|dist|cdktf\.out|\.local-deps)\//.test(file))
    .filter((file) => file !== path.join("constructs", "tf.ts"))
    .filter((file) => file !== path.join("__tests__", "fixtures", "other-cdktf-copy.ts"));
}

describe("the package's public surface", () => {
  // Adding a name is a decision (it becomes the package's contract); removing one breaks users.
  test("constructs/index.ts exports exactly these names", () => {
    const text = fs.readFileSync(path.join(ROOT, "constructs", "index.ts"), "utf8");
    const declared = [...text.matchAll(/export (?:type )?\{([^}]*)\}/g)]
      .flatMap((match) => match[1]!.split(","))
      .map((name) => name.replace(/\btype\b/, "").trim())
      .filter(Boolean)
      .sort();
    expect(declared).toEqual([
      "CdktfCopies",
      "CodeDirectory",
      "CodeZipFile",
      "DEPRECATED_RUNTIMES",
      "DeadLetterAction",
      "DeadLetterGrant",
      "DeadLetterQueueOption",
      "DeadLetterTargetOption",
      "DuplicateCdktfError",
      "ExecutionRole",
      "ExecutionRoleProps",
      "ExistingDeadLetterTarget",
      "ExternalSecret",
      "FunctionCode",
      "FunctionSchedule",
      "ISecretsKey",
      "LOG_RETENTION_DAYS",
      "LambdaArchitecture",
      "LambdaRuntime",
      "LeakException",
      "LeakFinding",
      "NODE_RUNTIMES",
      "PLACEHOLDER_VALUE",
      "ParameterTier",
      "PolicyStatementProps",
      "SECRET_ID_ENV_VAR",
      "SECRET_STORES",
      "SUPPORTED_ARCHITECTURES",
      "SUPPORTED_RUNTIMES",
      "ScheduleTrigger",
      "ScheduleTriggerProps",
      "SecretLeakError",
      "SecretLeakGuard",
      "SecretReplica",
      "SecretRotation",
      "SecretStore",
      "SecretsEndpoints",
      "SecretsEndpointsProps",
      "SecretsKey",
      "SecretsKeyProps",
      "SecureLambda",
      "SecureLambdaProps",
      "SecureLambdaValidationError",
      "SnsTrigger",
      "SnsTriggerProps",
      "VpcPlacement",
      "defaultSecretName",
      "paramNameEnvVar",
      "parameterName",
      "parameterNameFor",
    ]);
    // Nothing else leaks out at run time (an `export *` would).
    const values = Object.keys(require("../constructs") as object).sort();
    expect(values.every((name) => declared.includes(name))).toBe(true);
  });
});

describe("which folder may import which", () => {
  test("the runtime (lambda-src/) imports only its own folder, common/ and node: built-ins", () => {
    for (const file of sources("lambda-src")) {
      for (const target of relativeImports(file))
        expect([file, target.split(path.sep)[0]]).toEqual([file, expect.stringMatching(/^(lambda-src|common)$/)]);
      for (const specifier of packageImports(file))
        expect([file, specifier]).toEqual([file, expect.stringMatching(/^node:/)]);
    }
  });

  // CDK Terrain (cdktn) continues cdktf with the same API under other package names: constructs/tf.ts is the one
  // switch between the two (npm run check:cdktn rewrites it alone). An import anywhere else ties the code to cdktf.
  test("only constructs/tf.ts imports cdktf or its AWS provider bindings", () => {
    expect(filesImportingCdktf(ROOT, ownSources())).toEqual([]);
  });

  test("the cdktf check finds an import, a type import and a require of cdktf (so the test above can fail)", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-imports-"));
    // Spelled apart, so that this file does not import cdktf by the test's own reading, nor by check:cdktn's grep.
    const [cdktf, aws] = ["cdktf", "@cdktf/provider-aws"];
    const files = {
      "a.ts": `import { App } from "${cdktf}";\n`,
      "b.ts": `import type { IamRole } from "${aws}/lib/iam-role";\n`,
      "c.ts": `const cdktf = require("${cdktf}");\n`,
      "d.ts": `// import { App } from "${cdktf}"\nimport { App } from "./tf";\nconst where = require.resolve("${cdktf}");\n`,
      "e.ts": `import { App } from "${cdktf}-local-exec";\n`,
    };
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name), text);
    expect(filesImportingCdktf(root, Object.keys(files))).toEqual(["a.ts", "b.ts", "c.ts"]);
  });

  test("common/ imports nothing but common/ and node: built-ins (no cdktf, no SDK)", () => {
    for (const file of sources("common")) {
      for (const target of relativeImports(file)) expect([file, target.split(path.sep)[0]]).toEqual([file, "common"]);
      for (const specifier of packageImports(file))
        expect([file, specifier]).toEqual([file, expect.stringMatching(/^node:/)]);
    }
  });

  // The lint rule (biome.jsonc, noRestrictedImports) is what an editor shows; these probes show it fails.
  test.each([
    ["lambda-src/secrets", "../../constructs/tf", false],
    ["lambda-src/secrets", "../../cli/set", false],
    ["lambda-src/secrets", "cdktf", false],
    ["lambda-src/secrets", "@aws-sdk/client-ssm", false],
    ["lambda-src/secrets", "../../common/naming", true],
    ["lambda-src/secrets", "./cache", true],
    ["lambda-src/secrets", "node:crypto", true],
    ["common", "../constructs/tf", false],
    ["common", "constructs", false],
    ["common", "./naming", true],
  ])("the lint rule, in %s, on an import of %s: allowed %s", (dir, specifier, allowed) => {
    const probe = path.join(ROOT, dir, `zz-lint-probe-${process.pid}.ts`);
    fs.writeFileSync(probe, `import { a } from "${specifier}";\n\nexport const b = a;\n`);
    try {
      const lint = spawnSync(process.execPath, [BIOME, "lint", "--colors=off", probe], { cwd: ROOT, encoding: "utf8" });
      const output = lint.stdout + lint.stderr;
      expect([lint.status === 0, output.includes("noRestrictedImports")]).toEqual([allowed, !allowed]);
    } finally {
      fs.rmSync(probe, { force: true });
    }
  });
});

describe("the construct's modules", () => {
  test("have no import cycle", () => {
    expect(importCycles(sources("constructs"))).toEqual([]);
  });

  test("the cycle finder finds a cycle through a type import (so the test above can fail)", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cycle-"));
    fs.writeFileSync(path.join(root, "a.ts"), 'import { b } from "./b";\nexport const a = b;\n');
    fs.writeFileSync(path.join(root, "b.ts"), 'import type { C } from "./c";\nexport const b: C = 1;\n');
    fs.writeFileSync(
      path.join(root, "c.ts"),
      '// import { a } from "./a" (a comment imports nothing)\nimport { a } from "./a";\nexport type C = typeof a;\n',
    );
    expect(importCycles(["a.ts", "b.ts", "c.ts"], root)).toEqual([["a.ts", "b.ts", "c.ts", "a.ts"]]);
    fs.writeFileSync(path.join(root, "c.ts"), "export type C = number;\n");
    expect(importCycles(["a.ts", "b.ts", "c.ts"], root)).toEqual([]);
  });
});

describe("line width", () => {
  // Biome formats at 120 columns; it cannot break a string, a template or a regex, and a message kept whole can be
  // found by grep. Everything else (code and every comment) fits.
  test("a line over 120 characters is code holding a string, template or regex literal, never a comment", () => {
    // The project's own sources, read from the tree (check:cdktn runs this on a copy without .git).
    const dirs = [
      "audit",
      "bench",
      "cli",
      "common",
      "config",
      "constructs",
      "examples",
      "lambda-src",
      "scripts",
      "stacks",
    ];
    const own = [...dirs, "__tests__"].flatMap((dir) => sources(dir)).concat("main.ts");
    const long = own
      .filter((file) => !/(^|\/)(node_modules|build|dist|cdktf\.out|\.local-deps)\//.test(file))
      .filter((file) => !file.startsWith("bench/fixtures/"))
      .flatMap((file) =>
        fs
          .readFileSync(path.join(ROOT, file), "utf8")
          .split("\n")
          .map((line, index) => ({ where: `${file}:${index + 1}`, line }))
          .filter(({ line }) => line.length > 120),
      );
    const comments = long.filter(({ line }) => /^\s*(\/\/|\*|\/\*)/.test(line)).map(({ where }) => where);
    const bare = long.filter(({ line }) => !/["'`]|\/.+\//.test(line)).map(({ where }) => where);
    expect({ comments, bare }).toEqual({ comments: [], bare: [] });
  });
});
