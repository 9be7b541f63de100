/**
 * The deploy policy of a stack whose secrets have other readers and replicas, held against
 * real runs: a Secrets Manager secret replicated to a second region (a key there) with a
 * resource policy for a role of another account, and SSM parameters of the advanced tier shared
 * with that account through RAM. The real Terraform and AWS provider apply, plan, update (new
 * code, a tag added and removed, the secret's policy and the key policy changed) and destroy it
 * against moto through the recording proxy, which answers RAM's requests with the stand-in of
 * ram-server.ts (moto serves no AssociateResourceShare). Every IAM request a call
 * makes must be allowed by the policy `--deployer` writes for the stack, and every action the
 * policy allows must have been asked for by a call. This is how the calls of these resource
 * types were recorded (audit/deployer/grants.ts).
 */
import type { RecordedRequest } from "../../audit/deployer/api-calls";
import type { ObservedComparison } from "../../audit/deployer/observed";
import { PLACEHOLDER_VALUE } from "../../common/naming";
import { READERS_ACCOUNT, synthReadersApp } from "../helpers/readers-stack";
import { CleanUp } from "./helpers/concurrent-runs";
import { recordDeployRuns, type RecordedRuns, withFirstStatementRenamed } from "./helpers/recorded-runs";

const NAME = "readers-dev";
const BUDGET_MS = 20 * 60_000;

let phases: RecordedRuns["phases"] = [];
let recorded: readonly RecordedRequest[] = [];
let comparison: ObservedComparison;
const cleanup = new CleanUp();

beforeAll(async () => {
  ({ phases, recorded, comparison } = await recordDeployRuns(
    {
      name: NAME,
      synth: (outdir, endpoint) => synthReadersApp(outdir, [NAME], endpoint),
      ramStandInAccount: READERS_ACCOUNT,
      lean: true,
      // The key policies and the secret's policy a renamed statement.
      release: {
        what: "the key and secret policies",
        edit: (json) => {
          for (const key of Object.values(json.resource.aws_kms_key) as Array<Record<string, string>>)
            key.policy = withFirstStatementRenamed(key.policy!);
          for (const policy of Object.values(json.resource.aws_secretsmanager_secret_policy) as Array<
            Record<string, string>
          >)
            policy.policy = withFirstStatementRenamed(policy.policy!);
        },
      },
    },
    cleanup,
  ));
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
