import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { invokeInChild, lambdaEnvironment } from "./helpers/invoke-bundle";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { synthesizedFunction, type SynthesizedFunction } from "./helpers/synthesized-function";

// The library as another project uses it (issue 15): `npm pack` (which builds dist/ through
// prepack), a temporary copy of examples/consumer with its own cdktf, constructs and
// provider, the tarball installed into it from the local npm cache where it can, the app
// run with the example's own runner (tsx), the way its README says.

const ROOT = path.join(__dirname, "..");
const EXAMPLE = path.join(ROOT, "examples", "consumer");
const STACK = "consumer";
const FUNCTION = "consumer-reporter";
const TOKEN = `ghp_${"Zq4Xw8Rt2Yu6Io0Pa3Sd7Fg1Hj5Kl9Zx2Cv6B".slice(0, 36)}`;

let dir: string;
let app: string;
let tarball: string;
let synth: SpawnSyncReturns<string>;
let fn: SynthesizedFunction;

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", npm_config_update_notifier: "false" } });
}

function mustRun(command: string, args: readonly string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "consumer-"));
  const [packed] = JSON.parse(mustRun("npm", ["pack", "--json", "--pack-destination", dir], ROOT)) as Array<{ filename: string }>;
  tarball = path.join(dir, packed!.filename);
  app = path.join(dir, "app");
  fs.cpSync(EXAMPLE, app, { recursive: true, filter: (source) => !/[\\/](node_modules|cdktf\.out)$/.test(source) });
  // The example names the tarball `npm pack` writes in the clone; this one is in the temporary directory.
  const manifestPath = path.join(app, "package.json");
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  manifest.dependencies["secure-lambda"] = `file:${tarball}`;
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  mustRun("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], app);
  synth = run(path.join(app, "node_modules", ".bin", "tsx"), ["main.ts"], app);
  if (synth.status === 0) fn = synthesizedFunction(path.join(app, "cdktf.out"), STACK, FUNCTION);
}, 120_000);

describe("the packed library", () => {
  test("holds the built constructs and runtime with their types, and no sources, tests or tools", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n");
    expect(files).toEqual(
      expect.arrayContaining([
        "package/dist/constructs/index.js",
        "package/dist/constructs/index.d.ts",
        "package/dist/lambda-src/secrets/index.js",
        "package/dist/lambda-src/secrets/index.d.ts",
      ]),
    );
    expect(files.filter((f) => !/^package\/(dist\/(constructs|lambda-src\/secrets)\/.*\.(js|d\.ts)|package\.json|README\.md)$/.test(f))).toEqual([]);
  });

  test("declares cdktf, constructs and the AWS provider as peer dependencies, so the app's copies serve it", () => {
    const installed = JSON.parse(fs.readFileSync(path.join(app, "node_modules", "secure-lambda", "package.json"), "utf8"));
    for (const name of ["cdktf", "constructs", "@cdktf/provider-aws"]) {
      expect(installed.peerDependencies?.[name]).toBeDefined();
      expect(installed.dependencies?.[name]).toBeUndefined();
    }
    expect(fs.existsSync(path.join(app, "node_modules", "secure-lambda", "node_modules", "cdktf"))).toBe(false);
    expect(fs.existsSync(path.join(app, "node_modules", "secure-lambda", "node_modules", "constructs"))).toBe(false);
  });

  test("type-checks the app against the installed declarations (secure-lambda and secure-lambda/runtime)", () => {
    mustRun(path.join(app, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "."], app);
  });
});

