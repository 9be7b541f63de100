/**
 * The proof knows the declared readers: on the seed 004 app (a function and the web servers'
 * instance role reading one Secrets Manager secret) with a reader of another account, each
 * declared reader shows as allowed with exactly its actions and nobody else is let in; a
 * reader granted by hand beside the construct, or a declared grant widened by hand, is a finding.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type AuditReport, auditStacks } from "../audit/audit";
import { formatAccess } from "../audit/report";
import { readSynthesizedStacks, type StackJson, type SynthesizedStack } from "../audit/terraform-json";
import { ParameterTier, SecureLambda } from "../constructs";
import { App, AwsProvider, IamRole, IamRolePolicy, TerraformStack } from "../constructs/tf";
import { synthReadersApp } from "./helpers/readers-stack";
import { buildSeedApp, SEED_ACCOUNT } from "./helpers/seed-004-app";
import { HELLO_ENTRY } from "./helpers/synth";

const ROOT = path.join(__dirname, "..");
const PARTNER = "210987654321";
const PARTNER_READER = `arn:aws:iam::${PARTNER}:role/reporting`;
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The seed app (with the partner's reader), plus `extra`, synthesized into a directory of its own. */
function synthSeed(extra?: (app: ReturnType<typeof buildSeedApp>) => void): {
  dir: string;
  stacks: SynthesizedStack[];
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-readers-"));
  dirs.push(dir);
  const app = new App({ outdir: dir });
  const seed = buildSeedApp(app, { otherReaders: [PARTNER_READER] });
  extra?.(seed);
  app.synth();
  return { dir, stacks: readSynthesizedStacks(dir) };
}

/** The readers' accesses as `<principal> <action> <resource kind>`, sorted. */
function readerRows(report: AuditReport): string[] {
  return (report.access.readers ?? [])
    .map((r) => `${r.principal.replace(/ \(.*$/, "")} ${r.action} ${r.resource.split(" ")[0]}`)
    .sort();
}

const EXPECTED_READERS = [
  `${PARTNER_READER} kms:Decrypt key`,
  `${PARTNER_READER} secretsmanager:GetSecretValue secret`,
  "role web kms:Decrypt key",
  "role web secretsmanager:GetSecretValue secret",
];

let seed: { dir: string; stacks: SynthesizedStack[] };
let report: AuditReport;

beforeAll(async () => {
  seed = synthSeed();
  report = await auditStacks(seed.stacks);
}, 120_000);

/** The seed stack's JSON changed by `change`, audited. */
async function auditChanged(change: (json: any) => void): Promise<AuditReport> {
  const copies = seed.stacks.map((s) => ({ ...s, json: structuredClone(s.json) as StackJson }));
  change(copies[0]!.json);
  return auditStacks(copies);
}

function keyPolicyOf(json: any): { name: string; policy: any } {
  const [name, key] = Object.entries(json.resource.aws_kms_key as Record<string, any>)[0]!;
  return { name, policy: JSON.parse(key.policy) };
}

function setKeyPolicy(json: any, policy: any): void {
  const { name } = keyPolicyOf(json);
  json.resource.aws_kms_key[name].policy = JSON.stringify(policy);
}

