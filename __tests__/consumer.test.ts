import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLACEHOLDER_VALUE, placeholderSecretJson } from "../common/naming";
import { editedCopy, shareFirstKeyWith } from "./helpers/break-stack";
import { pointProviderAt } from "./helpers/cli-app";
import { invokeInChild, lambdaEnvironment } from "./helpers/invoke-bundle";
import { runProcess } from "./helpers/run-process";
import { startSecretsManagerServer, type SecretsManagerServer } from "./helpers/secretsmanager-server";
import { startSsmServer, type SsmServer } from "./helpers/ssm-server";
import { startStsServer, type StsServer } from "./helpers/sts-server";
import { synthesizedFunction, type SynthesizedFunction } from "./helpers/synthesized-function";

// The library as another project uses it (issue 15): `npm pack` (which builds dist/ through
// prepack), a temporary copy of examples/consumer with its own cdktf, constructs and
// provider, the tarball installed into it from the local npm cache where it can, the app
// run with the example's own runner (tsx), the way its README says.

const ROOT = path.join(__dirname, "..");
const EXAMPLE = path.join(ROOT, "examples", "consumer");
const STACK = "consumer";
const FUNCTION = "consumer-reporter";
const SIGNER = "consumer-signer";
// The example's own parameterPrefix: the CLI finds it in the synthesis.
const PARAMETER = "/consumer/reporter/github_token";
const SECRET_ID = `${SIGNER}/secrets`;
const TOKEN = `ghp_${"Zq4Xw8Rt2Yu6Io0Pa3Sd7Fg1Hj5Kl9Zx2Cv6B".slice(0, 36)}`;
const FAKE_PEM = [
  "-----BEGIN FAKE KEY-----",
  "MIIfakeConsumerKey0a1b2c",
  "fakeConsumerKeyLine2+/=",
  "-----END FAKE KEY-----",
].join("\n");

let dir: string;
let app: string;
let tarball: string;
let synth: SpawnSyncReturns<string>;
let fn: SynthesizedFunction;
let signer: SynthesizedFunction;
let packedSize: { size: number; unpackedSize: number };

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", npm_config_update_notifier: "false" },
  });
}

function mustRun(command: string, args: readonly string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "consumer-"));
  const [packed] = JSON.parse(mustRun("npm", ["pack", "--json", "--pack-destination", dir], ROOT)) as Array<{
    filename: string;
    size: number;
    unpackedSize: number;
  }>;
  tarball = path.join(dir, packed!.filename);
  packedSize = { size: packed!.size, unpackedSize: packed!.unpackedSize };
  app = path.join(dir, "app");
  fs.cpSync(EXAMPLE, app, { recursive: true, filter: (source) => !/[\\/](node_modules|cdktf\.out)$/.test(source) });
  // The example names the tarball `npm pack` writes in the clone; this one is in the temporary directory.
  const manifestPath = path.join(app, "package.json");
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  manifest.dependencies["secure-lambda"] = `file:${tarball}`;
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  mustRun("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], app);
  synth = run(path.join(app, "node_modules", ".bin", "tsx"), ["main.ts"], app);
  if (synth.status === 0) {
    fn = synthesizedFunction(path.join(app, "cdktf.out"), STACK, FUNCTION);
    signer = synthesizedFunction(path.join(app, "cdktf.out"), STACK, SIGNER);
  }
}, 120_000);

