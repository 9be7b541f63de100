/**
 * The deploy policy (npm run audit -- --deployer <env>) held against real runs: for every
 * environment, the real Terraform and AWS provider apply, re-apply, plan, refresh, update
 * (new code, a changed tag) and destroy the stack against moto, through a recording proxy
 * (the re-apply and the refresh for dev and stg only: see LEAN)
 * on loopback. Every IAM request a recorded call makes must be allowed by the policy the
 * audit writes for that environment, and every action the policy allows must have been
 * asked for by some call: the policy is observed, not guessed.
 */
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutBucketVersioningCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RecordedRequest } from "../../audit/deployer/api-calls";
import { compareWithRuns, type ObservedComparison } from "../../audit/deployer/observed";
import { deployerPolicy } from "../../audit/deployer/policy";
import { loadTools, startMoto, type Moto, type Run, type Tools } from "../../cli/real-tools";
import { environments, type EnvironmentConfig } from "../../config/environments";
import { PLACEHOLDER_VALUE } from "../../common/naming";
import { DeployedStack } from "./helpers/deployed-stack";
import { withFirstStatementRenamed, withNewCode } from "./helpers/recorded-runs";
import { CleanUp, ConcurrentRuns } from "./helpers/concurrent-runs";
import { startRecordingProxy, type RecordingProxy } from "./helpers/recording-proxy";
import { editJson, terraformAsync } from "./helpers/terraform-async";

const ENVIRONMENTS = ["dev", "stg", "prod", "local"] as const;
type Env = (typeof ENVIRONMENTS)[number];
/**
 * The environments whose life leaves out the re-apply and the refresh. Each of those is a Terraform
 * run that starts the provider, and they read what the plan reads: dev (SSM) and stg (Secrets
 * Manager) still record both, for each store; prod (SSM, its S3 state read and written by every
 * phase) and local (SSM in another region) record the rest of their life.
 */
const LEAN: ReadonlySet<Env> = new Set(["prod", "local"]);
/** The four environments' runs at once, on two cores: minutes each, slower together. */
const RECORDING_BUDGET_MS = 30 * 60_000;

/** What one environment's runs recorded, phase by phase. */
interface EnvironmentRuns {
  readonly stack: DeployedStack;
  readonly phases: ReadonlyArray<{ readonly phase: string; readonly calls: number; readonly ms: number }>;
  readonly recorded: readonly RecordedRequest[];
  readonly comparison: ObservedComparison;
  readonly prodDestroyRefusal?: Run;
}

let tools: Tools;
const runs = new ConcurrentRuns<EnvironmentRuns>();
const cleanup = new CleanUp();