describe("the seed 004 app with a partner's reader", () => {
  test("each declared reader is allowed exactly its actions, and nobody else is let in", () => {
    expect(report.access.findings).toEqual([]);
    expect(report.unread).toEqual([]);
    expect(readerRows(report)).toEqual(EXPECTED_READERS);
    expect(report.ok).toBe(true);
  });

  test("the report shows both readers allowed and nobody beyond the intended readers", () => {
    const text = formatAccess(report);
    expect(text).toContain("nobody beyond the intended readers");
    expect(text).toMatch(
      /READER seed004 \/ payments: role web \(seed004: aws_iam_role\.web\) may secretsmanager:GetSecretValue/,
    );
    expect(text).toContain(`READER seed004 / payments: ${PARTNER_READER} (outside the app) may kms:Decrypt`);
  });

  test("npm run audit on it exits 0 and prints the readers", () => {
    const run = spawnSync(
      process.execPath,
      [
        "-r",
        path.join(ROOT, "scripts", "register.cjs"),
        path.join(ROOT, "audit", "cli.ts"),
        "--no-scan",
        "--synthesized",
        seed.dir,
        "seed004",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.match(/^ {2}READER /gm)).toHaveLength(4);
    expect(run.stdout).toContain("access: ");
    expect(run.stdout).toMatch(/access: \d+ requests, 0 findings/);
  }, 120_000);
});

describe("what stays a finding", () => {
  test("a reader granted by hand beside the construct", async () => {
    const { stacks } = synthSeed(({ stack, payments }) => {
      const batch = new IamRole(stack, "batch", {
        name: "batch",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      });
      new IamRolePolicy(stack, "batch-reads", {
        role: batch.id,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: payments.secret!.arn },
            { Effect: "Allow", Action: "kms:Decrypt", Resource: payments.key.keyArn },
          ],
        }),
      });
    });
    const changed = await auditStacks(stacks);
    const rows = changed.access.findings.map((f) => `${f.principal.replace(/ \(.*$/, "")} ${f.action}`);
    expect(rows).toEqual(
      expect.arrayContaining(["role batch secretsmanager:GetSecretValue", "role batch kms:Decrypt"]),
    );
    expect(readerRows(changed)).toEqual(EXPECTED_READERS);
  }, 120_000);

  test("a declared reader given a further action by hand", async () => {
    const { stacks } = synthSeed(({ stack, payments, web }) => {
      new IamRolePolicy(stack, "web-writes", {
        role: web.id,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "secretsmanager:PutSecretValue", Resource: payments.secret!.arn }],
        }),
      });
    });
    const changed = await auditStacks(stacks);
    expect(changed.access.findings.map((f) => `${f.principal.replace(/ \(.*$/, "")} ${f.action}`)).toEqual([
      "role web secretsmanager:PutSecretValue",
    ]);
  }, 120_000);

  test("the reader's key statement without the encryption context", async () => {
    const changed = await auditChanged((json) => {
      const { policy } = keyPolicyOf(json);
      for (const statement of policy.Statement)
        if (/^Reader/.test(statement.Sid)) delete statement.Condition.StringLike;
      setKeyPolicy(json, policy);
    });
    expect(
      changed.access.findings.map(
        (f) => `${f.principal.replace(/ \(.*$/, "")} ${f.action} ${f.resource.split(" ")[0]}`,
      ),
    ).toEqual(expect.arrayContaining([`${PARTNER_READER} kms:Decrypt key`]));
  }, 120_000);

  test("the partner's grants widened to its account root", async () => {
    const changed = await auditChanged((json) => {
      const root = `arn:aws:iam::${PARTNER}:root`;
      const { policy } = keyPolicyOf(json);
      for (const statement of policy.Statement)
        if (statement.Principal?.AWS === PARTNER_READER) statement.Principal.AWS = root;
      setKeyPolicy(json, policy);
      for (const body of Object.values(json.resource.aws_secretsmanager_secret_policy as Record<string, any>))
        body.policy = body.policy.replaceAll(PARTNER_READER, root);
    });
    const rows = changed.access.findings.map((f) => `${f.principal} ${f.action}`);
    expect(rows).toEqual(
      expect.arrayContaining([
        `any principal of account ${PARTNER} kms:Decrypt`,
        `any principal of account ${PARTNER} secretsmanager:GetSecretValue`,
      ]),
    );
  }, 120_000);

  test("the declared readers' record names no principal the policies do not grant: a record edited by hand grants nothing", async () => {
    const changed = await auditChanged((json) => {
      json["//"].metadata.secureLambdaReaders.push({
        constructPath: "seed004/payments",
        functionName: "payments",
        grantee: `arn:aws:iam::${SEED_ACCOUNT}:role/nobody`,
      });
    });
    expect(changed.access.findings).toEqual([]);
    expect(readerRows(changed)).toEqual(EXPECTED_READERS);
  }, 120_000);
});

