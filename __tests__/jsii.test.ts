/**
 * The construct library is a jsii library: its public API (constructs/index.ts) compiles with jsii,
 * and holds no type jsii would silently change (a string-literal union it widens to `string`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DeadLetterAction,
  LambdaArchitecture,
  LambdaRuntime,
  SECRET_STORES,
  SecretStore,
  SUPPORTED_ARCHITECTURES,
  SUPPORTED_RUNTIMES,
  NODE_RUNTIMES,
} from "../constructs";
import { frameworkOf, jsiiPackageJson, packageNames } from "../scripts/jsii-stage";

const ROOT = path.join(__dirname, "..");
const LITERALS = path.join(ROOT, "scripts", "public-api-literals.cjs");

interface Assembly {
  readonly name: string;
  readonly types: Record<string, { readonly properties?: { readonly name: string; readonly type: unknown }[] }>;
  readonly targets: Record<string, unknown>;
}

/**
 * A reference rendered from the cdktn flavour's assembly, with the cdktf flavour's package names: its own name, the
 * provider's, and the framework's as a type's namespace (`cdktn.TerraformStack`). The doc comments are left as
 * they are: they are the same source in both flavours.
 */
function asCdktfReference(reference: string, framework: "cdktf" | "cdktn"): string {
  if (framework === "cdktf") return reference;
  const [cdktf, cdktn] = [packageNames("cdktf", "secure-lambda"), packageNames("cdktn", "secure-lambda")];
  let mapped = reference.replaceAll(cdktn.npm, cdktf.npm).replace(/\bcdktn\.(?=[A-Z])/g, "cdktf.");
  cdktn.peers.forEach((peer, i) => {
    if (peer.startsWith("@")) mapped = mapped.replaceAll(peer, cdktf.peers[i]!);
  });
  return mapped;
}

/** Where the committed API.md first differs from the one rendered now, or undefined. */
function firstDifference(committed: string, rendered: string): string | undefined {
  if (committed === rendered) return undefined;
  const [a, b] = [committed.split("\n"), rendered.split("\n")];
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line < 0 ? a.length : line;
  return `API.md is stale (npm run docgen writes it): line ${at + 1} is ${JSON.stringify(a[at] ?? "(the end)")}, the assembly renders ${JSON.stringify(b[at] ?? "(the end)")}`;
}

/** The static string constants of a constants class, by name. */
function constantsOf(constants: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.getOwnPropertyNames(constants)
      .filter((name) => /^[A-Z0-9_]+$/.test(name))
      .map((name) => [name, (constants as Record<string, unknown>)[name]]),
  );
}

