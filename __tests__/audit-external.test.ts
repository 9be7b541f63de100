/**
 * The audit's proof of a function's own role knows its external secrets: exactly the grants
 * `externalSecrets` writes pass, and each widening of them (an ARN widened to `*`, no
 * kms:ViaService, no encryption context) is a failed check.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { auditStacks, type AuditReport } from "../audit/audit";
import { readSynthesizedStacks, type SynthesizedStack } from "../audit/terraform-json";
import { SecureLambda } from "../constructs";
import { App, AwsProvider, TerraformStack } from "../constructs/tf";
import { HELLO_ENTRY } from "./helpers/synth";

const PARTNER = "444455556666";
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${PARTNER}:secret:partner/token-AbCdEf`;
const KEY_ARN = `arn:aws:kms:us-east-1:${PARTNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PARAMETER_ARN = `arn:aws:ssm:eu-west-1:${PARTNER}:parameter/partner/api_key`;
const PARAMETER_KEY_ARN = `arn:aws:kms:eu-west-1:${PARTNER}:key/0123abcd-12ab-34cd-56ef-1234567890ab`;

let stacks: SynthesizedStack[];
let clean: AuditReport;

beforeAll(async () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-external-"));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "reader");
  new AwsProvider(stack, "aws", { region: "eu-west-1", allowedAccountIds: ["111122223333"] });
  new SecureLambda(stack, "reader", {
    functionName: "reader",
    entry: HELLO_ENTRY,
    secrets: ["own_token"],
    externalSecrets: [
      { name: "partner_token", arn: SECRET_ARN, keyArn: KEY_ARN },
      { name: "partner_key", arn: PARAMETER_ARN, keyArn: PARAMETER_KEY_ARN },
    ],
  });
  app.synth();
  stacks = readSynthesizedStacks(outdir);
  clean = await auditStacks(stacks);
}, 120_000);

/** The audit of a copy whose role policy `edit` changed. */
async function auditEdited(edit: (statements: any[]) => void): Promise<string[]> {
  const copy = JSON.parse(JSON.stringify(stacks[0]!.json));
  const [name] = Object.keys(copy.resource.aws_iam_role_policy);
  const policy = JSON.parse(copy.resource.aws_iam_role_policy[name!].policy);
  edit(policy.Statement);
  copy.resource.aws_iam_role_policy[name!].policy = JSON.stringify(policy);
  const report = await auditStacks([{ ...stacks[0]!, json: copy }]);
  return report.functions.flatMap((f) =>
    f.sets.flatMap((s) => s.results.filter((r) => !r.ok).map((r) => r.check.describe)),
  );
}

const external = (s: any) => s.Sid.startsWith("DecryptExternalSecrets");

test("the construct's grants pass: each external read and decrypt allowed, every wider request denied", () => {
  const fn = clean.functions.find((f) => f.subject.functionName === "reader")!;
  const set = fn.sets.find((s) => s.name === "secrets of others (external)")!;
  expect(set.results.filter((r) => !r.ok).map((r) => [r.check.describe, r.result, r.error])).toEqual([]);
  expect(
    set.results
      .filter((r) => r.check.expected === "allowed")
      .map((r) => r.check.describe)
      .sort(),
  ).toEqual(
    [
      `secretsmanager:GetSecretValue of AWSCURRENT on external ${SECRET_ARN}`,
      `kms:Decrypt via secretsmanager in us-east-1 for external ${SECRET_ARN}`,
      `ssm:GetParameter on external ${PARAMETER_ARN}`,
      `kms:Decrypt via ssm in eu-west-1 for external ${PARAMETER_ARN}`,
    ].sort(),
  );
  expect(fn.ok).toBe(true);
  expect({ errors: clean.errors, ok: clean.ok }).toEqual({ errors: [], ok: true });
});

test("an external ARN widened to * fails", async () => {
  const failed = await auditEdited((statements) => {
    statements.find((s) => s.Sid === "ReadExternalSecrets").Resource = ["*"];
  });
  expect(failed).toContain(`secretsmanager:GetSecretValue on another secret of account ${PARTNER}`);
});

test("a decrypt without kms:ViaService fails", async () => {
  const failed = await auditEdited((statements) => {
    delete statements.find(external).Condition.StringEquals["kms:ViaService"];
  });
  expect(failed).toContain(`kms:Decrypt called directly (not via secretsmanager) for external ${SECRET_ARN}`);
});

test("a decrypt without the encryption context fails", async () => {
  const failed = await auditEdited((statements) => {
    delete statements.find(external).Condition.StringEquals["kms:EncryptionContext:SecretARN"];
  });
  expect(failed).toContain("kms:Decrypt via secretsmanager for another secret with the external key");
});

test("the stage condition dropped fails", async () => {
  const failed = await auditEdited((statements) => {
    delete statements.find((s: any) => s.Sid === "ReadExternalSecrets").Condition;
  });
  expect(failed).toContain(`secretsmanager:GetSecretValue of AWSPREVIOUS on external ${SECRET_ARN}`);
});
