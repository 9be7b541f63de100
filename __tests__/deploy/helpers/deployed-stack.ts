/**
 * One environment's stack, synthesized by the app with its AWS endpoint pointed at moto,
 * applied with the real Terraform or OpenTofu and AWS provider, and what the suite reads
 * back from it: the plan's changes, the files Terraform wrote, the deployed function.
 */
import { GetFunctionConfigurationCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EnvironmentConfig } from "../../../config/environments";
import { readZip } from "../../../constructs/zip";
import { extractZip } from "../../../scripts/extract-zip";
import { invokeInChild, lambdaEnvironment, type ChildRun } from "../../helpers/invoke-bundle";
import { runProcess } from "../../helpers/run-process";
import type { SynthesizedFunction } from "../../helpers/synthesized-function";
import { App } from "../../../constructs/tf";
import { buildApp } from "../../../main";
import { EnvironmentStack } from "../../../stacks/environment-stack";
import {
  fakeAwsEnvironment,
  filesUnder,
  pinMirroredProvider,
  terraform,
  terraformOk,
  type Moto,
  type Run,
  type Tools,
} from "../../../cli/real-tools";

const ROOT = path.join(__dirname, "..", "..", "..");
const CDKTF_CLI = path.join(ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf");

/**
 * Attributes moto does not give back, so that a plan can never be empty for them, by
 * resource type; each is named and explained here, and nothing else may change.
 */
export const TOLERATED_DRIFT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  aws_lambda_function: {
    dead_letter_config: "moto 5.2.5's GetFunction returns no DeadLetterConfig",
    logging_config: "moto 5.2.5's GetFunction returns no LoggingConfig",
  },
};

/** A resource change of a saved plan, reduced to what the suite judges. */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
  /** Top-level arguments whose value changes (or becomes unknown). */
  readonly attributes: readonly string[];
}

/** A synthesized, deployable stack directory and the environment its commands run in. */
export class DeployedStack {
  readonly stackDir: string;
  /** The one edit of the JSON beyond the endpoint, if any (see pinMirroredProvider). */
  readonly edit: string | undefined;
  readonly env: Record<string, string>;

  constructor(
    readonly tools: Tools,
    readonly moto: Moto,
    readonly outdir: string,
    readonly name: string,
    /** The app's directory, where cdktf and the secrets CLI run (this repository, or a consumer app). */
    readonly appDir: string = ROOT,
  ) {
    this.stackDir = path.join(outdir, "stacks", name);
    this.edit = pinMirroredProvider(this.stackDir, tools);
    this.env = fakeAwsEnvironment(moto.url, outdir);
  }