describe("the jsii library", () => {
  // One assembly for the tests below, built from the current source as `npm run jsii` builds it (about 8 s).
  let dir: string;
  let build: { status: number | null; output: string };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "jsii-"));
    const run = spawnSync("bash", [path.join(ROOT, "scripts", "jsii.sh"), dir], { cwd: ROOT, encoding: "utf8" });
    build = { status: run.status, output: run.status === 0 ? "" : run.stdout + run.stderr };
  }, 120_000);
  const assemblyOf = () => JSON.parse(fs.readFileSync(path.join(dir, ".jsii"), "utf8")) as Assembly;
  // secure-lambda, or secure-lambda-cdktn where check:cdktn runs this on its switched copy.
  const framework = frameworkOf(fs.readFileSync(path.join(ROOT, "constructs", "tf.ts"), "utf8"));

  test("the public API compiles with jsii, into an assembly of exactly these types", () => {
    expect(build).toEqual({ status: 0, output: "" });
    const assembly = assemblyOf();
    expect(assembly.name).toBe(packageNames(framework, "secure-lambda").npm);
    expect(Object.keys(assembly.types).sort()).toEqual(
      [
        "CdktfCopies",
        "CodeDirectory",
        "CodeZipFile",
        "DeadLetterAction",
        "DeadLetterGrant",
        "ExecutionRole",
        "ExecutionRoleProps",
        "ExistingDeadLetterTarget",
        "ExternalSecret",
        "FunctionCode",
        "FunctionSchedule",
        "ISecretsKey",
        "LambdaArchitecture",
        "LambdaRuntime",
        "LeakException",
        "LeakFinding",
        "ParameterTier",
        "PolicyStatementProps",
        "ScheduleTrigger",
        "ScheduleTriggerProps",
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
        "SnsTrigger",
        "SnsTriggerProps",
        "VpcPlacement",
      ].map((name) => `${assembly.name}.${name}`),
    );
    // The choices are plain strings in every language, and the dead-letter option a boolean or a struct.
    const props = Object.fromEntries(
      assembly.types[`${assembly.name}.SecureLambdaProps`]!.properties!.map((p) => [p.name, p.type]),
    );
    expect([props.runtime, props.architecture, props.store]).toEqual(Array(3).fill({ primitive: "string" }));
    expect(props.deadLetterTarget).toEqual({
      union: { types: [{ primitive: "boolean" }, { fqn: `${assembly.name}.ExistingDeadLetterTarget` }] },
    });
    expect(props.code).toEqual({ fqn: `${assembly.name}.FunctionCode` });
  });

  test("API.md is the reference jsii-docgen renders from the assembly (npm run docgen writes it)", () => {
    expect(build.status).toBe(0);
    const rendered = path.join(dir, "API.md");
    const run = spawnSync("bash", [path.join(ROOT, "scripts", "docgen.sh"), dir, rendered], { encoding: "utf8" });
    expect({ status: run.status, errors: run.stderr }).toEqual({ status: 0, errors: "" });
    // The cdktn flavour's reference is the same but for the package names: one source, one API.
    const difference = firstDifference(
      fs.readFileSync(path.join(ROOT, "API.md"), "utf8"),
      asCdktfReference(fs.readFileSync(rendered, "utf8"), framework),
    );
    expect(difference ?? "API.md is current").toBe("API.md is current");
  });

  test("the assembly carries the metadata Construct Hub reads: keywords, stability, author, repository, targets", () => {
    expect(build.status).toBe(0);
    const assembly = assemblyOf();
    const names = packageNames(framework, "secure-lambda");
    expect(assembly).toMatchObject({
      keywords: expect.arrayContaining([framework, "cdk", "constructs"]),
      docs: { stability: "experimental" },
      author: { name: "secure-lambda maintainers" },
      repository: { type: "git", url: "https://github.com/secure-lambda/secure-lambda.git" },
      homepage: "https://github.com/secure-lambda/secure-lambda",
      license: "MIT",
    });
    // Construct Hub's install instructions, per language: no .NET (no .NET SDK is served here).
    expect(assembly.targets).toEqual({
      js: { npm: names.npm },
      python: names.python,
      java: { package: names.java, maven: { groupId: "io.github.secure-lambda", artifactId: names.maven } },
      go: { moduleName: names.go },
    });
  });

  test("the public API holds no literal type and no union-keyed map", () => {
    const run = spawnSync(process.execPath, [LITERALS, path.join(ROOT, "constructs", "index.ts")], {
      encoding: "utf8",
    });
    expect({ status: run.status, findings: run.stdout, errors: run.stderr }).toEqual({
      status: 0,
      findings: "",
      errors: "",
    });
  });

  test("the literal check finds a string-literal union, a literal constant, a literal parameter and a union-keyed map", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "literals-"));
    fs.writeFileSync(
      path.join(dir, "index.ts"),
      [
        'export interface Props { readonly store?: "ssm" | "secretsmanager"; readonly tags?: Record<"a" | "b", string>; readonly name: string }',
        'export class Choices { static readonly SSM = "ssm"; static readonly OK: string = "ok"; pick(size: 1 | 2): void { void size; } }',
        '/** @internal */ export class Hidden { readonly store: "ssm" = "ssm"; }',
        'export class Private { private readonly store: "ssm" = "ssm"; readonly _store: "ssm" = "ssm"; }',
        "",
      ].join("\n"),
    );
    const run = spawnSync(process.execPath, [LITERALS, path.join(dir, "index.ts")], { encoding: "utf8" });
    expect({ status: run.status, findings: run.stdout.trim().split("\n").sort() }).toEqual({
      status: 1,
      findings: [
        'Choices.SSM: literal type "ssm"',
        "Choices.pick(size): literal type 1",
        "Choices.pick(size): literal type 2",
        'Props.store: literal type "secretsmanager"',
        'Props.store: literal type "ssm"',
        'Props.tags: map keyed by "a" | "b"',
      ],
    });
  });
});

