/**
 * What the CLI knows of an app: its synthesized output (`cdktf.out/` or `--output`), read
 * as `cdktf synth` wrote it. `manifest.json` lists the stacks and each one's
 * `cdk.tf.json`; in that JSON, every SecureLambda's record (`"//".metadata.secureLambda`)
 * names its secrets, and the AWS provider block says where Terraform deploys them.
 * Nothing is guessed from a naming convention or a configuration file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CLI_RECORD_FORMAT,
  CLI_RECORD_KEY,
  type CliExternalSecretRecord,
  type CliFunctionRecord,
  type CliParameterRecord,
  type CliSecretKeyRecord,
} from "../common/cli-record";
import { SECRET_STORES } from "../common/naming";
import { isPlainObject } from "../common/values";
import { CliError, EXIT, shownArgument } from "./errors";
import { checkRecord, type ProviderScope } from "./record-check";

/** cdktf's own default, as `cdktf synth --output` and `"output"` in cdktf.json override it. */
export const DEFAULT_OUTPUT = "cdktf.out";

/** One synthesized stack. */
export interface SynthesizedStack {
  readonly name: string;
  /** Its `cdk.tf.json`. */
  readonly file: string;
  /** Every SecureLambda of the stack, as its record names it (none: the stack has none). */
  readonly functions: readonly CliFunctionRecord[];
  /** The stack's default (unaliased) AWS provider block, as synthesized; undefined when it has none. */
  readonly provider: Readonly<Record<string, unknown>> | undefined;
}

/** An app's synthesized output. */
export interface Synthesis {
  /** The directory, as given (for messages). */
  readonly outdir: string;
  readonly stacks: readonly SynthesizedStack[];
}

const SYNTH_FIRST = "run cdktf synth first (in the secure-lambda repository: npm run synth)";
const SYNTH_AGAIN = "run cdktf synth again";

/**
 * The output directory the CLI reads when `--output` is not given: `"output"` of the
 * cdktf.json in the working directory, as the cdktf CLI itself reads it, else cdktf.out.
 */
export function defaultOutput(cwd: string): string {
  try {
    const config: unknown = JSON.parse(fs.readFileSync(path.join(cwd, "cdktf.json"), "utf8"));
    if (isPlainObject(config) && typeof config.output === "string" && config.output !== "") return config.output;
  } catch {
    // No cdktf.json (or not JSON): cdktf's default.
  }
  return DEFAULT_OUTPUT;
}

/**
 * Reads the synthesized app in `outdir` (relative to `cwd`). A missing or incomplete
 * synthesis is a usage error saying to synthesize, never a stack trace.
 */
export function readSynthesis(outdir: string, cwd: string): Synthesis {
  const dir = path.resolve(cwd, outdir);
  const shown = shownArgument(outdir);
  const manifestFile = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestFile)) {
    throw new CliError(
      `no synthesized app in ${shown} (it has no manifest.json): ${SYNTH_FIRST}, or name the app's output with --output <dir>`,
    );
  }
  const manifest = readJson(manifestFile);
  const stacks = isPlainObject(manifest) && isPlainObject(manifest.stacks) ? manifest.stacks : undefined;
  if (!stacks) throw new CliError(`${shown}/manifest.json is not a cdktf manifest: ${SYNTH_AGAIN}`);
  return { outdir, stacks: Object.entries(stacks).map(([name, entry]) => readStack(dir, shown, name, entry)) };
}

function readStack(dir: string, shown: string, name: string, entry: unknown): SynthesizedStack {
  const relative =
    isPlainObject(entry) && typeof entry.synthesizedStackPath === "string" ? entry.synthesizedStackPath : undefined;
  if (relative === undefined)
    throw new CliError(`${shown}/manifest.json names no file for stack ${shownArgument(name)}: ${SYNTH_AGAIN}`);
  if (relative.endsWith(".tf")) {
    throw new CliError(
      `stack ${shownArgument(name)} was synthesized as HCL (cdktf synth --hcl); the CLI reads the JSON synthesis: run cdktf synth without --hcl`,
    );
  }
  const file = path.join(dir, relative);
  if (!fs.existsSync(file))
    throw new CliError(
      `stack ${shownArgument(name)}: ${shown}/${relative} is missing, so the synthesis is incomplete: ${SYNTH_AGAIN}`,
    );
  const json = readJson(file);
  if (!isPlainObject(json))
    throw new CliError(
      `stack ${shownArgument(name)}: ${shown}/${relative} is not a Terraform JSON configuration: ${SYNTH_AGAIN}`,
    );
  const provider = defaultAwsProvider(json);
  // The record is a comment Terraform ignores: it is used only as far as the resources bear it out.
  const functions = checkRecord(name, json, recordOf(name, json), providerScope(provider));
  return { name, file, functions, provider };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    // A file being written by a synth running now, or cut short by one that failed.
    throw new CliError(`${path.basename(file)} of the synthesized app is not valid JSON: ${SYNTH_AGAIN}`);
  }
}

