/**
 * The real tools of the deploy suite: the Terraform or OpenTofu binary and the provider
 * mirror that `npm run tools` prepared, and moto's server as the AWS API on loopback.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { satisfiesConstraint } from "../constructs/version-constraint";

const ROOT = path.join(__dirname, "..");

/** What `npm run tools` wrote to `.tools/tools.json`. */
export interface Tools {
  /** Absolute path of `terraform` or `tofu`. */
  readonly terraform: string;
  readonly terraformVersion: string;
  /** The CLI configuration whose provider_installation is the local mirror. */
  readonly cliConfig: string;
  /** The AWS provider version in the mirror. */
  readonly awsProvider: string;
  /** The version constraint the synthesized stacks require. */
  readonly awsProviderPinned: string;
  readonly motoServer: string;
  readonly motoVersion: string;
  /** Checkov in its virtual environment (absent from a tools.json written before the scan existed). */
  readonly checkov?: string;
  readonly checkovVersion?: string;
  /** Trivy built from the Go module proxy. */
  readonly trivy?: string;
  readonly trivyVersion?: string;
}

/** The tools, or an error saying how to get them: the suite never skips itself. */
export function loadTools(): Tools {
  const file = path.join(ROOT, ".tools", "tools.json");
  if (!fs.existsSync(file))
    throw new Error(
      `${file} is missing: run \`npm run tools\` first (it builds or finds terraform/tofu, the AWS provider and moto)`,
    );
  return JSON.parse(fs.readFileSync(file, "utf8")) as Tools;
}

/** Credentials moto accepts; never real ones, and no shared config files of the machine. */
export function fakeAwsEnvironment(endpoint: string, configDir: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_ENDPOINT_URL: endpoint,
    AWS_CONFIG_FILE: path.join(configDir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(configDir, "no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

/** A running moto server. */
export interface Moto {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** What moto printed, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

/** A free loopback port (the kernel picks it; closed again before moto binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Options of {@link startMoto}. */
export interface MotoOptions {
  /** @default a free loopback port */
  readonly port?: number;
  /** The account moto's resources and GetCallerIdentity are in. @default moto's 123456789012 */
  readonly accountId?: string;
}

/** Starts moto's server and waits until it answers. */
export async function startMoto(tools: Tools, options: MotoOptions = {}): Promise<Moto> {
  const chosen = options.port ?? (await freePort());
  const env = options.accountId ? { ...process.env, MOTO_ACCOUNT_ID: options.accountId } : process.env;
  const child = spawn(tools.motoServer, ["-H", "127.0.0.1", "-p", String(chosen)], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${chosen}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${output}`);
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not answer on ${url} within 30 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    port: chosen,
    log: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** What a process did. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs terraform/tofu in a stack directory with the mirror's CLI configuration and moto's
 * credentials. Never passes a secret: values reach AWS only through the secrets CLI's stdin.
 */
export function terraform(tools: Tools, cwd: string, args: readonly string[], env: Record<string, string>): Run {
  const result = spawnSync(tools.terraform, [...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: {
      ...process.env,
      ...env,
      TF_CLI_CONFIG_FILE: tools.cliConfig,
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      TF_INPUT: "0",
    },
  });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Like {@link terraform}, but throws with the output when the exit code is not `expected`. */
export function terraformOk(
  tools: Tools,
  cwd: string,
  args: readonly string[],
  env: Record<string, string>,
  expected: readonly number[] = [0],
): Run {
  const run = terraform(tools, cwd, args, env);
  if (!expected.includes(run.code)) {
    throw new Error(
      `${path.basename(tools.terraform)} ${args.join(" ")} exited ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`,
    );
  }
  return run;
}

/**
 * The one edit of the synthesized JSON besides the endpoints, and only where it is needed:
 * the stacks require a range of AWS provider releases (constructs/aws-provider-version.ts),
 * applied as it is whenever the mirror's build satisfies it. A prerelease build
 * (`6.48.0-dev`, the one 6.x commit the Go module proxy serves) satisfies no range:
 * Terraform matches a prerelease only by an exact constraint, so the stack then names it.
 * Returns what it changed, for the test report, or undefined.
 */
export function pinMirroredProvider(stackDir: string, tools: Tools): string | undefined {
  const file = path.join(stackDir, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  const aws = json.terraform.required_providers.aws;
  if (aws.version !== tools.awsProviderPinned) {
    throw new Error(
      `the stack requires aws ${aws.version}, tools.json says ${tools.awsProviderPinned}: run npm run tools again`,
    );
  }
  if (satisfiesConstraint(tools.awsProvider, aws.version)) return undefined;
  const required = aws.version as string;
  aws.version = tools.awsProvider;
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return `required_providers.aws.version ${required} -> ${tools.awsProvider}`;
}

/** Every file under `dir`, recursively, but the provider binaries Terraform links in. */
export function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !entry.parentPath.includes(`${path.sep}.terraform${path.sep}providers`))
    .map((entry) => path.join(entry.parentPath, entry.name));
}