describe("the constants classes", () => {
  // Each class is the jsii form of a list synth validates against: a value missing from one is a choice
  // another language cannot name, or one synth refuses.
  test("LambdaRuntime holds exactly the runtimes synth accepts, and ALL and NODE list them", () => {
    const values = Object.entries(constantsOf(LambdaRuntime)).filter(([name]) => name !== "ALL" && name !== "NODE");
    expect(values.map(([, value]) => value).sort()).toEqual([...SUPPORTED_RUNTIMES].sort());
    expect(LambdaRuntime.ALL).toEqual([...SUPPORTED_RUNTIMES]);
    expect(LambdaRuntime.NODE).toEqual([...NODE_RUNTIMES]);
    // The name says the runtime: NODEJS_22_X is nodejs22.x, PROVIDED_AL2023 is provided.al2023.
    for (const [name, value] of values)
      expect([name, name.replace(/_/g, "").toLowerCase()]).toEqual([name, String(value).replace(/\./g, "")]);
  });

  test("LambdaArchitecture, SecretStore and DeadLetterAction hold exactly what synth and the role accept", () => {
    expect(Object.values(constantsOf(LambdaArchitecture)).sort()).toEqual([...SUPPORTED_ARCHITECTURES].sort());
    expect(Object.values(constantsOf(SecretStore)).sort()).toEqual([...SECRET_STORES].sort());
    expect(Object.values(constantsOf(DeadLetterAction)).sort()).toEqual(["sns:Publish", "sqs:SendMessage"]);
  });
});

describe("one source, one switch: the flavour follows constructs/tf.ts", () => {
  const project = {
    name: "secure-lambda",
    version: "0.1.0",
    description: "d",
    license: "MIT",
    dependencies: { esbuild: "^0.28.2" },
    peerDependencies: { cdktf: "^0.21.0", "@cdktf/provider-aws": "^21.22.1", constructs: "^10.8.1" },
    devDependencies: {},
  };
  const installed = (name: string) =>
    ({
      cdktf: { version: "0.21.0" },
      "@cdktf/provider-aws": { version: "21.22.1" },
      cdktn: { version: "0.24.0", peerDependencies: { constructs: ">=10.6.0 <10.8.0" } },
      "@cdktn/provider-aws": { version: "25.7.0" },
      constructs: { version: "10.7.0" },
    })[name]!;

  test("tf.ts imports cdktf, or cdktn once switched; a mixed one is refused", () => {
    // check:cdktn runs this on its switched copy: either way, its switch (a rename of the module) sets the flavour.
    // The import statements are spelled apart, so that this file imports cdktf by no reading of its text.
    const from = (name: string) => `from "${name}";`;
    const tf = fs.readFileSync(path.join(ROOT, "constructs", "tf.ts"), "utf8");
    const cdktf = tf.replaceAll(from("cdktn"), from("cdktf"));
    expect(frameworkOf(cdktf)).toBe("cdktf");
    expect(frameworkOf(cdktf.replaceAll(from("cdktf"), from("cdktn")))).toBe("cdktn");
    expect(() => frameworkOf(`${cdktf}\nexport { App as B } ${from("cdktn")}`)).toThrow(
      /exactly one of cdktf and cdktn/,
    );
  });

  test("the cdktf flavour keeps the project's names and peers", () => {
    expect(jsiiPackageJson(project, "cdktf", installed)).toMatchObject({
      name: "secure-lambda",
      peerDependencies: { cdktf: "^0.21.0", "@cdktf/provider-aws": "^21.22.1", constructs: "^10.8.1" },
      devDependencies: { cdktf: "0.21.0", "@cdktf/provider-aws": "21.22.1", constructs: "10.7.0" },
      jsii: { targets: { python: { distName: "secure-lambda", module: "secure_lambda" } } },
    });
  });

  test("both flavours carry what Construct Hub reads, with their framework's keyword", () => {
    for (const framework of ["cdktf", "cdktn"] as const) {
      const manifest = jsiiPackageJson(project, framework, installed);
      expect(manifest).toMatchObject({
        keywords: expect.arrayContaining([framework, "cdk", "constructs"]),
        stability: "experimental",
        author: { name: "secure-lambda maintainers" },
        repository: { type: "git", url: "https://github.com/secure-lambda/secure-lambda.git" },
        homepage: "https://github.com/secure-lambda/secure-lambda",
      });
      // Construct Hub lists a jsii package that names `constructs` among its peers.
      expect(Object.keys(manifest.peerDependencies as object)).toContain("constructs");
      expect(Object.keys((manifest.jsii as { targets: object }).targets).sort()).toEqual(["go", "java", "python"]);
    }
  });

  test("the cdktn flavour has names of its own in every language, and cdktn's peers", () => {
    const manifest = jsiiPackageJson(project, "cdktn", installed);
    expect(manifest).toMatchObject({
      name: "secure-lambda-cdktn",
      peerDependencies: { cdktn: "^0.24.0", "@cdktn/provider-aws": "^25.7.0", constructs: ">=10.7.0 <10.8.0" },
      jsii: {
        targets: {
          python: { distName: "secure-lambda-cdktn", module: "secure_lambda_cdktn" },
          java: { package: "io.github.securelambda.cdktn", maven: { artifactId: "secure-lambda-cdktn" } },
          go: { moduleName: "github.com/secure-lambda/secure-lambda-cdktn-go" },
        },
      },
    });
    expect(JSON.stringify(manifest)).not.toMatch(/cdktf/);
  });
});

