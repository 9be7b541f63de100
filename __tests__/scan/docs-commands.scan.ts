/**
 * docs/audit.md's commands, run as written with the tools: the audit's and the scan's in this
 * repository (after `npm run synth`, as CONTRIBUTING's quick start has it), and the scanner
 * pipeline of "In your own pipeline", as a CI step (bash -e), in a directory holding a
 * synthesis of this repository's app: it exits 0 having run Checkov's checks on every
 * environment and Trivy on each stack; with the dev stack's key rotation off it exits 1.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTools } from "../../cli/real-tools";
import { buildApp } from "../../main";
import { docBlocks, ROOT, shellCommands } from "../helpers/doc-blocks";

const blocks = docBlocks().filter((b) => b.file === "docs/audit.md" && b.kind === "scan");
const commandBlocks = blocks.filter((b) => !b.body.includes("checkov"));
const pipeline = blocks.filter((b) => b.body.includes("checkov"));
const ENVIRONMENTS = ["dev", "stg", "prod", "local"];

const tools = loadTools();
const env = {
  ...process.env,
  CHECKPOINT_DISABLE: "1",
  PATH: `${path.dirname(tools.checkov ?? "")}:${path.dirname(tools.trivy ?? "")}:${process.env.PATH}`,
};

function bash(script: string, cwd: string) {
  const run = spawnSync("bash", ["-eo", "pipefail", "-c", script], { cwd, env, encoding: "utf8", maxBuffer: 64 << 20 });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

/** A directory holding `cdktf.out/`, the app synthesized, with `edit` applied to the dev stack. */
function appDir(edit: (dev: any) => void = () => {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docs-pipeline-"));
  const outdir = path.join(dir, "cdktf.out");
  buildApp({ outdir }).synth();
  const file = path.join(outdir, "stacks", "dev", "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return dir;
}

beforeAll(() => {
  expect(bash("npm run synth", ROOT).code).toBe(0);
}, 120_000);

test("docs/audit.md has the audit's, the scan's and the pipeline's blocks", () => {
  expect([commandBlocks.length, pipeline.length]).toEqual([2, 1]);
});

test.each(commandBlocks.flatMap((b) => shellCommands(b.body).map((c) => [`docs/audit.md:${b.line}`, c] as const)))(
  "%s: %s exits 0",
  (_, command) => {
    const run = bash(command, ROOT);
    expect({ command, code: run.code, out: run.code === 0 ? "" : run.out.slice(-3000) }).toEqual({
      command,
      code: 0,
      out: "",
    });
  },
  300_000,
);

test("the pipeline exits 0 on the app, with Checkov's checks on every environment and Trivy scanning each stack", () => {
  const run = bash(pipeline[0]!.body, appDir());
  expect([run.code, run.out.slice(-3000)]).toEqual([0, expect.anything()]);
  const summary = /Passed checks: (\d+), Failed checks: (\d+), Skipped checks: \d+(, Parsing errors: \d+)?/.exec(
    run.out,
  );
  expect(summary).not.toBeNull();
  expect(Number(summary![1])).toBeGreaterThan(100);
  expect(summary![3]).toBeUndefined();
  for (const name of ENVIRONMENTS) {
    const checks = run.out.split("\n").filter((l) => l.trim().startsWith(`File: /${name}/cdk.tf.json`)).length;
    expect({ name, enough: checks >= 25 }).toEqual({ name, enough: true });
    // Trivy's table: `0` is a stack scanned clean, `-` one it did not scan.
    expect(run.out).toMatch(new RegExp(`│ stacks/${name}/cdk\\.tf\\.json +│ terraform │ +0 +│`));
  }
}, 300_000);

test("the pipeline exits non-zero when the dev stack's key has rotation off", () => {
  const run = bash(
    pipeline[0]!.body,
    appDir((dev) => {
      for (const key of Object.values(dev.resource.aws_kms_key) as Array<Record<string, unknown>>)
        key.enable_key_rotation = false;
    }),
  );
  expect(run.code).not.toBe(0);
  expect(run.out).toMatch(/FAILED for resource: resource\.notifier-dev_Key/);
}, 300_000);
