/**
 * Code built elsewhere (`code`), in any runtime Lambda supports: the synthesized function,
 * the deterministic zip of a directory, a zip file as it is, the leak guard over that code,
 * and every combination that cannot work refused before anything is made.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  SecretLeakError,
  SecureLambda,
  SecureLambdaValidationError,
  SUPPORTED_RUNTIMES,
  type SecureLambdaProps,
} from "../constructs";
import { App, AwsProvider, TerraformStack, Testing } from "../constructs/tf";
import { deterministicZip, readZip } from "../constructs/zip";
import { FAKE } from "./helpers/fake-tokens";
import { propsChecker } from "./helpers/invalid-props";
import { HELLO_ENTRY, only, synthStack } from "./helpers/synth";

let work: string;
let pythonDir: string;
let goDir: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-code-test-"));
  pythonDir = path.join(work, "python");
  fs.mkdirSync(path.join(pythonDir, "pkg"), { recursive: true });
  fs.writeFileSync(path.join(pythonDir, "app.py"), "def handler(event, context):\n    return 1\n");
  fs.writeFileSync(path.join(pythonDir, "pkg", "__init__.py"), "");
  goDir = path.join(work, "go");
  fs.mkdirSync(goDir);
  fs.writeFileSync(path.join(goDir, "bootstrap"), "#!/bin/sh\necho not really go\n", { mode: 0o755 });
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function fn(props: Partial<SecureLambdaProps>): (stack: TerraformStack) => void {
  return (stack) => {
    new SecureLambda(stack, "fn", { functionName: "fn", ...props } as SecureLambdaProps);
  };
}

const { expectInvalid } = propsChecker({});

/** Synthesizes one function into a real output directory and returns its zip's bytes and its JSON. */
function synthToDisk(props: Partial<SecureLambdaProps>): { zip: Buffer; fn: Record<string, any> } {
  const outdir = fs.mkdtempSync(path.join(work, "out-"));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  fn(props)(stack);
  app.synth();
  const stackDir = path.join(outdir, "stacks", "test");
  const json = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  const [, body] = Object.entries(json.resource.aws_lambda_function as Record<string, Record<string, any>>)[0]!;
  return { zip: fs.readFileSync(path.join(stackDir, body.filename)), fn: body };
}

