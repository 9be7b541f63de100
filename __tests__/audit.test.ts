/**
 * The permissions proof (`npm run audit`): every function of the example app gets exactly
 * the access it needs, as a real IAM policy engine evaluates its synthesized policies; and
 * each way of widening a policy makes a named request come out wrong.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { auditStacks, type AuditReport } from "../audit/audit";
import { STAND_IN_PREFIX, standInKey, standInPolicy } from "../audit/encryption-context";
import { References } from "../audit/references";
import { formatAudit } from "../audit/report";
import { STAND_IN_ACCOUNT_ID, targetOf } from "../audit/target";
import { AuditError, readSynthesizedStacks, type StackJson, type SynthesizedStack } from "../audit/terraform-json";
import { buildApp } from "../main";
import { bySid, editPolicy, onlyBody } from "./helpers/break-stack";

const ROOT = path.join(__dirname, "..");
let outdir: string;
let stacks: SynthesizedStack[];
let report: AuditReport;

beforeAll(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-test-"));
  buildApp({ outdir }).synth();
  stacks = readSynthesizedStacks(outdir);
  report = await auditStacks(stacks);
});

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

/**
 * The result of the row whose text starts with `describe`, in the audit of the notifier of `stack` (dev by default).
 */
function row(audit: AuditReport, describe: string, stack = "dev") {
  const fn = audit.functions.find((f) => f.subject.target.stack === stack);
  const found = fn?.sets.flatMap((s) => s.results).find((r) => r.check.describe.startsWith(describe));
  if (!found) throw new Error(`no row starting with ${JSON.stringify(describe)}`);
  return found;
}

/** One stack (dev by default) with its JSON changed by `change`, audited alongside the unchanged others. */
async function auditWithDev(change: (json: any) => void, name = "dev"): Promise<AuditReport> {
  const changed = stacks.map((stack) =>
    stack.name === name ? { name, json: structuredClone(stack.json) as StackJson } : stack,
  );
  change(changed.find((s) => s.name === name)!.json);
  return auditStacks(changed, [name]);
}

const rolePolicy = (json: any) => onlyBody(json, "aws_iam_role_policy");

