/**
 * The benchmark's construct overhead compares SecureLambda with `bare`, the same resources written
 * by hand (`bench/synth-stack.ts`). The ratio means the construct's own work only while both write
 * the same blocks: `bench/same-resources.ts` checks that in every `npm run bench`, and this test
 * checks it here, and that the check sees a difference when there is one. Both sides run in pairs
 * whose order alternates, each pair's two runs kept together for its ratio.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { alternatingPairs } from "../bench/measure";
import { blockDifferences } from "../bench/same-resources";

const ROOT = path.join(__dirname, "..");

function synthesized(mode: "construct" | "bare", outdir: string): string {
  const run = spawnSync(
    process.execPath,
    ["-r", path.join(ROOT, "scripts", "register.cjs"), path.join(ROOT, "bench", "synth-stack.ts"), mode, "2", outdir],
    { cwd: ROOT, encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`synth-stack ${mode}: ${run.stderr}`);
  return path.join(outdir, "stacks", "bench", "cdk.tf.json");
}

describe("the benchmark's baseline", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-baseline-"));
  const construct = synthesized("construct", path.join(dir, "construct"));
  const bare = synthesized("bare", path.join(dir, "bare"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("bare writes the blocks the construct writes, addresses aside", () => {
    expect(blockDifferences(construct, bare)).toEqual([]);
  });

  test("a difference in any argument, statement or block count is reported", () => {
    const json = JSON.parse(fs.readFileSync(bare, "utf8"));
    const edit = (change: (copy: Record<string, any>) => void): string[] => {
      const copy = structuredClone(json);
      change(copy);
      const file = path.join(dir, "edited.tf.json");
      fs.writeFileSync(file, JSON.stringify(copy));
      return blockDifferences(construct, file);
    };
    const first = (type: string) => (copy: Record<string, any>) => Object.values(copy.resource[type])[0] as any;
    expect(
      edit((c) => {
        const policy = first("aws_iam_role_policy")(c);
        policy.policy = policy.policy.replace('"Sid":"WriteTraces",', "");
      }),
    ).toEqual([expect.stringMatching(/^resource\.aws_iam_role_policy: /)]);
    expect(
      edit((c) => {
        first("aws_lambda_function")(c).timeout = 11;
      }),
    ).toEqual([expect.stringMatching(/^resource\.aws_lambda_function: /)]);
    expect(
      edit((c) => {
        const fn = first("aws_lambda_function")(c);
        fn.kms_key_arn = fn.kms_key_arn.replace("aws_kms_key", "aws_kms_alias");
      }),
    ).toEqual([expect.stringMatching(/^resource\.aws_lambda_function: /)]);
    expect(
      edit((c) => {
        const name = Object.keys(c.resource.aws_kms_alias)[0]!;
        delete c.resource.aws_kms_alias[name];
      }),
    ).toEqual(["resource.aws_kms_alias: 2 blocks against 1"]);
    expect(edit((c) => delete c.terraform.required_version)).toEqual([expect.stringMatching(/^terraform: /)]);
  });
});

test("the pairs alternate which side runs first, and keep each pair's two runs together", () => {
  const order: string[] = [];
  let run = 0;
  const side = (name: string) => () => {
    order.push(name);
    run += 1;
    return run;
  };
  const pairs = alternatingPairs(4, side("construct"), side("bare"));
  expect(order).toEqual(["bare", "construct", "construct", "bare", "bare", "construct", "construct", "bare"]);
  expect(pairs).toEqual([
    { base: 1, measured: 2 },
    { measured: 3, base: 4 },
    { base: 5, measured: 6 },
    { measured: 7, base: 8 },
  ]);
});