describe("the consumer's synth", () => {
  test("succeeds and writes the function, its parameter and its role", () => {
    expect(synth.stderr).toBe("");
    expect(synth.status).toBe(0);
    const json = JSON.parse(fs.readFileSync(path.join(app, "cdktf.out", "stacks", STACK, "cdk.tf.json"), "utf8"));
    const functions = Object.values(json.resource.aws_lambda_function) as Array<Record<string, any>>;
    expect(functions.map((f) => f.function_name)).toEqual([FUNCTION]);
    expect(Object.values(json.resource.aws_ssm_parameter).map((p: any) => [p.name, p.type])).toEqual([[`/${FUNCTION}/github_token`, "SecureString"]]);
    expect(Object.keys(json.resource.aws_iam_role)).toHaveLength(1);
    expect(functions[0]!.environment.variables).toEqual({
      GITHUB_API_URL: "https://api.github.com",
      GITHUB_TOKEN_PARAM_NAME: `/${FUNCTION}/github_token`,
      SECRETS_LOADER_TIMEOUT_MS: "9000",
    });
  });

  test("bundles the handler with the runtime loader, which reads the secret from SSM", async () => {
    const code = fs.readFileSync(path.join(fn.bundleDir, "index.js"), "utf8");
    expect(code).toContain("_PARAM_NAME");
    expect(code).not.toContain("TerraformStack");
    let ssm: SsmServer | undefined;
    try {
      ssm = await startSsmServer({ region: "eu-west-1" });
      ssm.putParameter(`/${FUNCTION}/github_token`, TOKEN);
      const child = await invokeInChild(fn, {
        extraEnv: lambdaEnvironment(fn, { region: "eu-west-1", endpoint: { AWS_ENDPOINT_URL_SSM: ssm.url }, noConfigDir: dir }),
      });
      expect(child.results).toEqual([{ ok: true, value: { tokenLength: TOKEN.length } }]);
    } finally {
      await ssm?.close();
    }
  });

  test("fails with the guard's SecretLeakError when a literal token is put in the environment", () => {
    const source = fs.readFileSync(path.join(app, "main.ts"), "utf8");
    const leaking = source.replace('environment: { GITHUB_API_URL: "https://api.github.com" }', `environment: { GITHUB_TOKEN: "${TOKEN}" }`);
    expect(leaking).not.toBe(source);
    fs.writeFileSync(path.join(app, "leak.ts"), leaking.replace("new App()", 'new App({ outdir: "leak.out" })'));
    const result = run(path.join(app, "node_modules", ".bin", "tsx"), ["leak.ts"], app);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("SecretLeakError");
    expect(result.stderr).toContain(`secret-leak guard: stack "${STACK}"`);
    expect(result.stderr).toContain("variable GITHUB_TOKEN");
    expect(result.stderr).not.toContain(TOKEN);
    expect(fs.existsSync(path.join(app, "leak.out", "stacks", STACK, "cdk.tf.json"))).toBe(false);
  });
});

describe("an app that links a clone of secure-lambda instead of installing its package", () => {
  // The clone's own node_modules/cdktf serves secure-lambda; the app's serves the app: two
  // copies of cdktf, whose aspects do not see each other. The guard must run all the same.
  let linked: string;

  beforeAll(() => {
    linked = path.join(dir, "linked");
    fs.mkdirSync(path.join(linked, "node_modules"), { recursive: true });
    for (const entry of fs.readdirSync(path.join(app, "node_modules"))) {
      if (entry === "secure-lambda" || entry.startsWith(".")) continue;
      fs.symlinkSync(path.join(app, "node_modules", entry), path.join(linked, "node_modules", entry));
    }
    fs.symlinkSync(ROOT, path.join(linked, "node_modules", "secure-lambda"));
    fs.cpSync(path.join(app, "src"), path.join(linked, "src"), { recursive: true });
    fs.copyFileSync(path.join(app, "main.ts"), path.join(linked, "main.ts"));
    fs.copyFileSync(path.join(app, "leak.ts"), path.join(linked, "leak.ts"));
  });

  test("refuses the literal token with the guard's SecretLeakError", () => {
    const result = run(path.join(app, "node_modules", ".bin", "tsx"), ["leak.ts"], linked);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("SecretLeakError");
    expect(result.stderr).toContain("variable GITHUB_TOKEN");
    expect(result.stderr).not.toContain(TOKEN);
    expect(fs.existsSync(path.join(linked, "leak.out", "stacks", STACK, "cdk.tf.json"))).toBe(false);
  });

  test("synthesizes the clean app with a warning naming both copies of cdktf", () => {
    mustRun(path.join(app, "node_modules", ".bin", "tsx"), ["main.ts"], linked);
    const manifest = JSON.parse(fs.readFileSync(path.join(linked, "cdktf.out", "manifest.json"), "utf8"));
    const warnings = (manifest.stacks[STACK].annotations as Array<{ level: string; message: string }>).filter((a) => a.level === "@cdktf/warn");
    const twoCopies = warnings.find((w) => w.message.includes("two copies of cdktf"));
    expect(twoCopies?.message).toContain(path.join(ROOT, "node_modules", "cdktf"));
    expect(twoCopies?.message).toContain(path.join(app, "node_modules", "cdktf"));
  });
});