describe("the packed library", () => {
  test("holds the built constructs, runtime, secrets CLI and audit with their types, and no sources, tests or tools", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n");
    expect(files).toEqual(
      expect.arrayContaining([
        "package/dist/constructs/index.js",
        "package/dist/constructs/index.d.ts",
        "package/dist/lambda-src/secrets/index.js",
        "package/dist/lambda-src/secrets/index.d.ts",
        "package/dist/cli/secrets.js",
        "package/dist/common/naming.js",
        "package/dist/cli/audit.js",
        "package/dist/audit/program.js",
        "package/dist/audit/managed-policies.json",
      ]),
    );
    expect(
      files.filter(
        (f) =>
          !/^package\/(dist\/(common|constructs|lambda-src\/secrets|cli|audit)\/.*\.(js|d\.ts)|dist\/audit\/managed-policies\.json|package\.json|README\.md)$/.test(
            f,
          ),
      ),
    ).toEqual([]);
    // Only the CLI's and the audit's own modules: not the repository's tools (npm run local, the real tools'
    // helpers, the posture scan and its scanners, the synthesis of this repository's app).
    expect(files.filter((f) => /dist\/cli\/(local|real-tools|synth-summary)\./.test(f))).toEqual([]);
    expect(files.filter((f) => /dist\/(audit\/(scan|posture|synthesize|cli\.)|stacks|config)/.test(f))).toEqual([]);
    process.stdout.write(
      `packed secure-lambda: ${packedSize.size} bytes, ${packedSize.unpackedSize} unpacked, ${files.length} files\n`,
    );
  });

  test("is the size the README states, within 10%", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const stated = /`secure-lambda-0\.1\.0\.tgz`, about (\d+) kB/.exec(readme)?.[1];
    expect(stated).toBeDefined();
    const kB = packedSize.size / 1000;
    expect(Math.abs(kB - Number(stated)) / Number(stated)).toBeLessThanOrEqual(0.1);
  });

  test("installs the secrets CLI as the app's secure-lambda bin, a node script, with the SDK clients it needs", () => {
    const installed = JSON.parse(
      fs.readFileSync(path.join(app, "node_modules", "secure-lambda", "package.json"), "utf8"),
    );
    expect(installed.bin).toEqual({ "secure-lambda": "dist/cli/secrets.js" });
    expect(
      fs
        .readFileSync(path.join(app, "node_modules", "secure-lambda", "dist", "cli", "secrets.js"), "utf8")
        .split("\n")[0],
    ).toBe("#!/usr/bin/env node");
    expect(fs.realpathSync(path.join(app, "node_modules", ".bin", "secure-lambda"))).toBe(
      path.join(app, "node_modules", "secure-lambda", "dist", "cli", "secrets.js"),
    );
    expect(Object.keys(installed.dependencies).sort()).toEqual([
      "@aws-sdk/client-secrets-manager",
      "@aws-sdk/client-ssm",
      "@aws-sdk/client-sts",
      "esbuild",
    ]);
  });

  test("the package's CLI and this repository's npm run secrets are one program: same module, same help", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(manifest.bin["secure-lambda"]).toBe("dist/cli/secrets.js");
    expect(manifest.scripts.secrets).toMatch(/ cli\/secrets\.ts$/);
    const fromPackage = mustRun(path.join(app, "node_modules", ".bin", "secure-lambda"), ["--help"], app);
    const fromRepository = mustRun("npm", ["run", "-s", "secrets", "--", "--help"], ROOT);
    expect(fromPackage).toBe(fromRepository);
    expect(fromPackage).toMatch(/^Usage: secure-lambda <command>/);
  });

  test("the CLI loads no cdktf: it runs wherever the app's synthesis is, fast", () => {
    const loaded = mustRun(
      process.execPath,
      [
        "-e",
        "require(require('path').resolve('node_modules/secure-lambda/dist/cli/secrets.js')); console.log(Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/](cdktf|constructs|@cdktf)[\\\\/]/.test(f)).length)",
      ],
      app,
    );
    expect(loaded.trim()).toBe("0");
  });

  test("declares cdktf, constructs and the AWS provider as peer dependencies, so the app's copies serve it", () => {
    const installed = JSON.parse(
      fs.readFileSync(path.join(app, "node_modules", "secure-lambda", "package.json"), "utf8"),
    );
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
  test("succeeds and writes both functions, the parameter under the app's prefix, the secret and their roles", () => {
    expect(synth.stderr).toBe("");
    expect(synth.status).toBe(0);
    const json = JSON.parse(fs.readFileSync(path.join(app, "cdktf.out", "stacks", STACK, "cdk.tf.json"), "utf8"));
    const functions = Object.values(json.resource.aws_lambda_function) as Array<Record<string, any>>;
    expect(functions.map((f) => f.function_name)).toEqual([FUNCTION, SIGNER]);
    expect(Object.values(json.resource.aws_ssm_parameter).map((p: any) => [p.name, p.type])).toEqual([
      [PARAMETER, "SecureString"],
    ]);
    expect(Object.values(json.resource.aws_secretsmanager_secret).map((p: any) => p.name)).toEqual([SECRET_ID]);
    expect(Object.keys(json.resource.aws_iam_role)).toHaveLength(2);
    expect(functions[0]!.environment.variables).toEqual({
      GITHUB_API_URL: "https://api.github.com",
      GITHUB_TOKEN_PARAM_NAME: PARAMETER,
      SECRETS_LOADER_TIMEOUT_MS: "9000",
    });
    expect(functions[1]!.environment.variables).toEqual({
      SECRETS_MANAGER_SECRET_ID: SECRET_ID,
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
      ssm.putParameter(PARAMETER, TOKEN);
      const child = await invokeInChild(fn, {
        extraEnv: lambdaEnvironment(fn, {
          region: "eu-west-1",
          endpoint: { AWS_ENDPOINT_URL_SSM: ssm.url },
          noConfigDir: dir,
        }),
      });
      expect(child.results).toEqual([{ ok: true, value: { tokenLength: TOKEN.length } }]);
    } finally {
      await ssm?.close();
    }
  });

  test("fails with the guard's SecretLeakError when a literal token is put in the environment", () => {
    const source = fs.readFileSync(path.join(app, "main.ts"), "utf8");
    const leaking = source.replace(
      'environment: { GITHUB_API_URL: "https://api.github.com" }',
      `environment: { GITHUB_TOKEN: "${TOKEN}" }`,
    );
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

describe("the app's own secrets CLI, npx secure-lambda, on its synthesis", () => {
  let ssm: SsmServer;
  let sm: SecretsManagerServer;
  let sts: StsServer;
  const bin = () => path.join(app, "node_modules", ".bin", "secure-lambda");
  const env = () => ({
    PATH: process.env.PATH,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_CONFIG_FILE: path.join(dir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-aws-credentials"),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  const secureLambda = async (args: readonly string[], input = "") => {
    const run = await runProcess(bin(), args, { cwd: app, env: env(), stdin: input });
    return { status: run.code, stdout: run.stdout, stderr: run.stderr };
  };

  beforeAll(async () => {
    [ssm, sm, sts] = await Promise.all([
      startSsmServer({ region: "eu-west-1" }),
      startSecretsManagerServer({ region: "eu-west-1" }),
      startStsServer(),
    ]);
    // As Terraform leaves them after the first apply; the provider pointed at the fakes as a local stack is.
    ssm.putParameter(PARAMETER, PLACEHOLDER_VALUE, { keyId: "alias/consumer-reporter" });
    sm.createSecret(SECRET_ID, placeholderSecretJson(["signing_key"]));
    pointProviderAt(path.join(app, "cdktf.out"), STACK, { ssm: ssm.url, secretsmanager: sm.url, sts: sts.url });
  });
  afterAll(async () => {
    await Promise.all([ssm?.close(), sm?.close(), sts?.close()]);
  });

  test("status finds both functions, their stores and the app's prefix from cdktf.out", async () => {
    const status = await secureLambda(["status"]);
    expect(status.status).toBe(1);
    expect(status.stdout).toMatch(
      new RegExp(
        `consumer\\s+${FUNCTION}\\s+github_token\\s+placeholder \\(never set\\)\\s+v1\\s+\\S+\\s+${PARAMETER}`,
      ),
    );
    expect(status.stdout).toMatch(new RegExp(`consumer\\s+${SIGNER}\\s+signing_key\\s+placeholder`));
    expect(status.stdout).toContain("consumer: 2 of 2 secrets are not set");
  });

  test("printf ... | npx secure-lambda set, then import of a PEM key, then status: set; the bundles read the values", async () => {
    const set = await secureLambda(["set", STACK, FUNCTION, "github_token"], TOKEN);
    expect([set.status, set.stdout, set.stderr]).toEqual([0, `${PARAMETER}: set, version 2\n`, ""]);
    const imported = await secureLambda(["import", STACK, SIGNER], `signing_key="${FAKE_PEM}"\n`);
    expect([imported.status, imported.stderr]).toEqual([0, ""]);
    const status = await secureLambda(["status", "--json"]);
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout).ready).toBe(true);
    for (const run of [set, imported, status]) expect(run.stdout + run.stderr).not.toMatch(/ghp_|MIIfake/);

    const reporter = await invokeInChild(fn, {
      extraEnv: lambdaEnvironment(fn, {
        region: "eu-west-1",
        endpoint: { AWS_ENDPOINT_URL_SSM: ssm.url },
        noConfigDir: dir,
      }),
    });
    expect(reporter.results).toEqual([{ ok: true, value: { tokenLength: TOKEN.length } }]);
    const signed = await invokeInChild(signer, {
      extraEnv: lambdaEnvironment(signer, {
        region: "eu-west-1",
        endpoint: { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url },
        noConfigDir: dir,
      }),
    });
    expect(signed.results).toEqual([{ ok: true, value: { keyLines: 4 } }]);
  });
});

describe("the app's own audit, npx secure-lambda audit, on its synthesis", () => {
  const audit = (args: readonly string[], cwd = app) => run("npx", ["--no", "secure-lambda", "audit", ...args], cwd);

  test("passes on the app (cdktf.out, found as the other commands find it), saying the posture scan is not here", () => {
    const result = audit([]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toMatch(/permissions: 2 functions, \d+ requests, 0 unexpected/);
    expect(result.stdout).toMatch(/access: \d+ requests, 0 findings, 0 resources that could grant access not read/);
    expect(result.stdout).toMatch(/posture scan: not run: the posture scanners \(Checkov, Trivy\) come with/);
  });

  test("fails on a copy widened by a partner account in the key policy, naming principal, resource and policy", () => {
    let address = "";
    const copy = editedCopy(path.join(app, "cdktf.out"), path.join(dir, "widened.out"), STACK, (json) => {
      address = shareFirstKeyWith(json, "444455556666");
    });
    const result = audit(["--synthesized", copy, "--json"]);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.access.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          principal: "any principal of account 444455556666",
          action: "kms:Decrypt",
          resource: expect.stringMatching(/^key arn:aws:kms:eu-west-1:\d{12}:key\//),
          grantedBy: expect.arrayContaining([`${STACK}: aws_kms_key.${address}.policy`]),
        }),
      ]),
    );
  });

  test("--deployer writes the app's deploy policy (its keys tagged by the provider's default_tags)", () => {
    const out = path.join(dir, "deployer.json");
    const result = audit(["--deployer", STACK, "--policy-out", out]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    const policy = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(policy.Version).toBe("2012-10-17");
    expect(JSON.stringify(policy)).toMatch(/consumer-reporter/);
    // The deploy policy scopes keys by their tags, and says so of a copy whose keys have none.
    const untagged = editedCopy(path.join(app, "cdktf.out"), path.join(dir, "untagged.out"), STACK, (json) => {
      delete json.provider.aws[0].default_tags;
    });
    const refused = audit([
      "--synthesized",
      untagged,
      "--deployer",
      STACK,
      "--policy-out",
      path.join(dir, "untagged.json"),
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/has no tags: .*give the key tags \(or the provider default_tags\)/);
  });

  test("without the IAM policy engine, exits 3 naming the package to install and why it is optional", () => {
    const engine = path.join(app, "node_modules", "@cloud-copilot", "iam-simulate");
    const aside = path.join(dir, "iam-simulate-aside");
    fs.renameSync(engine, aside);
    try {
      const result = audit([]);
      expect(result.status).toBe(3);
      expect(result.stderr).toMatch(/needs the IAM policy engine @cloud-copilot\/iam-simulate, which is not installed/);
      expect(result.stderr).toMatch(/AGPL-3\.0-or-later/);
      expect(result.stderr).toMatch(/npm install --save-dev @cloud-copilot\/iam-simulate/);
      // The secrets commands do not need it.
      expect(run("npx", ["--no", "secure-lambda", "--help"], app).status).toBe(0);
    } finally {
      fs.renameSync(aside, engine);
    }
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
    const warnings = (manifest.stacks[STACK].annotations as Array<{ level: string; message: string }>).filter(
      (a) => a.level === "@cdktf/warn",
    );
    const twoCopies = warnings.find((w) => w.message.includes("two copies of cdktf"));
    expect(twoCopies?.message).toContain(path.join(ROOT, "node_modules", "cdktf"));
    expect(twoCopies?.message).toContain(path.join(app, "node_modules", "cdktf"));
  });
});
