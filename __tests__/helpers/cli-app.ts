/**
 * Apps synthesized for the secrets CLI's tests: real stacks of SecureLambdas, written by
 * `app.synth()` to a cdktf.out directory as `cdktf synth` writes it (manifest.json, each
 * stack's cdk.tf.json with its `"//"` metadata), which the CLI then reads.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import type { NetworkSettings } from "../../cli/clients";
import { runSecretsCli } from "../../cli/secrets";
import { SecretsKey, SecureLambda } from "../../constructs";
import type { SecretStore } from "../../common/naming";
import { App, AwsProvider, type AwsProviderConfig, TerraformStack } from "../../constructs/tf";
import { output } from "./streams";
import { HELLO_ENTRY } from "./synth";

/** One SecureLambda of a fixture stack. */
export interface FixtureFunction {
  readonly functionName: string;
  readonly secrets: readonly string[];
  readonly store?: SecretStore;
  readonly parameterPrefix?: string;
  /** A key passed in by ARN instead of one the stack creates. */
  readonly kmsKeyArn?: string;
}

/** One stack of a fixture app. */
export interface FixtureStack {
  readonly name: string;
  /** The AWS provider's arguments. @default { region: "eu-west-1" } */
  readonly provider?: AwsProviderConfig;
  readonly functions: readonly FixtureFunction[];
}

/** Synthesizes the stacks into `outdir` (a new temporary directory by default) and returns it. */
export function synthesizeApp(
  stacks: readonly FixtureStack[],
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-app-")),
): string {
  const app = new App({ outdir });
  for (const fixture of stacks) {
    const stack = new TerraformStack(app, fixture.name);
    new AwsProvider(stack, "aws", fixture.provider ?? { region: "eu-west-1" });
    for (const fn of fixture.functions) {
      new SecureLambda(stack, fn.functionName, {
        functionName: fn.functionName,
        entry: HELLO_ENTRY,
        secrets: [...fn.secrets],
        store: fn.store,
        parameterPrefix: fn.parameterPrefix,
        kmsKey: fn.kmsKeyArn ? SecretsKey.fromKeyArn(stack, `${fn.functionName}-key`, fn.kmsKeyArn) : undefined,
      });
    }
  }
  app.synth();
  return outdir;
}

/** A stack's synthesized JSON, parsed. */
export function stackJson(outdir: string, stack: string): any {
  return JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
}

/** Rewrites a stack's synthesized JSON (a test's one edit of what synth wrote). */
export function editStack(outdir: string, stack: string, edit: (json: any) => void): void {
  const json = stackJson(outdir, stack);
  edit(json);
  fs.writeFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), JSON.stringify(json, null, 2));
}

/**
 * Points a stack's AWS provider at loopback fakes, as the `local` stack points it at moto:
 * the services' endpoints (`{ ssm: url, sts: url }`), nothing else.
 */
export function pointProviderAt(outdir: string, stack: string, endpoints: Readonly<Record<string, string>>): void {
  editStack(outdir, stack, (json) => {
    json.provider.aws[0].endpoints = [endpoints];
  });
}

/** The environment of a CLI run against fakes: test credentials, no profile or config files of the machine. */
export function offlineEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...extra,
  };
}

/** What one run of the CLI did. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Standard input: text piped in, or a stream (a terminal stand-in). @default nothing */
  readonly stdin?: string | NodeJS.ReadableStream;
  /** @default offlineEnv() */
  readonly env?: NodeJS.ProcessEnv;
  readonly network?: NetworkSettings;
}

/** Runs the secrets CLI in this process on the app synthesized in `outdir` (`--output`). */
export async function runCli(outdir: string, args: readonly string[], options: RunCliOptions = {}): Promise<CliRun> {
  const stdout = output();
  const stderr = output();
  const stdin = options.stdin ?? "";
  const code = await runSecretsCli([...args, "--output", outdir], {
    stdin: typeof stdin === "string" ? Readable.from(stdin === "" ? [] : [stdin]) : stdin,
    prompt: stderr,
    stdout,
    stderr,
    env: options.env ?? offlineEnv(),
    network: options.network,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