describe("npm run audit on the example app", () => {
  test("every request of every function comes out as expected", () => {
    const unexpected = report.functions.flatMap((f) => f.sets.flatMap((s) => s.results)).filter((r) => !r.ok);
    expect(unexpected.map((r) => `${r.check.describe}: ${r.result} ${r.error ?? ""}`)).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
  });

  test("audits every function of every environment", () => {
    expect(report.functions.map((f) => `${f.subject.target.stack}/${f.subject.functionName}`).sort()).toEqual([
      "dev/notifier-dev",
      "local/notifier-local",
      "prod/notifier-prod",
      "stg/notifier-stg",
    ]);
  });

  test("asks for each of the function's own parameters what it needs, and for its neighbours' what it must not get", () => {
    for (const name of ["/notifier-dev/github_token", "/notifier-dev/slack_webhook_url"]) {
      expect(row(report, `ssm:GetParameter on own ${name}`)).toMatchObject({ result: "allowed", ok: true });
      expect(row(report, `ssm:GetParameters on own ${name}`)).toMatchObject({ result: "allowed", ok: true });
      expect(row(report, `kms:Decrypt via SSM for own ${name}`)).toMatchObject({ result: "allowed", ok: true });
    }
    for (const env of ["local", "prod"]) {
      expect(row(report, `ssm:GetParameter on another function's /notifier-${env}/github_token`)).toMatchObject({
        result: "denied",
        ok: true,
      });
    }
    for (const denied of [
      "ssm:PutParameter",
      "ssm:DeleteParameter",
      "ssm:GetParametersByPath",
      "kms:Decrypt called directly",
      "kms:Encrypt",
      "kms:ScheduleKeyDeletion",
      "logs:PutLogEvents in another function's",
      "sts:AssumeRole by ec2.amazonaws.com",
    ]) {
      expect(row(report, denied)).toMatchObject({ check: { expected: "denied" }, result: "denied" });
    }
    expect(row(report, "logs:PutLogEvents in own /aws/lambda/notifier-dev")).toMatchObject({ result: "allowed" });
    expect(row(report, "sts:AssumeRole by lambda.amazonaws.com for this account")).toMatchObject({ result: "allowed" });
  });

  test("resolves ARNs in the stand-in account when an environment names none, in the environment's region", () => {
    const dev = report.functions.find((f) => f.subject.target.stack === "dev")!.subject;
    expect(dev.target).toMatchObject({
      accountId: STAND_IN_ACCOUNT_ID,
      accountIsStandIn: true,
      region: "eu-west-1",
      partition: "aws",
    });
    expect(dev.parameters[0]!.arn).toBe(
      `arn:aws:ssm:eu-west-1:${STAND_IN_ACCOUNT_ID}:parameter/notifier-dev/github_token`,
    );
    expect(dev.parameters[0]!.key.arn).toMatch(
      new RegExp(
        `^arn:aws:kms:eu-west-1:${STAND_IN_ACCOUNT_ID}:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
      ),
    );
    expect(dev.role.sessionArn).toBe(`arn:aws:sts::${STAND_IN_ACCOUNT_ID}:assumed-role/notifier-dev/notifier-dev`);
  });

  test("prints a table per function with each request, its expectation and its result", () => {
    const text = formatAudit(report);
    expect(text).toMatch(/^dev \/ notifier-dev$/m);
    expect(text).toMatch(/^ {4}ssm:GetParameter on own \/notifier-dev\/github_token +allowed +allowed +ok$/m);
    expect(text).toMatch(/^ {4}ssm:PutParameter on own \/notifier-dev\/github_token +denied +denied +ok$/m);
    expect(text).toMatch(/^permissions: 4 functions, \d+ requests, 0 unexpected$/m);
  });

  test("prints every line of docs/audit.md's example table as it is", () => {
    const readme = fs.readFileSync(path.join(ROOT, "docs", "audit.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Prove least privilege"));
    const example = /```text\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const printed = new Set(formatAudit(report).split("\n"));
    const missing = example!.split("\n").filter((line) => line !== "" && !printed.has(line));
    expect(missing).toEqual([]);
  });
});

describe("a widened policy fails the audit on the request it lets through", () => {
  test("a parameter wildcard lets the function read another function's secrets", async () => {
    const widened = await auditWithDev((json) =>
      editPolicy(rolePolicy(json), "policy", (s) => {
        bySid(s, "ReadOwnSecretParameters").Resource = ["arn:aws:ssm:*:*:parameter/*"];
      }),
    );
    expect(widened.ok).toBe(false);
    expect(row(widened, "ssm:GetParameter on another function's /notifier-prod/github_token")).toMatchObject({
      result: "allowed",
      ok: false,
    });
    expect(row(widened, "ssm:GetParameter on a nested path")).toMatchObject({ result: "allowed", ok: false });
  });

  test("ssm:* lets the function overwrite its own secrets", async () => {
    const widened = await auditWithDev((json) =>
      editPolicy(rolePolicy(json), "policy", (s) => {
        bySid(s, "ReadOwnSecretParameters").Action = ["ssm:*"];
      }),
    );
    expect(row(widened, "ssm:PutParameter on own")).toMatchObject({ result: "allowed", ok: false });
    expect(row(widened, "ssm:GetParameterHistory on own")).toMatchObject({ result: "allowed", ok: false });
  });

  test("without kms:ViaService the function may decrypt directly", async () => {
    const widened = await auditWithDev((json) =>
      editPolicy(rolePolicy(json), "policy", (s) => {
        delete bySid(s, "DecryptOwnSecretParametersThroughSsm").Condition.StringEquals["kms:ViaService"];
      }),
    );
    expect(row(widened, "kms:Decrypt called directly")).toMatchObject({ result: "allowed", ok: false });
  });

  test("without the encryption-context condition the function may decrypt another function's parameter", async () => {
    const widened = await auditWithDev((json) =>
      editPolicy(rolePolicy(json), "policy", (s) => {
        delete bySid(s, "DecryptOwnSecretParametersThroughSsm").Condition.StringEquals[
          "kms:EncryptionContext:PARAMETER_ARN"
        ];
      }),
    );
    expect(row(widened, "kms:Decrypt via SSM for another function's")).toMatchObject({ result: "allowed", ok: false });
    expect(row(widened, "kms:Decrypt via SSM without an encryption context")).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });

  test("a log-group wildcard lets the function write other groups", async () => {
    const widened = await auditWithDev((json) =>
      editPolicy(rolePolicy(json), "policy", (s) => {
        bySid(s, "WriteOwnLogStreams").Resource = ["arn:aws:logs:*:*:log-group:/aws/lambda/*"];
      }),
    );
    expect(row(widened, "logs:PutLogEvents in another function's")).toMatchObject({ result: "allowed", ok: false });
    expect(row(widened, "logs:PutLogEvents in a sibling")).toMatchObject({ result: "allowed", ok: false });
  });

  test("a trust policy without aws:SourceAccount lets Lambda assume the role for another account", async () => {
    const widened = await auditWithDev((json) =>
      editPolicy(onlyBody(json, "aws_iam_role"), "assume_role_policy", (s) => {
        delete s[0].Condition;
      }),
    );
    expect(row(widened, "sts:AssumeRole by lambda.amazonaws.com for another account")).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });

  test("a key policy without the log-group condition lets CloudWatch Logs use the key for any group", async () => {
    const widened = await auditWithDev((json) =>
      editPolicy(onlyBody(json, "aws_kms_key"), "policy", (s) => {
        delete bySid(s, "CloudWatchLogsEncryptsOwnLogGroups").Condition;
      }),
    );
    expect(row(widened, "kms:GenerateDataKey by logs.eu-west-1.amazonaws.com for another")).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });

  test("a key policy that trusts every principal lets another account decrypt", async () => {
    const widened = await auditWithDev((json) =>
      editPolicy(onlyBody(json, "aws_kms_key"), "policy", (s) => {
        s.push({ Sid: "Everyone", Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:Decrypt"], Resource: "*" });
      }),
    );
    expect(row(widened, "kms:Decrypt by an administrator of another account")).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });
});

describe("the Secrets Manager store (stg)", () => {
  test("lets the function read and decrypt exactly its own secret", () => {
    expect(row(report, "secretsmanager:GetSecretValue of AWSCURRENT on own notifier-stg/secrets", "stg")).toMatchObject(
      { result: "allowed", ok: true },
    );
    expect(row(report, "kms:Decrypt via Secrets Manager for own notifier-stg/secrets", "stg")).toMatchObject({
      result: "allowed",
      ok: true,
    });
    for (const denied of [
      "secretsmanager:PutSecretValue",
      "secretsmanager:GetSecretValue on a sibling",
      "kms:Decrypt called directly",
      "kms:Decrypt via Secrets Manager for another",
      "ssm:GetParameter on another function's /notifier-dev/github_token",
    ]) {
      expect(row(report, denied, "stg")).toMatchObject({ check: { expected: "denied" }, result: "denied" });
    }
    // And the SSM functions may not read it.
    expect(
      row(report, "secretsmanager:GetSecretValue on another function's secret notifier-stg/secrets"),
    ).toMatchObject({ result: "denied", ok: true });
  });

  test("a secret-name wildcard lets the function read other secrets", async () => {
    const widened = await auditWithDev(
      (json) =>
        editPolicy(rolePolicy(json), "policy", (s) => {
          bySid(s, "ReadOwnSecret").Resource = ["arn:aws:secretsmanager:*:*:secret:notifier-stg*"];
        }),
      "stg",
    );
    expect(row(widened, "secretsmanager:GetSecretValue on a sibling", "stg")).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });

  test("reads only AWSCURRENT: earlier versions, the placeholder's and one named by id are denied", () => {
    for (const denied of ["of AWSPREVIOUS on own", "of the placeholder version", "by VersionId, no stage"]) {
      expect(row(report, `secretsmanager:GetSecretValue ${denied}`, "stg")).toMatchObject({
        check: { expected: "denied" },
        result: "denied",
        ok: true,
      });
    }
  });

  test("without the VersionStage condition the function may read earlier versions of its secret", async () => {
    const widened = await auditWithDev(
      (json) =>
        editPolicy(rolePolicy(json), "policy", (s) => {
          delete bySid(s, "ReadOwnSecret").Condition;
        }),
      "stg",
    );
    expect(row(widened, "secretsmanager:GetSecretValue of AWSPREVIOUS on own", "stg")).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });

  test("without the SecretARN condition the function may decrypt another secret through Secrets Manager", async () => {
    const widened = await auditWithDev(
      (json) =>
        editPolicy(rolePolicy(json), "policy", (s) => {
          delete bySid(s, "DecryptOwnSecretThroughSecretsManager").Condition.StringEquals[
            "kms:EncryptionContext:SecretARN"
          ];
        }),
      "stg",
    );
    expect(row(widened, "kms:Decrypt via Secrets Manager for another", "stg")).toMatchObject({
      result: "allowed",
      ok: false,
    });
  });
});

describe("the kms:EncryptionContext workaround", () => {
  const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const own = "arn:aws:ssm:eu-west-1:123456789012:parameter/app/token";
  const policy = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: key,
        Condition: { StringEquals: { "kms:EncryptionContext:PARAMETER_ARN": [own] } },
      },
    ],
  };
  // KMS grants nothing without a key policy; this one lets IAM policies of the account decide.
  const keyPolicy = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
    ],
  };
  const decrypt = async (policyDocument: object, context: Record<string, string>) => {
    const result = await runSimulation(
      {
        request: {
          principal: "arn:aws:sts::123456789012:assumed-role/app/app",
          action: "kms:Decrypt",
          resource: { resource: key, accountId: "123456789012" },
          contextVariables: context,
        },
        identityPolicies: [{ name: "p", policy: policyDocument }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: keyPolicy,
      },
      {},
    );
    if (result.resultType === "error") throw new Error(result.errors.message);
    return result;
  };

  test("is still needed: the engine ignores kms:EncryptionContext:<key> (delete encryption-context.ts when this fails)", async () => {
    const result = await decrypt(policy, { "kms:EncryptionContext:PARAMETER_ARN": own });
    expect(result.resultType).toBe("single");
    expect(result.resultType === "single" && result.result.ignoredContextKeys).toEqual([
      "kms:EncryptionContext:PARAMETER_ARN",
    ]);
    // The own ARN is denied: the condition was evaluated without its key.
    expect(result.overallResult).toBe("ImplicitlyDenied");
  });

  test("keeps the condition: under the stand-in key the own ARN is allowed and a wrong ARN is still denied", async () => {
    const renamed = standInPolicy(policy);
    const ownResult = await decrypt(renamed, { [standInKey("kms:EncryptionContext:PARAMETER_ARN")]: own });
    const wrong = await decrypt(renamed, {
      [standInKey("kms:EncryptionContext:PARAMETER_ARN")]: own.replace("/app/", "/other/"),
    });
    const absent = await decrypt(renamed, {});
    expect([ownResult.overallResult, wrong.overallResult, absent.overallResult]).toEqual([
      "Allowed",
      "ImplicitlyDenied",
      "ImplicitlyDenied",
    ]);
  });

  test("renames only encryption-context keys, keeping operators and values", () => {
    const document = {
      Statement: [
        {
          Effect: "Allow",
          Condition: {
            ArnEquals: { "kms:EncryptionContext:aws:logs:arn": ["a"] },
            StringEquals: { "kms:ViaService": "ssm.x", "kms:EncryptionContextKeys": "k" },
          },
        },
      ],
    };
    expect(standInPolicy(document).Statement[0]!.Condition).toEqual({
      ArnEquals: { [`${STAND_IN_PREFIX}aws:logs:arn`]: ["a"] },
      StringEquals: { "kms:ViaService": "ssm.x", "kms:EncryptionContextKeys": "k" },
    });
    expect(document.Statement[0]!.Condition.ArnEquals).toHaveProperty(["kms:EncryptionContext:aws:logs:arn"]);
  });
});