test("the partner's secret policy without AWSCURRENT is a finding", async () => {
  const changed = await auditChanged((json) => {
    for (const body of Object.values(json.resource.aws_secretsmanager_secret_policy as Record<string, any>)) {
      const policy = JSON.parse(body.policy);
      for (const statement of policy.Statement) delete statement.Condition;
      body.policy = JSON.stringify(policy);
    }
  });
  expect(changed.access.findings.map((f) => `${f.principal.replace(/ \(.*$/, "")} ${f.action}`)).toEqual([
    `${PARTNER_READER} secretsmanager:GetSecretValue`,
  ]);
}, 120_000);

describe("SSM parameters read by a principal of this account and shared with a partner", () => {
  const LOCAL_READER = `arn:aws:iam::${SEED_ACCOUNT}:role/billing`;
  let dir: string;
  let stacks: SynthesizedStack[];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-readers-ssm-"));
    dirs.push(dir);
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, "ssm");
    new AwsProvider(stack, "aws", { region: "eu-west-1", allowedAccountIds: [SEED_ACCOUNT] });
    const fn = new SecureLambda(stack, "notifier", {
      functionName: "notifier",
      entry: HELLO_ENTRY,
      secrets: ["token", "webhook"],
      parameterTier: ParameterTier.ADVANCED,
    });
    fn.grantSecretsRead(LOCAL_READER);
    fn.grantSecretsRead(PARTNER_READER);
    app.synth();
    stacks = readSynthesizedStacks(dir);
  });

  test("each reader may read and decrypt the parameters; RAM's account-wide share is the one finding, ciphertext only", async () => {
    const audited = await auditStacks(stacks);
    const rows = (audited.access.readers ?? []).map(
      (r) => `${r.principal.replace(/ \(.*$/, "")} ${r.action} ${r.resource.split(" ")[0]}`,
    );
    // The partner reads through the RAM share and the key policy; the principal of this account
    // reads the parameters through its own IAM policy (the output its owner attaches, outside the
    // output the audit reads), and decrypts through the key policy, which names it.
    expect([...new Set(rows)].sort()).toEqual([
      `${LOCAL_READER} kms:Decrypt key`,
      `${PARTNER_READER} kms:Decrypt key`,
      `${PARTNER_READER} ssm:GetParameter parameter`,
      `${PARTNER_READER} ssm:GetParameters parameter`,
    ]);
    // RAM shares a parameter with an account, not a role: any principal of the partner may fetch
    // the ciphertext, and only the declared reader may decrypt it (the key policy names it alone).
    const findings = audited.access.findings.map((f) => `${f.principal} ${f.action} ${f.resource.split(" ")[0]}`);
    expect([...new Set(findings)].sort()).toEqual([
      `any principal of account ${PARTNER} ssm:GetParameter parameter`,
      `any principal of account ${PARTNER} ssm:GetParameters parameter`,
    ]);
  }, 120_000);

  test("the reader's key statement without the parameters' encryption context is a finding", async () => {
    const copies = stacks.map((s) => ({ ...s, json: structuredClone(s.json) as StackJson }));
    const json = copies[0]!.json as any;
    const { policy } = keyPolicyOf(json);
    for (const statement of policy.Statement)
      if (/^Reader/.test(statement.Sid)) delete statement.Condition.StringEquals["kms:EncryptionContext:PARAMETER_ARN"];
    setKeyPolicy(json, policy);
    const changed = await auditStacks(copies);
    const findings = changed.access.findings.map((f) => `${f.principal.replace(/ \(.*$/, "")} ${f.action}`);
    expect(findings).toEqual(expect.arrayContaining([`${LOCAL_READER} kms:Decrypt`, `${PARTNER_READER} kms:Decrypt`]));
  }, 120_000);
});