/** The state bucket of prod, created in moto directly (setup, not the deployer's doing). */
async function createStateBucket(moto: Moto, config: EnvironmentConfig): Promise<void> {
  const s3 = new S3Client({
    region: config.region,
    endpoint: moto.url,
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const Bucket = config.stateBackend!.bucket;
  await s3.send(
    new CreateBucketCommand({
      Bucket,
      CreateBucketConfiguration: { LocationConstraint: config.region as BucketLocationConstraint },
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
}

/**
 * A new release, as a changed app would synthesize it: the function's zip gains a file (and
 * `source_code_hash` follows), a tag more on every resource (the provider's default_tags),
 * the dead-letter queue keeps messages 7 days instead of 14, and the key policy changes (a
 * statement renamed: what adding a function to a shared key does to it).
 */
function newRelease(stack: DeployedStack, tag: Record<string, string>): void {
  editJson(stack, (json) => {
    withNewCode(stack, json);
    for (const queue of Object.values(json.resource.aws_sqs_queue ?? {}) as Array<Record<string, unknown>>)
      queue.message_retention_seconds = 7 * 24 * 3600;
    for (const key of Object.values(json.resource.aws_kms_key) as Array<Record<string, string>>)
      key.policy = withFirstStatementRenamed(key.policy!);
    Object.assign(json.provider.aws[0].default_tags[0].tags, tag);
  });
}

function withoutTag(stack: DeployedStack, name: string): void {
  editJson(stack, (json) => {
    delete json.provider.aws[0].default_tags[0].tags[name];
  });
}

async function recordEnvironment(env: Env): Promise<EnvironmentRuns> {
  const config: EnvironmentConfig = environments[env];
  const moto = await startMoto(tools, config.accountId ? { accountId: config.accountId } : {});
  cleanup.push(() => moto.stop());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `secure-lambda-recording-${env}-`));
  const proxy: RecordingProxy = await startRecordingProxy(moto.url, path.join(dir, "calls.jsonl"));
  cleanup.push(() => proxy.stop());
  // The provider (and prod's S3 backend) reach moto only through the proxy.
  const through: Moto = { ...moto, url: proxy.url, port: proxy.port };
  let stack: DeployedStack;
  if (config.protected) {
    await createStateBucket(moto, config);
    stack = DeployedStack.synthesizeUnchecked(tools, through, env, config);
    editJson(stack, (json) => {
      Object.assign(json.terraform.backend.s3, {
        endpoints: { s3: proxy.url, sts: proxy.url, iam: proxy.url },
        use_path_style: true,
        skip_metadata_api_check: true,
      });
    });
  } else {
    stack = DeployedStack.synthesize(tools, through, env, config);
  }
  cleanup.push(() => {
    // DEPLOYER_RECORDINGS_DIR keeps each environment's recording (identifiers only) to review.
    const keep = process.env.DEPLOYER_RECORDINGS_DIR;
    if (keep) fs.copyFileSync(path.join(dir, "calls.jsonl"), path.join(keep, `${env}.jsonl`));
    if (!process.env.KEEP_DEPLOY_DIRS) {
      stack.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  // The policy of the stack as the app synthesizes it (the copy applied differs only in endpoints and the provider
  // pin).
  const policy = deployerPolicy({
    name: env,
    json: JSON.parse(fs.readFileSync(path.join(stack.stackDir, "cdk.tf.json"), "utf8")),
  });

  const phases: Array<{ phase: string; calls: number; ms: number }> = [];
  const phase = async (name: string, work: () => Promise<unknown>) => {
    const before = proxy.recorded().length;
    const started = Date.now();
    await work();
    phases.push({ phase: name, calls: proxy.recorded().length - before, ms: Date.now() - started });
  };
  const apply = () => terraformAsync(stack, ["apply", "-auto-approve", "-input=false", "-no-color"]);
  let prodDestroyRefusal: Run | undefined;
  await phase("init", () => terraformAsync(stack, ["init", "-input=false", "-no-color"]));
  await phase("apply", apply);
  const lean = LEAN.has(env);
  if (!lean) await phase("re-apply", apply);
  await phase("plan", () => terraformAsync(stack, ["plan", "-input=false", "-no-color"], [0]));
  if (!lean)
    await phase("refresh", () =>
      terraformAsync(stack, ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"]),
    );
  newRelease(stack, { release: "2" });
  await phase("update (new code, a tag added, queue retention, key policy)", apply);
  withoutTag(stack, "release");
  await phase("update (the tag removed)", apply);
  if (config.protected) {
    // prevent_destroy refuses the whole destroy; what it does not protect is destroyed by target.
    await phase("destroy (refused)", async () => {
      prodDestroyRefusal = await terraformAsync(stack, ["destroy", "-auto-approve", "-input=false", "-no-color"], [1]);
    });
    const state = (await terraformAsync(stack, ["state", "list"])).stdout
      .split("\n")
      .filter((a) => a.startsWith("aws_"));
    const protectedTypes = ["aws_kms_key.", "aws_ssm_parameter.", "aws_secretsmanager_secret."];
    const targets = state.filter(
      (address) =>
        !protectedTypes.some((type) => address.startsWith(type)) &&
        !address.startsWith("aws_secretsmanager_secret_version."),
    );
    await phase("destroy (what prevent_destroy does not protect)", () =>
      terraformAsync(stack, [
        "destroy",
        "-auto-approve",
        "-input=false",
        "-no-color",
        ...targets.map((t) => `-target=${t}`),
      ]),
    );
  } else {
    await phase("destroy", () => terraformAsync(stack, ["destroy", "-auto-approve", "-input=false", "-no-color"]));
  }
  const recorded = proxy.recorded();
  const comparison = await compareWithRuns(
    policy,
    { name: env, json: JSON.parse(fs.readFileSync(path.join(stack.stackDir, "cdk.tf.json"), "utf8")) },
    recorded,
  );
  return { stack, phases, recorded, comparison, prodDestroyRefusal };
}

beforeAll(async () => {
  tools = loadTools();
  await runs.run(Object.fromEntries(ENVIRONMENTS.map((env) => [env, () => recordEnvironment(env)])));
  for (const [env, run] of runs.succeeded()) {
    process.stdout.write(
      `${env}: ${run.phases.map((p) => `${p.phase} ${p.calls} calls ${(p.ms / 1000).toFixed(1)} s`).join("; ")}\n`,
    );
    // What the provider called, and how often: the log says what the policy rests on.
    const counts = new Map<string, number>();
    for (const call of run.comparison.calls) counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
    process.stdout.write(
      `${env} calls: ${[...counts.entries()]
        .sort()
        .map(([operation, n]) => `${operation} ${n}`)
        .join(", ")}\n`,
    );
  }
}, RECORDING_BUDGET_MS);

afterAll(() => cleanup.run());

const runsOf = (env: Env) => runs.get(env);

describe.each(ENVIRONMENTS)("%s", (env) => {
  test("the runs went through the recording proxy: every phase made calls, each one mapped to what it asks IAM", () => {
    const { phases, comparison } = runsOf(env);
    for (const p of phases.filter((p) => p.phase !== "init")) expect([p.phase, p.calls > 0]).toEqual([p.phase, true]);
    expect(comparison.calls.length).toBeGreaterThan(0);
  });

  test("the recording holds identifiers only: not even the placeholder the provider wrote", () => {
    const { recorded } = runsOf(env);
    expect(recorded.map((r) => JSON.stringify(r)).join("\n")).not.toContain(PLACEHOLDER_VALUE);
    // The request fields that carry values, code or policies are never kept.
    const carriers = [
      "Value",
      "SecretString",
      "ZipFile",
      "Code",
      "Environment",
      "Policy",
      "PolicyDocument",
      "AssumeRolePolicyDocument",
    ];
    expect(recorded.flatMap((r) => Object.keys(r.body).filter((field) => carriers.includes(field)))).toEqual([]);
  });

  test("every request a real run made is allowed by the environment's deploy policy", () => {
    const { comparison } = runsOf(env);
    expect(comparison.denied).toEqual([]);
  });

  test("every action the deploy policy allows was asked for by some run: nothing in it is guessed", () => {
    expect(runsOf(env).comparison.unexercised).toEqual([]);
  });
});

test("prod: destroy is refused by prevent_destroy, and its deploy policy never asks to delete a protected resource", () => {
  const prod = runsOf("prod");
  expect(prod.prodDestroyRefusal?.stderr).toMatch(/prevent_destroy/);
  const operations = new Set(prod.comparison.calls.map((c) => c.operation));
  for (const deletion of ["ssm:DeleteParameter", "kms:ScheduleKeyDeletion"])
    expect([deletion, operations.has(deletion)]).toEqual([deletion, false]);
});