describe("resolving references", () => {
  const json: StackJson = {
    provider: { aws: [{ region: "eu-central-1", allowed_account_ids: ["111122223333"] }] },
    data: { aws_caller_identity: { me: {} }, aws_partition: { p: {} } },
    resource: {
      aws_ssm_parameter: { token: { name: "/app/token" } },
      aws_iam_role: { role: { name: "app", path: "/team/" } },
    },
  };
  const refs = new References(json, targetOf("t", json));

  test("gives the ARNs resources will have, in the configured account", () => {
    expect(refs.resolve("${aws_ssm_parameter.token.arn}", "here")).toBe(
      "arn:aws:ssm:eu-central-1:111122223333:parameter/app/token",
    );
    expect(
      refs.resolve("arn:${data.aws_partition.p.partition}:iam::${data.aws_caller_identity.me.account_id}:root", "here"),
    ).toBe("arn:aws:iam::111122223333:root");
    expect(refs.resolve("${aws_iam_role.role.arn}", "here")).toBe("arn:aws:iam::111122223333:role/team/app");
    // `$${` is Terraform's escape of a literal `${`: an IAM policy variable reaches AWS as `${aws:username}`.
    expect(refs.resolve("arn:aws:s3:::bucket/$${aws:username}/*", "here")).toBe(
      "arn:aws:s3:::bucket/${aws:username}/*",
    );
  });

  test("refuses what it cannot know rather than guess", () => {
    expect(() => refs.resolve("${aws_ssm_parameter.token.version}", "here")).toThrow(AuditError);
    expect(() => refs.resolve("${jsonencode(var.x)}", "here")).toThrow(/only plain references/);
    expect(() => refs.resolve("${aws_ssm_parameter.missing.arn}", "here")).toThrow(/not in stack t/);
  });
});

