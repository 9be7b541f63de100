/**
 * The deploy policy of a stack whose secrets have other readers and replicas, held against
 * real runs: a Secrets Manager secret replicated to a second region (a key there) with a
 * resource policy for a role of another account, and SSM parameters of the advanced tier shared
 * with that account through RAM. The real Terraform and AWS provider apply, re-apply, plan,
 * refresh, update (a tag added and removed, the secret's policy and the key policy changed) and
 * destroy it against moto through the recording proxy, which answers RAM's requests with the
 * stand-in of ram-server.ts (moto serves no AssociateResourceShare). Every IAM request a call
 * makes must be allowed by the policy `--deployer` writes for the stack, and every action the
 * policy allows must have been asked for by a call. This is how the calls of these resource
 * types were recorded (audit/deployer/grants.ts).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RecordedRequest } from "../../audit/deployer/api-calls";
import { compareWithRuns, type ObservedComparison } from "../../audit/deployer/observed";
import { deployerPolicy } from "../../audit/deployer/policy";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { PLACEHOLDER_VALUE } from "../../common/naming";
import { deterministicZip, readZip } from "../../constructs/zip";
import { READERS_ACCOUNT, synthReadersApp } from "../helpers/readers-stack";
import { DeployedStack } from "./helpers/deployed-stack";
import { CleanUp } from "./helpers/concurrent-runs";
import { startRecordingProxy } from "./helpers/recording-proxy";
import { editJson, terraformAsync } from "./helpers/terraform-async";

const NAME = "readers-dev";
const BUDGET_MS = 20 * 60_000;

let phases: Array<{ phase: string; calls: number; ms: number }> = [];
let recorded: RecordedRequest[] = [];
let comparison: ObservedComparison;
const cleanup = new CleanUp();

/**
 * A new release: the zips gain a file, every resource a tag, the key policies and the secret's
 * policy a renamed statement.
 */
function newRelease(stack: DeployedStack): void {
  editJson(stack, (json) => {
    for (const fn of Object.values(json.resource.aws_lambda_function) as Array<Record<string, string>>) {
      const zipPath = path.join(stack.stackDir, fn.filename!);
      const zip = deterministicZip([
        ...readZip(fs.readFileSync(zipPath)),
        { name: "RELEASE", data: Buffer.from("2\n") },
      ]);
      fs.writeFileSync(zipPath, zip);
      fn.source_code_hash = createHash("sha256").update(zip).digest("base64");
    }
    const renamed = (policy: string) => {
      const document = JSON.parse(policy);
      document.Statement[0].Sid = `${document.Statement[0].Sid}Release2`;
      return JSON.stringify(document);
    };
    for (const key of Object.values(json.resource.aws_kms_key) as Array<Record<string, string>>)
      key.policy = renamed(key.policy!);
    for (const policy of Object.values(json.resource.aws_secretsmanager_secret_policy) as Array<Record<string, string>>)
      policy.policy = renamed(policy.policy!);
    Object.assign(json.provider.aws[0].default_tags[0].tags, { release: "2" });
  });
}

beforeAll(async () => {
  const tools: Tools = loadTools();
  const moto = await startMoto(tools);
  cleanup.push(() => moto.stop());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-recording-readers-"));
  const proxy = await startRecordingProxy(moto.url, path.join(dir, "calls.jsonl"), {
    ramStandInAccount: READERS_ACCOUNT,
  });
  cleanup.push(() => proxy.stop());
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deploy-readers-"));
  synthReadersApp(outdir, [NAME], proxy.url);
  // The stack as synthesized (the copy applied differs only in the provider pin).
  const synthesized = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", NAME, "cdk.tf.json"), "utf8"));
  const stack = new DeployedStack(tools, { ...moto, url: proxy.url, port: proxy.port } as Moto, outdir, NAME);
  cleanup.push(() => {
    const keep = process.env.DEPLOYER_RECORDINGS_DIR;
    if (keep) fs.copyFileSync(path.join(dir, "calls.jsonl"), path.join(keep, `${NAME}.jsonl`));
    if (!process.env.KEEP_DEPLOY_DIRS) {
      stack.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const phase = async (name: string, work: () => Promise<unknown>) => {
    const before = proxy.recorded().length;
    const started = Date.now();
    await work();
    phases.push({ phase: name, calls: proxy.recorded().length - before, ms: Date.now() - started });
  };
  const apply = () => terraformAsync(stack, ["apply", "-auto-approve", "-input=false", "-no-color"]);
  phases = [];
  await phase("init", () => terraformAsync(stack, ["init", "-input=false", "-no-color"]));
  await phase("apply", apply);
  await phase("re-apply", apply);
  await phase("plan", () => terraformAsync(stack, ["plan", "-input=false", "-no-color"], [0]));
  await phase("refresh", () =>
    terraformAsync(stack, ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"]),
  );
  newRelease(stack);
  await phase("update (new code, a tag added, the key and secret policies)", apply);
  editJson(stack, (json) => {
    delete json.provider.aws[0].default_tags[0].tags.release;
  });
  await phase("update (the tag removed)", apply);
  await phase("destroy", () => terraformAsync(stack, ["destroy", "-auto-approve", "-input=false", "-no-color"]));
  recorded = proxy.recorded();
  const policy = deployerPolicy({ name: NAME, json: synthesized });
  comparison = await compareWithRuns(policy, { name: NAME, json: synthesized }, recorded);
  process.stdout.write(
    `${NAME}: ${phases.map((p) => `${p.phase} ${p.calls} calls ${(p.ms / 1000).toFixed(1)} s`).join("; ")}\n`,
  );
  const counts = new Map<string, number>();
  for (const call of comparison.calls) counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
  process.stdout.write(
    `${NAME} calls: ${[...counts.entries()]
      .sort()
      .map(([operation, n]) => `${operation} ${n}`)
      .join(", ")}\n`,
  );
}, BUDGET_MS);

afterAll(() => cleanup.run());

test("the runs went through the recording proxy: every phase made calls, the readers' and replicas' among them", () => {
  for (const p of phases.filter((p) => p.phase !== "init")) expect([p.phase, p.calls > 0]).toEqual([p.phase, true]);
  const operations = new Set(comparison.calls.map((c) => c.operation));
  for (const operation of [
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:DeleteResourcePolicy",
    "ram:CreateResourceShare",
    "ram:AssociateResourceShare",
    "ram:DisassociateResourceShare",
    "ram:DeleteResourceShare",
    "ram:TagResource",
    "ram:UntagResource",
  ])
    expect([operation, operations.has(operation)]).toEqual([operation, true]);
  // The replica region's key was made there.
  expect(comparison.calls.some((c) => c.operation === "kms:CreateKey" && c.recorded.region === "eu-central-1")).toBe(
    true,
  );
});

test("the recording holds identifiers only: not the placeholder, not a policy", () => {
  expect(recorded.map((r) => JSON.stringify(r)).join("\n")).not.toContain(PLACEHOLDER_VALUE);
  const carriers = ["Value", "SecretString", "ResourcePolicy", "Policy", "PolicyDocument", "AssumeRolePolicyDocument"];
  expect(recorded.flatMap((r) => Object.keys(r.body).filter((field) => carriers.includes(field)))).toEqual([]);
});

test("every request a real run made is allowed by the stack's deploy policy", () => {
  expect(comparison.denied).toEqual([]);
});

test("every action the deploy policy allows was asked for by some run: nothing in it is guessed", () => {
  expect(comparison.unexercised).toEqual([]);
});