  /**
   * Synthesizes environment `name` through the app (validation and all) with every AWS
   * endpoint pointed at moto: the same `localstackEndpoint` setting the `local` environment uses.
   */
  static synthesize(tools: Tools, moto: Moto, name: string, config: EnvironmentConfig): DeployedStack {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `secure-lambda-deploy-${name}-`));
    buildApp({ outdir, environments: { [name]: { ...config, localstackEndpoint: moto.url } } }).synth();
    return new DeployedStack(tools, moto, outdir, name);
  }

  /**
   * Like {@link synthesize}, but builds the stack class directly, without the app's
   * configuration checks: for a protected environment pointed at moto, which the app refuses.
   */
  static synthesizeUnchecked(tools: Tools, moto: Moto, name: string, config: EnvironmentConfig): DeployedStack {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `secure-lambda-deploy-${name}-`));
    const app = new App({ outdir });
    new EnvironmentStack(app, name, { config: { ...config, localstackEndpoint: moto.url }, projectRoot: ROOT });
    app.synth();
    return new DeployedStack(tools, moto, outdir, name);
  }

  run(args: readonly string[]): Run {
    return terraform(this.tools, this.stackDir, args, this.env);
  }

  ok(args: readonly string[], expected: readonly number[] = [0]): Run {
    return terraformOk(this.tools, this.stackDir, args, this.env, expected);
  }

  /**
   * The user's path: `cdktf deploy <stack>` (init and apply in the stack directory) with the
   * tools' binary as TERRAFORM_BINARY_NAME. `--skip-synth` because the stack is already
   * synthesized with its endpoint at moto; `--skip-provider-lock` because `providers lock`
   * asks the registry for other platforms' checksums, and no registry is reachable here.
   * `cli` runs the framework's CLI (this repository's cdktf-cli by default; `cdktn` for an
   * app on CDK Terrain), `env` is what it needs beyond the stack's environment.
   */
  deploy(cli: readonly string[] = [process.execPath, CDKTF_CLI], env: Record<string, string> = {}): Run {
    const [command, ...cliArgs] = cli;
    const result = spawnSync(
      command!,
      [
        ...cliArgs,
        "deploy",
        this.name,
        "--skip-synth",
        "--output",
        this.outdir,
        "--auto-approve",
        "--skip-provider-lock",
        "--no-color",
      ],
      {
        cwd: this.appDir,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          ...this.env,
          TERRAFORM_BINARY_NAME: this.tools.terraform,
          TF_CLI_CONFIG_FILE: this.tools.cliConfig,
          CHECKPOINT_DISABLE: "1",
          // cdktf points Terraform at a shared plugin cache (~/.terraform.d/plugin-cache); the suites
          // init at once, and two inits creating its directory race ("file exists"). The provider
          // comes from the filesystem mirror anyway: no cache needed.
          CDKTF_DISABLE_PLUGIN_CACHE_ENV: "true",
          CI: "1",
          ...env,
        },
      },
    );
    const run = { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
    if (run.code !== 0)
      throw new Error(
        `${path.basename(cliArgs[0] ?? command!)} deploy ${this.name} exited ${run.code}\n${run.stdout.slice(-6000)}\n${run.stderr.slice(-6000)}`,
      );
    return run;
  }

  /** Saves a plan to `file` and returns its exit code (0: no change, 2: changes) and changes. */
  plan(file = "deploy.tfplan"): { exitCode: number; changes: PlannedChange[]; showJson: string } {
    const run = this.ok(["plan", "-detailed-exitcode", "-input=false", "-no-color", `-out=${file}`], [0, 2]);
    const showJson = this.ok(["show", "-json", "-no-color", file]).stdout;
    fs.writeFileSync(path.join(this.stackDir, `${file}.json`), showJson);
    return { exitCode: run.code, changes: plannedChanges(showJson), showJson };
  }

  /**
   * The local state file, where the stack's backend puts it: this project's stacks name
   * `terraform.tfstate` in the stack directory; cdktf's default backend, as in a consumer
   * app, an absolute `terraform.<stack>.tfstate` in the directory synth ran in.
   */
  get stateFile(): string {
    const json = JSON.parse(fs.readFileSync(path.join(this.stackDir, "cdk.tf.json"), "utf8"));
    return path.resolve(this.stackDir, json.terraform?.backend?.local?.path ?? "terraform.tfstate");
  }

  /** The state file Terraform keeps locally. */
  state(): {
    resources: Array<{ type: string; name: string; instances: Array<{ attributes: Record<string, unknown> }> }>;
  } {
    return JSON.parse(fs.readFileSync(this.stateFile, "utf8"));
  }

  /** The attributes of the resources of one type in the state. */
  stateOf(type: string): Array<Record<string, unknown>> {
    return this.state()
      .resources.filter((r) => r.type === type)
      .flatMap((r) => r.instances.map((i) => i.attributes));
  }

  /**
   * Which of `secrets` appear in any file under the stack directory or the synthesized
   * output (state, its backup, saved plans and their `show -json`, cdk.tf.json, ...),
   * looking inside zip files (a saved plan is one) as well.
   */
  filesHolding(secrets: readonly string[]): string[] {
    const found: string[] = [];
    // A state kept outside the output (a consumer's default backend) is searched too.
    const outside = [this.stateFile, `${this.stateFile}.backup`].filter(
      (file) => !file.startsWith(this.outdir) && fs.existsSync(file),
    );
    for (const file of [...filesUnder(this.outdir), ...outside]) {
      const bytes = fs.readFileSync(file);
      const texts = [bytes.toString("utf8"), ...zipEntries(bytes)];
      secrets.forEach((secret, index) => {
        if (texts.some((text) => text.includes(secret)))
          found.push(`${path.relative(this.outdir, file)} holds value ${index + 1} of ${secrets.length}`);
      });
    }
    return found;
  }

  /**
   * `npm run secrets -- <args> --output <outdir>` against moto, the value on stdin, as an
   * operator runs it in this repository: the CLI finds the stack in the synthesis, and moto
   * through the stack's provider block.
   */
  secrets(args: readonly string[], stdin = ""): Promise<Run> {
    return runProcess(
      process.execPath,
      [
        "-r",
        path.join(ROOT, "scripts", "register.cjs"),
        path.join(ROOT, "cli", "secrets.ts"),
        ...args,
        "--output",
        this.outdir,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...this.env },
        stdin,
      },
    );
  }

  /**
   * Runs the deployed function as Lambda would: its own zip from the stack directory (its
   * SHA-256 checked against Lambda's CodeSha256), unpacked, in a fresh Node process, with
   * the environment read back from moto's Lambda API, its store's endpoint at moto.
   */
  async invokeDeployed(
    lambda: LambdaClient,
    functionName: string,
    region: string,
    endpoint: Record<string, string>,
  ): Promise<ChildRun> {
    const deployed = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    const [fn] = this.stateOf("aws_lambda_function").filter((f) => f.function_name === functionName) as Array<{
      filename: string;
    }>;
    const zipPath = path.join(this.stackDir, fn!.filename);
    const codeSha256 = createHash("sha256").update(fs.readFileSync(zipPath)).digest("base64");
    if (codeSha256 !== deployed.CodeSha256)
      throw new Error(`${zipPath} is not what Lambda holds: ${codeSha256} != ${deployed.CodeSha256}`);
    const bundle: SynthesizedFunction = {
      functionName,
      zipPath,
      bundleDir: extractZip(zipPath, fs.mkdtempSync(path.join(this.outdir, "unzipped-"))),
      handlerExport: (deployed.Handler ?? "").split(".")[1] ?? "",
      runtime: deployed.Runtime ?? "",
      environment: deployed.Environment?.Variables ?? {},
    };
    return invokeInChild(bundle, {
      extraEnv: lambdaEnvironment(bundle, { region, endpoint, noConfigDir: this.outdir }),
    });
  }

  remove(): void {
    fs.rmSync(this.outdir, { recursive: true, force: true });
  }
}

