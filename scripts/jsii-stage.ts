/**
 * Stages the construct library for jsii: a directory with the public API's sources (constructs/, common/), the
 * runtime loader beside it (lambda-src/secrets/, the `./runtime` subpath), the secrets CLI bundled into one file
 * (the bin), the README, and a package.json holding the jsii configuration, its node_modules the project's. jsii
 * compiles there with its own TypeScript (6); the project keeps TypeScript 7 for type-checking and for `dist/`.
 *
 * Usage: node -r ./scripts/register.cjs scripts/jsii-stage.ts <directory>
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";

const ROOT = path.resolve(__dirname, "..");

/**
 * What jsii compiles: the construct and the shared code it imports (its entry point is constructs/index.ts), and
 * the runtime loader, a plain Node module of the package that no jsii type names.
 */
export const JSII_SOURCES = ["constructs", "common", path.join("lambda-src", "secrets")] as const;

/** The bin: the secrets CLI, bundled with the AWS SDK it uses (jsii allows no dependency that is not jsii). */
export const BIN = path.join("bin", "secure-lambda.js");

interface ProjectPackage {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly license: string;
  readonly dependencies: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}

/** What the package.json of an installed package says. */
export interface InstalledPackage {
  readonly version: string;
  readonly peerDependencies?: Record<string, string>;
}

/** The package.json of an installed dependency (jsii wants its devDependency pinned to the installed version). */
function installedPackage(name: string): InstalledPackage {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8"));
}

/** The framework the construct is built on: the one package constructs/tf.ts imports cdktf's API from. */
export type Framework = "cdktf" | "cdktn";

/** Which framework constructs/tf.ts (the one import point; check:cdktn switches it) imports. */
export function frameworkOf(tfSource: string): Framework {
  const imported = [...tfSource.matchAll(/from "(cdktf|cdktn)"/g)].map((match) => match[1]);
  const framework = imported[0];
  if (framework === undefined || imported.some((name) => name !== framework))
    throw new Error(`constructs/tf.ts must import exactly one of cdktf and cdktn; it imports ${imported.join(", ")}`);
  return framework as Framework;
}

/**
 * The names a flavour is published under: the cdktf flavour keeps the project's, the cdktn flavour has its own in
 * every language (a team on cdktn cannot install a package whose peers are cdktf's).
 */
export function packageNames(framework: Framework, name: string) {
  const suffix = framework === "cdktf" ? "" : "-cdktn";
  return {
    npm: `${name}${suffix}`,
    python: { distName: `${name}${suffix}`, module: `${name}${suffix}`.replace(/-/g, "_") },
    java: `io.github.securelambda${suffix.replace("-", ".")}`,
    maven: `${name}${suffix}`,
    go: `github.com/secure-lambda/${name}${suffix}-go`,
    peers:
      framework === "cdktf"
        ? ["cdktf", "@cdktf/provider-aws", "constructs"]
        : ["cdktn", "@cdktn/provider-aws", "constructs"],
  };
}

/** The jsii package.json of the construct library: the project's version, the flavour's names and peers. */
export function jsiiPackageJson(
  project: ProjectPackage,
  framework: Framework,
  installed: (name: string) => InstalledPackage,
): Record<string, unknown> {
  const names = packageNames(framework, project.name);
  // The cdktf flavour's peer ranges are the project's. The cdktn flavour's: from the installed versions (check:cdktn's)
  // up, constructs below the bound cdktn itself sets (cdktn 0.24: <10.8.0). jsii wants the lowest version tested.
  const range = (peer: string) => {
    if (framework === "cdktf") return project.peerDependencies[peer];
    const floor = `>=${installed(peer).version}`;
    const ceiling =
      peer === "constructs" ? /<\S+/.exec(installed("cdktn").peerDependencies?.constructs ?? "")?.[0] : undefined;
    return ceiling === undefined ? `^${installed(peer).version}` : `${floor} ${ceiling}`;
  };
  return {
    name: names.npm,
    version: project.version,
    description: project.description,
    license: project.license,
    author: { name: "secure-lambda maintainers", organization: false },
    repository: { type: "git", url: "https://github.com/secure-lambda/secure-lambda.git" },
    homepage: "https://github.com/secure-lambda/secure-lambda",
    // What Construct Hub reads: the package is a jsii library (the `jsii` field) whose peers name `constructs`;
    // `cdk` is one of the keywords it indexes, the framework's name says which one the package is for.
    keywords: [framework, "cdk", "constructs", "aws", "lambda", "secrets", "ssm", "kms"],
    // Construct Hub shows it beside the version; jsii writes it into the assembly as every API's default.
    stability: "experimental",
    main: "constructs/index.js",
    types: "constructs/index.d.ts",
    exports: {
      ".": { types: "./constructs/index.d.ts", default: "./constructs/index.js" },
      "./runtime": { types: "./lambda-src/secrets/index.d.ts", default: "./lambda-src/secrets/index.js" },
      "./.jsii": "./.jsii",
      "./package.json": "./package.json",
    },
    bin: { "secure-lambda": BIN },
    // esbuild bundles a function's `entry` at synth, loaded only then. Optional: jsii takes no dependency that is
    // not jsii but a bundled one, and a bundled esbuild would carry the binary of the machine that packed it.
    optionalDependencies: { esbuild: project.dependencies.esbuild },
    peerDependencies: Object.fromEntries(names.peers.map((peer) => [peer, range(peer)])),
    devDependencies: Object.fromEntries(names.peers.map((peer) => [peer, installed(peer).version])),
    jsii: {
      outdir: "dist",
      versionFormat: "full",
      tsc: { outDir: ".", rootDir: "." },
      targets: {
        python: names.python,
        java: { package: names.java, maven: { groupId: "io.github.secure-lambda", artifactId: names.maven } },
        go: { moduleName: names.go },
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
  // npm pack (jsii-pacmak's js target) ships the compiled code, its declarations and the assembly, not the sources.
  fs.writeFileSync(path.join(directory, ".npmignore"), "*.ts\n!*.d.ts\ntsconfig.json\ntsconfig.tsbuildinfo\ndist/\n");
  buildSync({
    entryPoints: [path.join(ROOT, "cli", "secrets.ts")],
    outfile: path.join(directory, BIN),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    // The peers come from the app; the IAM engine of `secure-lambda audit` is an optional peer, loaded if installed.
    external: ["cdktf", "cdktn", "@cdktf/*", "@cdktn/*", "constructs", "esbuild", "@cloud-copilot/iam-simulate"],
    legalComments: "none",
    logLevel: "warning",
  });
  const project = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as ProjectPackage;
  const framework = frameworkOf(fs.readFileSync(path.join(ROOT, "constructs", "tf.ts"), "utf8"));
  const manifest = jsiiPackageJson(project, framework, installedPackage);
  fs.writeFileSync(path.join(directory, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(directory, "node_modules"), "dir");
}

if (require.main === module) {
  const directory = process.argv[2];
  if (!directory) throw new Error("usage: jsii-stage.ts <directory>");
  stageJsii(path.resolve(directory));
}