describe("what an attached policy lets through fails the audit", () => {
  test("an AWS managed policy attached to a function's role is evaluated: AWSLambdaBasicExecutionRole lets it write every log group", async () => {
    const attached = await auditWithDev((json) => {
      const [roleName] = Object.keys(json.resource.aws_iam_role);
      json.resource.aws_iam_role_policy_attachment = {
        basic: {
          role: `\${aws_iam_role.${roleName}.name}`,
          policy_arn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        },
      };
    });
    expect(attached.ok).toBe(false);
    expect(attached.errors).toEqual([]);
    expect(row(attached, "logs:PutLogEvents in another function's")).toMatchObject({ result: "allowed", ok: false });
    expect(row(attached, "logs:CreateLogGroup")).toMatchObject({ result: "allowed", ok: false });
  });
});

describe("the command", () => {
  // The permission proof alone: the posture scan after it needs the scanners (npm run test:scan runs it).
  const cli = (args: string[]) =>
    spawnSync(
      process.execPath,
      ["-r", path.join(ROOT, "scripts", "register.cjs"), path.join(ROOT, "audit", "cli.ts"), "--no-scan", ...args],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );

  test("exits 0 on the synthesized example app and 1 once a policy is widened", () => {
    expect(cli(["--synthesized", outdir, "dev"]).status).toBe(0);
    const widenedDir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-widened-"));
    try {
      fs.cpSync(outdir, widenedDir, { recursive: true });
      const file = path.join(widenedDir, "stacks", "dev", "cdk.tf.json");
      const json = JSON.parse(fs.readFileSync(file, "utf8"));
      editPolicy(rolePolicy(json), "policy", (s) => {
        bySid(s, "ReadOwnSecretParameters").Resource = ["*"];
      });
      fs.writeFileSync(file, JSON.stringify(json));
      const run = cli(["--synthesized", widenedDir, "dev"]);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(
        /ssm:GetParameter on another function's \/notifier-prod\/github_token +denied +allowed +UNEXPECTED/,
      );
    } finally {
      fs.rmSync(widenedDir, { recursive: true, force: true });
    }
  });

  test("refuses an unknown environment with exit 2, naming the known ones", () => {
    const run = cli(["--synthesized", outdir, "qa"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown environment "qa"; known: dev, local, prod, stg/);
  });
});