/** The changes of a plan's `show -json`, with the top-level arguments each one touches. */
export function plannedChanges(showJson: string): PlannedChange[] {
  const plan = JSON.parse(showJson) as {
    resource_changes?: Array<{
      address: string;
      type: string;
      mode: string;
      change: { actions: string[]; before: unknown; after: unknown; after_unknown: unknown };
    }>;
  };
  return (plan.resource_changes ?? [])
    .filter((rc) => rc.mode === "managed" && !(rc.change.actions.length === 1 && rc.change.actions[0] === "no-op"))
    .map((rc) => {
      const before = (rc.change.before ?? {}) as Record<string, unknown>;
      const after = (rc.change.after ?? {}) as Record<string, unknown>;
      const unknown = (rc.change.after_unknown ?? {}) as Record<string, unknown>;
      const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
      const attributes = [...keys]
        .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]) || unknown[key] === true)
        .sort();
      return { address: rc.address, type: rc.type, actions: rc.change.actions, attributes };
    });
}

/** The changes that are not tolerated drift of an attribute moto does not model. */
export function untoleratedChanges(changes: readonly PlannedChange[]): PlannedChange[] {
  return changes
    .map((change) => ({
      ...change,
      attributes: change.attributes.filter((a) => !(a in (TOLERATED_DRIFT[change.type] ?? {}))),
    }))
    .filter((change) => change.actions.some((a) => a !== "update") || change.attributes.length > 0);
}

/** Prints the tolerated drift a plan holds, so the run's log says what moto left out. */
export function reportTolerated(changes: readonly PlannedChange[]): void {
  const lines = changes.map((c) => `${c.address}: ${c.actions.join("+")} ${c.attributes.join(", ")}`);
  process.stdout.write(
    `tolerated drift (attributes moto does not model): ${lines.length === 0 ? "none" : `\n  ${lines.join("\n  ")}`}\n`,
  );
}

function zipEntries(bytes: Buffer): string[] {
  if (bytes.length < 4 || bytes.readUInt32LE(0) !== 0x04034b50) return [];
  try {
    return readZip(bytes).map((entry) => entry.data.toString("utf8"));
  } catch {
    return [];
  }
}

/**
 * Points the AWS provider of a synthesized stack at moto, as a local stack's provider is: test
 * credentials, no metadata API, every named service's endpoint at `motoUrl`. `edit` changes the
 * JSON further before it is written back (a resource moto cannot serve left out).
 */
export function pointProviderAtMoto(
  stackJsonFile: string,
  motoUrl: string,
  services: readonly string[],
  edit?: (json: Record<string, any>) => void,
): void {
  const json = JSON.parse(fs.readFileSync(stackJsonFile, "utf8"));
  Object.assign(json.provider.aws[0], {
    access_key: "test",
    secret_key: "test",
    skip_metadata_api_check: "true",
    endpoints: [Object.fromEntries(services.map((service) => [service, motoUrl]))],
  });
  edit?.(json);
  fs.writeFileSync(stackJsonFile, JSON.stringify(json, null, 2));
}