describe("runtimes", () => {
  test("offers Node.js, Python, Java, .NET, Ruby and provided.al2023, and no deprecated runtime", () => {
    expect(SUPPORTED_RUNTIMES).toEqual([
      "nodejs22.x",
      "nodejs24.x",
      "python3.12",
      "python3.13",
      "python3.14",
      "java21",
      "java25",
      "dotnet10",
      "ruby3.3",
      "ruby3.4",
      "provided.al2023",
    ]);
  });

  test.each([
    ["python3.13", "app.handler"],
    ["java21", "example.Handler::handleRequest"],
    ["dotnet10", "Notifier::Notifier.Function::Handle"],
    ["ruby3.4", "function.handler"],
    ["nodejs22.x", "index.handler"],
  ] as const)("a %s function from a directory runs the handler as given (%s)", (runtime, handler) => {
    const json = synthStack(fn({ code: { directory: pythonDir }, runtime, handler }));
    const [, body] = only(json, "aws_lambda_function");
    expect(body.runtime).toBe(runtime);
    expect(body.handler).toBe(handler);
    expect(body.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(body.filename).toMatch(/^assets\/Code-[0-9a-f]{12}_Code_[0-9A-F]{8}\//);
  });

  test("a provided.al2023 function runs bootstrap without a handler given", () => {
    const [, body] = only(
      synthStack(fn({ code: { directory: goDir }, runtime: "provided.al2023" })),
      "aws_lambda_function",
    );
    expect([body.runtime, body.handler]).toEqual(["provided.al2023", "bootstrap"]);
  });

  test("an entry is still bundled for its Node.js runtime, the handler index.<export>", () => {
    const [, body] = only(synthStack(fn({ entry: HELLO_ENTRY, runtime: "nodejs24.x" })), "aws_lambda_function");
    expect([body.runtime, body.handler]).toEqual(["nodejs24.x", "index.handler"]);
    expect(body.filename).toMatch(/^assets\/Bundle-/);
  });
});

describe("the environment", () => {
  test("of a Python function holds its secrets' parameter names and not the TypeScript loader's budget", () => {
    const [, body] = only(
      synthStack(
        fn({
          code: { directory: pythonDir },
          runtime: "python3.13",
          handler: "app.handler",
          secrets: ["github_token"],
        }),
      ),
      "aws_lambda_function",
    );
    expect(body.environment.variables).toEqual({ GITHUB_TOKEN_PARAM_NAME: "/fn/github_token" });
  });

  test("of a Node.js function from code keeps the loader's budget", () => {
    const [, body] = only(
      synthStack(
        fn({
          code: { directory: pythonDir },
          runtime: "nodejs22.x",
          handler: "index.handler",
          secrets: ["github_token"],
        }),
      ),
      "aws_lambda_function",
    );
    expect(body.environment.variables).toEqual({
      GITHUB_TOKEN_PARAM_NAME: "/fn/github_token",
      SECRETS_LOADER_TIMEOUT_MS: "9000",
    });
  });
});

describe("the zip of a directory", () => {
  test("is byte-identical across two synths of the same files, and its hash is the zip's", () => {
    const first = synthToDisk({ code: { directory: pythonDir }, runtime: "python3.13", handler: "app.handler" });
    // Same files, new modification times: the zip must not change.
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(pythonDir, "app.py"), later, later);
    const second = synthToDisk({ code: { directory: pythonDir }, runtime: "python3.13", handler: "app.handler" });
    expect(second.zip.equals(first.zip)).toBe(true);
    expect(first.fn.source_code_hash).toBe(createHash("sha256").update(first.zip).digest("base64"));
    expect(second.fn.source_code_hash).toBe(first.fn.source_code_hash);
  });

  test("holds every file at its path relative to the directory, sorted", () => {
    const { zip } = synthToDisk({ code: { directory: pythonDir }, runtime: "python3.13", handler: "app.handler" });
    expect(readZip(zip).map((e) => e.name)).toEqual(["app.py", "pkg/__init__.py"]);
  });

  test("changes when a file's content changes", () => {
    const dir = fs.mkdtempSync(path.join(work, "changing-"));
    fs.writeFileSync(path.join(dir, "app.py"), "a = 1\n");
    const before = synthToDisk({ code: { directory: dir }, runtime: "python3.13", handler: "app.handler" });
    fs.writeFileSync(path.join(dir, "app.py"), "a = 2\n");
    const after = synthToDisk({ code: { directory: dir }, runtime: "python3.13", handler: "app.handler" });
    expect(after.fn.source_code_hash).not.toBe(before.fn.source_code_hash);
  });

  test("keeps bootstrap executable (0755) and other files 0644", () => {
    fs.writeFileSync(path.join(goDir, "README"), "data\n", { mode: 0o644 });
    try {
      const { zip } = synthToDisk({ code: { directory: goDir }, runtime: "provided.al2023" });
      expect(readZip(zip).map((e) => [e.name, e.executable === true])).toEqual([
        ["README", false],
        ["bootstrap", true],
      ]);
    } finally {
      fs.rmSync(path.join(goDir, "README"));
    }
  });
});

describe("a zip file", () => {
  test("is deployed as it is, its SHA-256 the function's source_code_hash", () => {
    const zipFile = path.join(work, "built.zip");
    const zip = deterministicZip([{ name: "app.py", data: Buffer.from("def handler(e, c):\n    return 2\n") }]);
    fs.writeFileSync(zipFile, zip);
    const deployed = synthToDisk({ code: { zipFile }, runtime: "python3.13", handler: "app.handler" });
    expect(deployed.zip.equals(zip)).toBe(true);
    expect(deployed.fn.source_code_hash).toBe(createHash("sha256").update(zip).digest("base64"));
  });
});

describe("the leak guard judges code built elsewhere", () => {
  test("refuses a directory whose files hold a token, naming the file, never the value", () => {
    const dir = fs.mkdtempSync(path.join(work, "leaky-"));
    fs.writeFileSync(path.join(dir, "app.py"), "def handler(e, c):\n    return 1\n");
    fs.writeFileSync(path.join(dir, "settings.py"), `TOKEN = "${FAKE["GitHub token"]}"\n`);
    let error: unknown;
    try {
      synthStack(fn({ code: { directory: dir }, runtime: "python3.13", handler: "app.handler" }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SecretLeakError);
    const leak = error as SecretLeakError;
    expect(leak.findings.map((f) => [f.variable, f.rules])).toEqual([["settings.py", ["known-token-format"]]]);
    expect(leak.message).not.toContain(FAKE["GitHub token"]);
  });

  test("refuses a zip file whose entries hold a token", () => {
    const zipFile = path.join(work, "leaky.zip");
    fs.writeFileSync(
      zipFile,
      deterministicZip([{ name: "hook.rb", data: Buffer.from(`URL = "${FAKE["Slack webhook URL"]}"\n`) }]),
    );
    expect(() => synthStack(fn({ code: { zipFile }, runtime: "ruby3.4", handler: "hook.handler" }))).toThrow(
      SecretLeakError,
    );
  });
});

describe("refusals, before anything is made", () => {
  test("both entry and code", () =>
    expectInvalid(
      { entry: HELLO_ENTRY, code: { directory: pythonDir } },
      "code",
      "both entry and code",
      "exactly one",
    ));
  test("neither entry nor code", () =>
    expectInvalid({}, "entry", "neither entry nor code", "{ directory } or { zipFile }"));
  test("an entry with a Python runtime", () =>
    expectInvalid(
      { entry: HELLO_ENTRY, runtime: "python3.13" },
      "entry",
      'runtime is "python3.13"',
      "code: { directory } or { zipFile }",
    ));
  test("minify with code (a Node-only option)", () =>
    expectInvalid(
      { code: { directory: pythonDir }, runtime: "python3.13", handler: "app.handler", minify: true },
      "minify",
      "entry's bundle only",
    ));
  test("a directory that does not exist", () => {
    const missing = path.join(work, "no-such-dir");
    expectInvalid(
      { code: { directory: missing }, runtime: "python3.13", handler: "app.handler" },
      "code.directory",
      `${missing} does not exist`,
    );
  });
  test("an empty directory", () => {
    const empty = fs.mkdtempSync(path.join(work, "empty-"));
    fs.mkdirSync(path.join(empty, "sub"));
    expectInvalid(
      { code: { directory: empty }, runtime: "python3.13", handler: "app.handler" },
      "code.directory",
      "holds no file",
    );
  });
  test("a directory given as a zip file", () =>
    expectInvalid(
      { code: { zipFile: pythonDir }, runtime: "python3.13", handler: "app.handler" },
      "code.zipFile",
      "is not a file",
    ));
  test("a zip file that is not a zip", () => {
    const notZip = path.join(work, "not.zip");
    fs.writeFileSync(notZip, "plain text");
    expectInvalid(
      { code: { zipFile: notZip }, runtime: "python3.13", handler: "app.handler" },
      "code.zipFile",
      "is not a zip file",
    );
  });
  test("a code object of another shape", () =>
    expectInvalid(
      { code: { path: pythonDir }, runtime: "python3.13", handler: "app.handler" },
      "code",
      "allowed is { directory }",
      "{ zipFile }",
    ));
  test("code with both directory and zipFile", () =>
    expectInvalid(
      { code: { directory: pythonDir, zipFile: "x.zip" }, runtime: "python3.13", handler: "app.handler" },
      "code",
      "allowed is { directory }",
    ));
  test("a Python function without a handler", () =>
    expectInvalid(
      { code: { directory: pythonDir }, runtime: "python3.13" },
      "handler",
      'required with code on runtime "python3.13"',
      '"app.handler"',
    ));
  test("a Java function without a handler", () =>
    expectInvalid({ code: { directory: pythonDir }, runtime: "java21" }, "handler", "example.Handler::handleRequest"));
  test("a handler with a space", () =>
    expectInvalid(
      { code: { directory: pythonDir }, runtime: "python3.13", handler: "app handler" },
      "handler",
      "a string of 11 characters",
      "no spaces",
    ));
  test.each([
    ["python3.11", "2026-06-30"],
    ["java17", "2026-06-30"],
    ["go1.x", "2024-01-08"],
    ["provided.al2", "2026-06-30"],
    ["dotnet8", "2026-11-10"],
  ])("the deprecated runtime %s, saying since when and what is allowed", (runtime, since) =>
    expectInvalid(
      { code: { directory: pythonDir }, runtime, handler: "app.handler" },
      "runtime",
      `"${runtime}" is deprecated by Lambda (since ${since})`,
      "python3.13",
      "provided.al2023",
    ),
  );
  test("a runtime Lambda never had", () =>
    expectInvalid({ entry: HELLO_ENTRY, runtime: "cobol1.x" }, "runtime", '"cobol1.x": allowed are nodejs22.x'));
  test("a refused prop leaves no resource and no asset", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    expect(() =>
      fn({ code: { directory: path.join(work, "missing") }, runtime: "python3.13", handler: "app.handler" })(stack),
    ).toThrow(SecureLambdaValidationError);
    expect(stack.node.findAll().filter((c) => c.node.path.includes("Code-"))).toEqual([]);
    expect(stack.node.findAll().filter((c) => c.node.path.startsWith("test/fn/"))).toEqual([]);
  });
});