/** The functions of the stack's record; none when it holds no SecureLambda. */
function recordOf(stack: string, json: Record<string, unknown>): CliFunctionRecord[] {
  const meta = isPlainObject(json["//"]) && isPlainObject(json["//"].metadata) ? json["//"].metadata : {};
  const record = meta[CLI_RECORD_KEY];
  if (record === undefined) return [];
  const stale = () =>
    new CliError(
      `stack ${shownArgument(stack)} was synthesized by another version of secure-lambda (its record is not format ${CLI_RECORD_FORMAT}): ${SYNTH_AGAIN} with the secure-lambda this CLI belongs to`,
    );
  if (!isPlainObject(record) || record.format !== CLI_RECORD_FORMAT || !Array.isArray(record.functions)) throw stale();
  return record.functions.map((fn: unknown) => {
    if (!isFunctionRecord(fn)) throw stale();
    return fn;
  });
}

function isFunctionRecord(value: unknown): value is CliFunctionRecord {
  if (!isPlainObject(value) || !Array.isArray(value.secrets)) return false;
  const { constructPath, functionName, store, kmsKey } = value;
  const strings = [constructPath, functionName, kmsKey].every((v) => typeof v === "string");
  if (!strings || !(SECRET_STORES as readonly unknown[]).includes(store)) return false;
  const external = value.externalSecrets;
  const replicas = value.replicaRegions;
  if (external !== undefined && !(Array.isArray(external) && external.every(isExternalRecord))) return false;
  if (replicas !== undefined && !(Array.isArray(replicas) && replicas.every((r) => typeof r === "string")))
    return false;
  return value.secrets.every((secret: unknown) =>
    store === "ssm" ? isParameterRecord(secret) : isSecretKeyRecord(secret),
  );
}

function isExternalRecord(value: unknown): value is CliExternalSecretRecord {
  return (
    isPlainObject(value) &&
    typeof value.name === "string" &&
    typeof value.arn === "string" &&
    typeof value.keyArn === "string"
  );
}

function isParameterRecord(value: unknown): value is CliParameterRecord {
  return isPlainObject(value) && typeof value.name === "string" && typeof value.parameterName === "string";
}

function isSecretKeyRecord(value: unknown): value is CliSecretKeyRecord {
  return (
    isPlainObject(value) &&
    typeof value.name === "string" &&
    typeof value.secretId === "string" &&
    typeof value.key === "string"
  );
}

/** The `provider.aws` block without an `alias`: the one SecureLambda's resources use. */
function defaultAwsProvider(json: Record<string, unknown>): Record<string, unknown> | undefined {
  const providers = isPlainObject(json.provider) ? json.provider.aws : undefined;
  const blocks = Array.isArray(providers) ? providers : providers === undefined ? [] : [providers];
  return blocks.find((block): block is Record<string, unknown> => isPlainObject(block) && block.alias === undefined);
}

/** The literal region and account lists of the provider, as far as the synthesis holds them. */
function providerScope(provider: Record<string, unknown> | undefined): ProviderScope {
  const literal = (value: unknown): value is string => typeof value === "string" && !value.includes("${");
  const accounts = (value: unknown): string[] => (Array.isArray(value) ? value.filter(literal) : []);
  return {
    region: literal(provider?.region) ? provider.region : undefined,
    allowedAccountIds: accounts(provider?.allowed_account_ids),
    forbiddenAccountIds: accounts(provider?.forbidden_account_ids),
  };
}

/** The stack of that name, or a usage error listing the stacks that hold SecureLambdas. */
export function findStack(synthesis: Synthesis, name: string | undefined): SynthesizedStack {
  const stack = synthesis.stacks.find((s) => s.name === name);
  if (!stack) {
    throw new CliError(
      `unknown stack ${shownArgument(name)} in ${shownArgument(synthesis.outdir)}; ${knownStacks(synthesis)}`,
    );
  }
  if (stack.functions.length === 0) {
    throw new CliError(`stack ${shownArgument(name)} holds no SecureLambda; ${knownStacks(synthesis)}`);
  }
  return stack;
}

/** The stacks that hold SecureLambdas; a usage error when none does. */
export function stacksWithSecrets(synthesis: Synthesis): SynthesizedStack[] {
  const stacks = synthesis.stacks.filter((s) => s.functions.length > 0);
  if (stacks.length === 0) {
    throw new CliError(
      `no stack in ${shownArgument(synthesis.outdir)} holds a SecureLambda record: the app has none, or it was synthesized by a secure-lambda too old to write it (${SYNTH_AGAIN})`,
      EXIT.usage,
    );
  }
  return stacks;
}

function knownStacks(synthesis: Synthesis): string {
  const names = synthesis.stacks.filter((s) => s.functions.length > 0).map((s) => s.name);
  return names.length > 0
    ? `stacks with SecureLambdas: ${names.join(", ")} (a stack added since the last synth needs cdktf synth again)`
    : "no stack holds a SecureLambda";
}