describe("docs/cdk-terrain.md: which package for which framework and language", () => {
  const doc = fs.readFileSync(path.join(ROOT, "docs", "cdk-terrain.md"), "utf8");
  const packageScript = fs.readFileSync(path.join(ROOT, "scripts", "package.sh"), "utf8");
  const smoke = fs.readFileSync(path.join(ROOT, "scripts", "package-smoke.py"), "utf8");
  const row = (language: string) => doc.split("\n").find((line) => line.startsWith(`| ${language} |`)) ?? "";

  test("the table names the packages npm run package builds, for each framework", () => {
    for (const framework of ["cdktf", "cdktn"] as const) {
      const names = packageNames(framework, "secure-lambda");
      expect(row("TypeScript, JavaScript")).toContain(`npm \`${names.npm}\` (\`dist/${framework}/js/\`)`);
      expect(row("Python")).toContain(`\`${names.python.distName}\`, module \`${names.python.module}\``);
      expect(row("Go")).toContain(`\`${names.go}\` (\`dist/${framework}/go/\`)`);
      expect(row("Java")).toContain(`\`io.github.secure-lambda:${names.maven}\` (\`dist/${framework}/java/\`)`);
    }
  });

  test("the wheels are checked in Python as the page says; the cdktf Go module is built; the rest of Go and Java are sources only; no .NET", () => {
    expect(doc).toContain(
      "installs each wheel with its framework and AWS provider from PyPI into a virtual environment",
    );
    expect(packageScript).toContain('"$ROOT/scripts/package-smoke.py"');
    for (const claim of [
      "LambdaRuntime.PYTHON_3_13",
      "SecretStore.SECRETS_MANAGER",
      "except RuntimeError",
      "esbuild, which",
    ])
      expect(smoke).toContain(claim);
    expect(packageScript).toContain("--target js --target python --outdir");
    expect(packageScript).toContain("--target go --target java --code-only --outdir");
    expect(packageScript).not.toMatch(/dotnet/);
    const goScript = fs.readFileSync(path.join(ROOT, "scripts", "package-go.sh"), "utf8");
    expect(packageScript).toContain('bash "$ROOT/scripts/package-go.sh" "$framework"');
    for (const step of [
      "go build ./...",
      "go vet ./...",
      'if [ "$framework" != cdktf ]; then',
      "--target go --code-only",
    ])
      expect(goScript).toContain(step);
    expect(doc).toContain("`npm run package` runs `go build ./...` and `go vet ./...` on a copy of it");
    expect(doc).toContain("The cdktn flavour's Go module and both Java packages are generated sources only");
    expect(doc).toContain("No .NET package is built: no .NET SDK is served here.");
  });
});
