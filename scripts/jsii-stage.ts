/**
 * Stages the construct library for jsii: a directory with the public API's sources (constructs/, common/), the
 * README, and a package.json holding the jsii configuration, its node_modules the project's. jsii compiles there
 * with its own TypeScript (6); the project keeps TypeScript 7 for type-checking and for everything else it emits.
 *
 * Usage: node -r ./scripts/register.cjs scripts/jsii-stage.ts <directory>
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

/** What jsii compiles: the construct and the shared code it imports (its entry point is constructs/index.ts). */
export const JSII_SOURCES = ["constructs", "common"] as const;

interface ProjectPackage {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly license: string;
  readonly dependencies: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}

/** The exact version of a dependency the project's lock installed (jsii wants its devDependency pinned). */
function installedVersion(name: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8"));
  return manifest.version as string;
}

/** The jsii package.json of the construct library: the project's name and version, the construct's peers. */
export function jsiiPackageJson(project: ProjectPackage): Record<string, unknown> {
  const peers = ["cdktf", "@cdktf/provider-aws", "constructs"];
  return {
    name: project.name,
    version: project.version,
    description: project.description,
    license: project.license,
    author: { name: "secure-lambda maintainers", organization: false },
    repository: { type: "git", url: "https://github.com/secure-lambda/secure-lambda.git" },
    keywords: ["cdktf", "cdk", "aws", "lambda", "secrets", "ssm", "kms"],
    main: "constructs/index.js",
    types: "constructs/index.d.ts",
    // esbuild bundles a function's `entry` at synth: not a jsii module, so it travels inside the package.
    dependencies: { esbuild: project.dependencies.esbuild },
    bundledDependencies: ["esbuild"],
    peerDependencies: Object.fromEntries(peers.map((name) => [name, project.peerDependencies[name]])),
    devDependencies: Object.fromEntries(peers.map((name) => [name, installedVersion(name)])),
    jsii: {
      outdir: "dist",
      versionFormat: "full",
      tsc: { outDir: ".", rootDir: "." },
      targets: {
        python: { distName: "secure-lambda", module: "secure_lambda" },
        java: {
          package: "io.github.securelambda",
          maven: { groupId: "io.github.secure-lambda", artifactId: "secure-lambda" },
        },
        go: { moduleName: "github.com/secure-lambda/secure-lambda-go" },
      },
    },
  };
}

/** Copies the sources and writes the package.json into `directory` (created, or emptied first). */
export function stageJsii(directory: string): void {
  fs.rmSync(directory, { recursive: true, force: true });
  fs.mkdirSync(directory, { recursive: true });
  for (const source of JSII_SOURCES) {
    fs.cpSync(path.join(ROOT, source), path.join(directory, source), { recursive: true });
  }
  fs.copyFileSync(path.join(ROOT, "README.md"), path.join(directory, "README.md"));
  const project = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as ProjectPackage;
  fs.writeFileSync(path.join(directory, "package.json"), `${JSON.stringify(jsiiPackageJson(project), null, 2)}\n`);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(directory, "node_modules"), "dir");
}

if (require.main === module) {
  const directory = process.argv[2];
  if (!directory) throw new Error("usage: jsii-stage.ts <directory>");
  stageJsii(path.resolve(directory));
}
