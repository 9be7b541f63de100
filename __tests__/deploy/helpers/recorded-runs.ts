/**
 * One stack's life recorded for the deploy policy: the real Terraform and AWS provider init,
 * apply, re-apply, plan, refresh, update (a new release, then the release's tag removed) and
 * destroy it (re-apply and refresh left out when `lean`) against moto through the recording
 * proxy, and the stack's deploy policy is held against every call
 * (audit/deployer/observed.ts). The deployer-*.deploy.ts suites differ only
 * in the stack and in what their release changes.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RecordedRequest } from "../../../audit/deployer/api-calls";
import { compareWithRuns, type ObservedComparison } from "../../../audit/deployer/observed";
import { deployerPolicy } from "../../../audit/deployer/policy";
import { loadTools, startMoto, type Moto } from "../../../cli/real-tools";
import { deterministicZip, readZip } from "../../../constructs/zip";
import type { CleanUp } from "./concurrent-runs";
import { DeployedStack } from "./deployed-stack";
import { startRecordingProxy } from "./recording-proxy";
import { editJson, terraformAsync } from "./terraform-async";

/** The tag a release adds to every resource (the provider's default_tags), and removes after. */
export const RELEASE_TAG = "release";

/** What one recorded life of a stack gave. */
export interface RecordedRuns {
  readonly phases: ReadonlyArray<{ readonly phase: string; readonly calls: number; readonly ms: number }>;
  readonly recorded: readonly RecordedRequest[];
  readonly comparison: ObservedComparison;
}

/** What to record. */
export interface RecordOptions {
  /** The stack's name (also its directory under `stacks/`). */
  readonly name: string;
  /** Synthesizes the app into `outdir`, every AWS endpoint of the stack at `endpoint`. */
  readonly synth: (outdir: string, endpoint: string) => void;
  /** What the release changes besides the new code and the tag, and how the update phase says so. */
  readonly release: { readonly what: string; readonly edit: (json: Record<string, any>) => void };
  /** Answer RAM with the stand-in of this account (see recording-proxy.ts). */
  readonly ramStandInAccount?: string;
  /**
   * Leave out the re-apply and the refresh, for a stack whose resource types the other suites
   * already record through them: the plan reads every resource as a refresh does, and each update
   * applies again. Each phase is a Terraform run that starts the provider.
   */
  readonly lean?: boolean;
}

/** A policy document with its first statement renamed: what adding a grant does to a policy. */
export function withFirstStatementRenamed(policy: string): string {
  const document = JSON.parse(policy);
  document.Statement[0].Sid = `${document.Statement[0].Sid}Release2`;
  return JSON.stringify(document);
}

/**
 * Each function's zip gains a file, and its `source_code_hash` follows: new code, as a rebuilt
 * app would synthesize it.
 */
export function withNewCode(stack: DeployedStack, json: Record<string, any>): void {
  for (const fn of Object.values(json.resource.aws_lambda_function) as Array<Record<string, string>>) {
    const zipPath = path.join(stack.stackDir, fn.filename!);
    const zip = deterministicZip([...readZip(fs.readFileSync(zipPath)), { name: "RELEASE", data: Buffer.from("2\n") }]);
    fs.writeFileSync(zipPath, zip);
    fn.source_code_hash = createHash("sha256").update(zip).digest("base64");
  }
}

/** Records the stack's life (see above); what it started is stopped and removed by `cleanup`. */
export async function recordDeployRuns(options: RecordOptions, cleanup: CleanUp): Promise<RecordedRuns> {
  const { name } = options;
  const tools = loadTools();
  const moto = await startMoto(tools);
  cleanup.push(() => moto.stop());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `secure-lambda-recording-${name}-`));
  const proxy = await startRecordingProxy(moto.url, path.join(dir, "calls.jsonl"), {
    ramStandInAccount: options.ramStandInAccount,
  });
  cleanup.push(() => proxy.stop());
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `secure-lambda-deploy-${name}-`));
  options.synth(outdir, proxy.url);
  // The stack as synthesized (the copy applied differs only in the provider pin).
  const synthesized = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
  const stack = new DeployedStack(tools, { ...moto, url: proxy.url, port: proxy.port } as Moto, outdir, name);
  cleanup.push(() => {
    const keep = process.env.DEPLOYER_RECORDINGS_DIR;
    if (keep) fs.copyFileSync(path.join(dir, "calls.jsonl"), path.join(keep, `${name}.jsonl`));
    if (!process.env.KEEP_DEPLOY_DIRS) {
      stack.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const phases: Array<{ phase: string; calls: number; ms: number }> = [];
  const phase = async (what: string, work: () => Promise<unknown>) => {
    const before = proxy.recorded().length;
    const started = Date.now();
    await work();
    phases.push({ phase: what, calls: proxy.recorded().length - before, ms: Date.now() - started });
  };
  const apply = () => terraformAsync(stack, ["apply", "-auto-approve", "-input=false", "-no-color"]);
  await phase("init", () => terraformAsync(stack, ["init", "-input=false", "-no-color"]));
  await phase("apply", apply);
  if (!options.lean) await phase("re-apply", apply);
  await phase("plan", () => terraformAsync(stack, ["plan", "-input=false", "-no-color"], [0]));
  if (!options.lean)
    await phase("refresh", () =>
      terraformAsync(stack, ["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"]),
    );
  editJson(stack, (json) => {
    withNewCode(stack, json);
    options.release.edit(json);
    Object.assign(json.provider.aws[0].default_tags[0].tags, { [RELEASE_TAG]: "2" });
  });
  await phase(`update (new code, a tag added, ${options.release.what})`, apply);
  editJson(stack, (json) => {
    delete json.provider.aws[0].default_tags[0].tags[RELEASE_TAG];
  });
  await phase("update (the tag removed)", apply);
  await phase("destroy", () => terraformAsync(stack, ["destroy", "-auto-approve", "-input=false", "-no-color"]));

  const recorded = proxy.recorded();
  const comparison = await compareWithRuns(
    deployerPolicy({ name, json: synthesized }),
    { name, json: synthesized },
    recorded,
  );
  process.stdout.write(
    `${name}: ${phases.map((p) => `${p.phase} ${p.calls} calls ${(p.ms / 1000).toFixed(1)} s`).join("; ")}\n`,
  );
  const counts = new Map<string, number>();
  for (const call of comparison.calls) counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
  process.stdout.write(
    `${name} calls: ${[...counts.entries()]
      .sort()
      .map(([operation, n]) => `${operation} ${n}`)
      .join(", ")}\n`,
  );
  return { phases, recorded, comparison };
}