describe("a reader of a replicated secret (grantSecretsRead with replicaRegions)", () => {
  let stacks: SynthesizedStack[];
  const rows = (audited: AuditReport, kind: "readers" | "findings") =>
    ((kind === "readers" ? audited.access.readers : audited.access.findings) ?? []).map(
      (r) =>
        `${r.principal.replace(/ \(.*$/, "")} ${r.action} ${r.resource.split(" ")[1]!.split(":").slice(2, 4).join(":")}`,
    );
  const replicaKeyOf = (json: any): [string, any] =>
    Object.entries(json.resource.aws_kms_key as Record<string, any>).find(([k]) => k.includes("Replicas"))!;

  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-readers-replicas-"));
    dirs.push(dir);
    synthReadersApp(dir, ["readers-dev"]);
    stacks = readSynthesizedStacks(dir);
  });

  test("reads the secret and its replica, each under its own region's key, and nothing else", async () => {
    const audited = await auditStacks(stacks);
    const secretRows = rows(audited, "readers").filter((row) => / (secretsmanager|kms):/.test(row));
    expect([...new Set(secretRows)].sort()).toEqual([
      `${PARTNER_READER} kms:Decrypt kms:eu-central-1`,
      `${PARTNER_READER} kms:Decrypt kms:eu-west-1`,
      `${PARTNER_READER} secretsmanager:GetSecretValue secretsmanager:eu-central-1`,
      `${PARTNER_READER} secretsmanager:GetSecretValue secretsmanager:eu-west-1`,
    ]);
    expect(rows(audited, "findings").filter((row) => !row.includes(" ssm:"))).toEqual([]);
    // What its owner attaches names the replica by pattern, and its key only through Secrets Manager there.
    const output = (stacks[0]!.json as any).output["readers-dev-replicated-reader-210987654321-role-reporting"];
    const statements = JSON.parse(output.value).Statement;
    expect(statements[0].Resource[1]).toMatch(
      /:secretsmanager:eu-central-1:.*:secret:readers-dev-replicated\/secrets-\?{6}$/,
    );
    expect(statements[2]).toMatchObject({
      Sid: "DecryptGrantedSecretReplicaInEuCentral1ThroughSecretsManager",
      Action: ["kms:Decrypt"],
      Condition: { StringEquals: { "kms:ViaService": expect.stringMatching(/^secretsmanager\.eu-central-1\./) } },
    });
  }, 120_000);

  test("the replica key's reader statement without the encryption context is a finding, in the replica's region", async () => {
    const copies = stacks.map((s) => ({ ...s, json: structuredClone(s.json) as StackJson }));
    const [name, key] = replicaKeyOf(copies[0]!.json);
    const policy = JSON.parse(key.policy);
    for (const statement of policy.Statement) if (/^Reader/.test(statement.Sid)) delete statement.Condition.StringLike;
    (copies[0]!.json as any).resource.aws_kms_key[name].policy = JSON.stringify(policy);
    const audited = await auditStacks(copies);
    expect(rows(audited, "findings")).toEqual(
      expect.arrayContaining([`${PARTNER_READER} kms:Decrypt kms:eu-central-1`]),
    );
  }, 120_000);

  test("a role of the stack granted on a replicated secret: its attached policy names the replica, and the audit reads it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-readers-replicas-role-"));
    dirs.push(dir);
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, "replicated");
    new AwsProvider(stack, "aws", { region: "eu-west-1", allowedAccountIds: [SEED_ACCOUNT] });
    const web = new IamRole(stack, "web", {
      name: "web",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    new SecureLambda(stack, "payments", {
      functionName: "payments",
      entry: HELLO_ENTRY,
      secrets: ["stripe_key"],
      store: "secretsmanager",
      replicaRegions: ["eu-central-1"],
    }).grantSecretsRead(web.arn);
    app.synth();
    const audited = await auditStacks(readSynthesizedStacks(dir));
    expect(audited.access.findings).toEqual([]);
    expect([...new Set(rows(audited, "readers"))].sort()).toEqual([
      "role web kms:Decrypt kms:eu-central-1",
      "role web kms:Decrypt kms:eu-west-1",
      "role web secretsmanager:GetSecretValue secretsmanager:eu-central-1",
      "role web secretsmanager:GetSecretValue secretsmanager:eu-west-1",
    ]);
  }, 120_000);
});
