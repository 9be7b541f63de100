/**
 * The access analysis: each ordinary change a reviewer might add to a SecureLambda stack (a
 * partner account, CI, a second service, another stack's attachment), applied to two different
 * stacks, fails the audit with a finding that names the principal, the resource and the
 * Terraform address of the policy that grants it. The example app and the triggers stack stay clean.
 *
 * The changes are written here as a reviewer would write them, apart from the analysis: it
 * derives its questions from whatever the policies name, never from this list.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type AuditReport, auditStacks } from "../audit/audit";
import type { AccessFinding } from "../audit/access/analysis";
import { readSynthesizedStacks, type StackJson, type SynthesizedStack } from "../audit/terraform-json";
import { SecureLambda } from "../constructs";
import { App, AwsProvider, SnsTopic, TerraformStack } from "../constructs/tf";
import { buildApp } from "../main";
import { HELLO_ENTRY } from "./helpers/synth";

const PARTNER = "444455556666";
let outdir: string;
let stacks: SynthesizedStack[];
let clean: AuditReport;

beforeAll(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-access-"));
  buildApp({ outdir }).synth();
  stacks = readSynthesizedStacks(outdir);
  clean = await auditStacks(stacks);
}, 60_000);

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

/** What a change needs to know of the stack it changes. */
interface Names {
  readonly stack: string;
  readonly account: string;
  readonly region: string;
  readonly role: string;
  readonly roleName: string;
  readonly fn: string;
  readonly fnName: string;
  readonly fnArn: string;
  readonly key: string;
  /** `${...arn}` of what the function reads: its first parameter, or its secret. */
  readonly store: string;
  readonly storeRead: string;
}

function namesOf(stack: string, json: any): Names {
  const only = (type: string) => {
    const [name] = Object.keys(json.resource[type] ?? {});
    return name;
  };
  const fn = only("aws_lambda_function")!;
  const fnName = json.resource.aws_lambda_function[fn].function_name;
  const role = only("aws_iam_role")!;
  const provider = json.provider.aws[0];
  const account = provider.allowed_account_ids?.[0] ?? "123456789012";
  const region = provider.region;
  const parameter = only("aws_ssm_parameter");
  const secret = only("aws_secretsmanager_secret");
  return {
    stack,
    account,
    region,
    role,
    roleName: json.resource.aws_iam_role[role].name,
    fn,
    fnName,
    fnArn: `arn:aws:lambda:${region}:${account}:function:${fnName}`,
    key: only("aws_kms_key")!,
    store: parameter ? `\${aws_ssm_parameter.${parameter}.arn}` : `\${aws_secretsmanager_secret.${secret}.arn}`,
    storeRead: parameter ? "ssm:GetParameter" : "secretsmanager:GetSecretValue",
  };
}

/** The app with `change` applied to stack `name` (and, through `others`, to the other stacks), audited whole. */
async function widened(
  name: string,
  change: (json: any, n: Names, others: Map<string, any>) => void,
): Promise<AccessFinding[]> {
  const copies = stacks.map((s) => ({ ...s, json: structuredClone(s.json) as StackJson }));
  const json = copies.find((s) => s.name === name)!.json as any;
  const others = new Map(copies.filter((s) => s.name !== name).map((s) => [s.name, s.json as any]));
  change(json, namesOf(name, json), others);
  const report = await auditStacks(copies);
  expect(report.errors).toEqual([]);
  expect(report.ok).toBe(false);
  return [...report.access.findings];
}

const policy = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const addStatement = (holder: any, attribute: string, statement: object) => {
  const document = JSON.parse(holder[attribute]);
  document.Statement.push(statement);
  holder[attribute] = JSON.stringify(document);
};
const add = (json: any, type: string, name: string, body: object) => {
  json.resource[type] = { ...json.resource[type], [name]: body };
};

interface Widening {
  readonly what: string;
  readonly stacks: readonly string[];
  readonly change: (json: any, n: Names, others: Map<string, any>) => void;
  /** The finding it must produce: principal, resource and granting address, each a pattern. */
  readonly finding: (n: Names) => { principal: RegExp; resource: RegExp; grantedBy: RegExp; action?: RegExp };
}

const esc = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

const trust =
  (statement: object): Widening["change"] =>
  (json, n) =>
    addStatement(json.resource.aws_iam_role[n.role], "assume_role_policy", statement);
const keyPolicy =
  (statement: object): Widening["change"] =>
  (json, n) =>
    addStatement(json.resource.aws_kms_key[n.key], "policy", statement);
const roleFinding = (principal: RegExp) => (n: Names) => ({
  principal,
  resource: esc(`role arn:aws:iam::${n.account}:role/${n.roleName}`),
  grantedBy: esc(`${n.stack}: aws_iam_role.${n.role}.assume_role_policy`),
});
const keyFinding = (principal: RegExp, grantedBy: (n: Names) => string) => (n: Names) => ({
  principal,
  resource: /^key arn:aws:kms:/,
  grantedBy: esc(grantedBy(n)),
  action: /^kms:Decrypt$/,
});
const identityReads = (n: Names) =>
  policy({
    Effect: "Allow",
    Action: [n.storeRead, "kms:Decrypt"],
    Resource: [n.store, `\${aws_kms_key.${n.key}.arn}`],
  });

const WIDENINGS: Record<string, Widening[]> = {
  "the trust of the function's role": [
    {
      what: "another service (states.amazonaws.com)",
      stacks: ["dev", "stg"],
      change: trust({ Effect: "Allow", Principal: { Service: "states.amazonaws.com" }, Action: "sts:AssumeRole" }),
      finding: roleFinding(/^states\.amazonaws\.com$/),
    },
    {
      what: "a named role of this account",
      stacks: ["dev", "prod"],
      change: (json, n, others) =>
        trust({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${n.account}:role/ci` }, Action: "sts:AssumeRole" })(
          json,
          n,
          others,
        ),
      finding: roleFinding(/role\/ci \(outside the app\)/),
    },
    {
      what: '"*" with aws:PrincipalOrgID',
      stacks: ["dev", "stg"],
      change: trust({
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123def4" } },
      }),
      finding: roleFinding(/^any principal of account \d{12}$/),
    },
    {
      what: "GitHub's OIDC provider (sts:AssumeRoleWithWebIdentity)",
      stacks: ["dev", "prod"],
      change: (json, n, others) =>
        trust({
          Effect: "Allow",
          Principal: { Federated: `arn:aws:iam::${n.account}:oidc-provider/token.actions.githubusercontent.com` },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
            StringLike: { "token.actions.githubusercontent.com:sub": "repo:example-org/*" },
          },
        })(json, n, others),
      finding: roleFinding(/oidc-provider\/token\.actions\.githubusercontent\.com$/),
    },
    {
      what: "a partner account",
      stacks: ["stg", "prod"],
      change: trust({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: "sts:AssumeRole" }),
      finding: roleFinding(esc(`any principal of account ${PARTNER}`)),
    },
  ],
  "the key shared": [
    {
      what: "an aws_kms_grant to another principal",
      stacks: ["dev", "stg"],
      change: (json, n) =>
        add(json, "aws_kms_grant", "partner", {
          name: "partner",
          key_id: `\${aws_kms_key.${n.key}.key_id}`,
          grantee_principal: `arn:aws:iam::${PARTNER}:role/reader`,
          operations: ["Decrypt"],
        }),
      finding: keyFinding(esc(`arn:aws:iam::${PARTNER}:role/reader`), (n) => `${n.stack}: aws_kms_grant.partner`),
    },
    {
      what: "a statement added through aws_kms_key_policy",
      stacks: ["dev", "prod"],
      change: (json, n) => {
        const document = JSON.parse(json.resource.aws_kms_key[n.key].policy);
        document.Statement.push({
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${PARTNER}:root` },
          Action: "kms:Decrypt",
          Resource: "*",
        });
        add(json, "aws_kms_key_policy", "extra", {
          key_id: `\${aws_kms_key.${n.key}.id}`,
          policy: JSON.stringify(document),
        });
      },
      finding: keyFinding(esc(`any principal of account ${PARTNER}`), (n) => `${n.stack}: aws_kms_key_policy.extra`),
    },
    {
      what: '"*" under aws:SecureTransport',
      stacks: ["stg", "prod"],
      change: keyPolicy({
        Effect: "Allow",
        Principal: "*",
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { Bool: { "aws:SecureTransport": "true" } },
      }),
      finding: keyFinding(/^any principal of account \d{12}$/, (n) => `${n.stack}: aws_kms_key.${n.key}.policy`),
    },
    {
      what: "a partner account's statement in the key policy",
      stacks: ["dev", "stg"],
      change: keyPolicy({
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${PARTNER}:root` },
        Action: ["kms:Decrypt", "kms:DescribeKey"],
        Resource: "*",
      }),
      finding: keyFinding(esc(`any principal of account ${PARTNER}`), (n) => `${n.stack}: aws_kms_key.${n.key}.policy`),
    },
  ],
  "the store's resource policies": [
    {
      what: "an aws_secretsmanager_secret_policy for a partner account",
      stacks: ["stg"],
      change: (json, n) =>
        add(json, "aws_secretsmanager_secret_policy", "partner", {
          secret_arn: n.store,
          policy: policy({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${PARTNER}:root` },
            Action: "secretsmanager:GetSecretValue",
            Resource: "*",
          }),
        }),
      finding: (n) => ({
        principal: esc(`any principal of account ${PARTNER}`),
        resource: /^secret arn:aws:secretsmanager:/,
        grantedBy: esc(`${n.stack}: aws_secretsmanager_secret_policy.partner`),
      }),
    },
    {
      what: "a parameter shared through AWS RAM",
      stacks: ["dev", "prod"],
      change: (json, n) => {
        add(json, "aws_ram_resource_share", "share", { name: "share" });
        add(json, "aws_ram_resource_association", "parameter", {
          resource_arn: n.store,
          resource_share_arn: "${aws_ram_resource_share.share.arn}",
        });
        add(json, "aws_ram_principal_association", "partner", {
          principal: PARTNER,
          resource_share_arn: "${aws_ram_resource_share.share.arn}",
        });
      },
      finding: (n) => ({
        principal: esc(`any principal of account ${PARTNER}`),
        resource: /^parameter arn:aws:ssm:/,
        grantedBy: esc(`${n.stack}: aws_ram_principal_association.partner`),
      }),
    },
  ],
  "who may invoke": [
    {
      what: "an aws_lambda_permission to an account id",
      stacks: ["dev", "stg"],
      change: (json, n) =>
        add(json, "aws_lambda_permission", "partner", {
          action: "lambda:InvokeFunction",
          function_name: `\${aws_lambda_function.${n.fn}.function_name}`,
          principal: PARTNER,
        }),
      finding: (n) => ({
        principal: esc(`any principal of account ${PARTNER}`),
        resource: esc(`function ${n.fnArn}`),
        grantedBy: esc(`${n.stack}: aws_lambda_permission.partner`),
      }),
    },
    {
      what: 'an aws_lambda_permission to "*" with principal_org_id',
      stacks: ["dev", "prod"],
      change: (json, n) =>
        add(json, "aws_lambda_permission", "org", {
          action: "lambda:InvokeFunction",
          function_name: `\${aws_lambda_function.${n.fn}.function_name}`,
          principal: "*",
          principal_org_id: "o-abc123def4",
        }),
      finding: (n) => ({
        principal: /^any principal of account \d{12}$/,
        resource: esc(`function ${n.fnArn}`),
        grantedBy: esc(`${n.stack}: aws_lambda_permission.org`),
      }),
    },
    {
      what: "a permission naming the function by partial ARN",
      stacks: ["stg", "prod"],
      change: (json, n) =>
        add(json, "aws_lambda_permission", "partial", {
          action: "lambda:InvokeFunction",
          function_name: `${n.account}:function:${n.fnName}`,
          principal: PARTNER,
        }),
      finding: (n) => ({
        principal: esc(`any principal of account ${PARTNER}`),
        resource: esc(`function ${n.fnArn}`),
        grantedBy: esc(`${n.stack}: aws_lambda_permission.partial`),
      }),
    },
    {
      what: "a permission naming the function by an alias",
      stacks: ["dev", "stg"],
      change: (json, n) => {
        add(json, "aws_lambda_alias", "live", {
          name: "live",
          function_name: `\${aws_lambda_function.${n.fn}.function_name}`,
          function_version: "$LATEST",
        });
        add(json, "aws_lambda_permission", "alias", {
          action: "lambda:InvokeFunction",
          function_name: "${aws_lambda_alias.live.arn}",
          principal: PARTNER,
        });
      },
      finding: (n) => ({
        principal: esc(`any principal of account ${PARTNER}`),
        resource: esc(`function ${n.fnArn}:live`),
        grantedBy: esc(`${n.stack}: aws_lambda_permission.alias`),
      }),
    },
    {
      what: "a URL that takes unsigned requests",
      stacks: ["dev", "prod"],
      change: (json, n) =>
        add(json, "aws_lambda_function_url", "open", {
          function_name: `\${aws_lambda_function.${n.fn}.function_name}`,
          authorization_type: "NONE",
        }),
      finding: (n) => ({
        principal: /^anyone, unsigned$/,
        resource: esc(`function ${n.fnArn}`),
        grantedBy: esc(`${n.stack}: aws_lambda_function_url.open`),
      }),
    },
    {
      what: "a user's own schedule whose role also trusts the account root",
      stacks: ["dev", "stg"],
      change: (json, n) => userSchedule(json, n, `\${aws_lambda_function.${n.fn}.arn}`, "root"),
      finding: (n) => ({
        principal: /^any principal of account \d{12}$/,
        resource: esc(`invoking role arn:aws:iam::${n.account}:role/user-schedule`),
        grantedBy: esc(`${n.stack}: aws_iam_role.user_schedule.assume_role_policy`),
      }),
    },
    {
      what: "a user's own schedule that targets an alias, its role trusting Scheduler for any account",
      stacks: ["stg", "prod"],
      change: (json, n) => {
        add(json, "aws_lambda_alias", "live", {
          name: "live",
          function_name: `\${aws_lambda_function.${n.fn}.function_name}`,
          function_version: "$LATEST",
        });
        userSchedule(json, n, "${aws_lambda_alias.live.arn}", "any account");
      },
      finding: (n) => ({
        principal: /^scheduler\.amazonaws\.com$/,
        resource: esc(`invoking role arn:aws:iam::${n.account}:role/user-schedule`),
        grantedBy: esc(`${n.stack}: aws_iam_role.user_schedule.assume_role_policy`),
      }),
    },
  ],
  "the role's own policies": [
    {
      what: "a grant on * in another region",
      stacks: ["dev", "local"],
      change: (json, n) =>
        addStatement(Object.values(json.resource.aws_iam_role_policy)[0], "policy", {
          Effect: "Allow",
          Action: "ssm:GetParameter",
          Resource: `arn:aws:ssm:${n.region === "us-east-1" ? "eu-west-1" : "us-east-1"}:*:parameter/*`,
        }),
      finding: (n) => ({
        principal: esc(`role ${n.roleName} `),
        resource: esc(`parameter arn:aws:ssm:${n.region === "us-east-1" ? "eu-west-1" : "us-east-1"}:`),
        grantedBy: /: aws_iam_role_policy\./,
      }),
    },
    {
      what: "a statement conditioned on aws:RequestedRegion",
      stacks: ["dev", "stg"],
      change: (json) =>
        addStatement(Object.values(json.resource.aws_iam_role_policy)[0], "policy", {
          Effect: "Allow",
          Action: "ssm:GetParameter",
          Resource: "*",
          Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
        }),
      finding: (n) => ({
        principal: esc(`role ${n.roleName} `),
        resource: /^parameter arn:aws:ssm:us-east-1:/,
        grantedBy: /: aws_iam_role_policy\./,
      }),
    },
  ],
  "identity policies elsewhere in the app": [
    {
      what: "an aws_iam_user_policy",
      stacks: ["dev", "stg"],
      change: (json, n) => {
        add(json, "aws_iam_user", "ci", { name: "ci" });
        add(json, "aws_iam_user_policy", "ci", { user: "${aws_iam_user.ci.name}", policy: identityReads(n) });
      },
      finding: (n) => ({
        principal: /^user ci /,
        resource: /^(parameter|secret|key) /,
        grantedBy: esc(`${n.stack}: aws_iam_user_policy.ci`),
      }),
    },
    {
      what: "an aws_iam_group_policy",
      stacks: ["dev", "prod"],
      change: (json, n) => {
        add(json, "aws_iam_user", "ci", { name: "ci" });
        add(json, "aws_iam_group", "readers", { name: "readers" });
        add(json, "aws_iam_group_membership", "readers", {
          name: "readers",
          group: "${aws_iam_group.readers.name}",
          users: ["${aws_iam_user.ci.name}"],
        });
        add(json, "aws_iam_group_policy", "readers", {
          group: "${aws_iam_group.readers.name}",
          policy: identityReads(n),
        });
      },
      finding: (n) => ({
        principal: /^user ci /,
        resource: /^(parameter|secret|key) /,
        grantedBy: esc(`${n.stack}: aws_iam_group_policy.readers`),
      }),
    },
    {
      what: "another role's policy in the same stack",
      stacks: ["stg", "prod"],
      change: (json, n) => {
        add(json, "aws_iam_role", "batch", {
          name: "batch",
          assume_role_policy: policy({
            Effect: "Allow",
            Principal: { Service: "ec2.amazonaws.com" },
            Action: "sts:AssumeRole",
          }),
        });
        add(json, "aws_iam_role_policy", "batch", { role: "${aws_iam_role.batch.name}", policy: identityReads(n) });
      },
      finding: (n) => ({
        principal: /^role batch /,
        resource: /^(parameter|secret|key) /,
        grantedBy: esc(`${n.stack}: aws_iam_role_policy.batch`),
      }),
    },
    {
      what: "AdministratorAccess attached to the function's role by another stack of the app",
      stacks: ["dev", "stg"],
      change: (_json, n, others) => {
        const other = [...others.values()].find((json) => json.provider.aws[0].allowed_account_ids === undefined);
        add(other, "aws_iam_role_policy_attachment", "admin", {
          role: n.roleName,
          policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess",
        });
      },
      finding: (n) => ({
        principal: esc(`role ${n.roleName} `),
        resource: /^key /,
        grantedBy: /: aws_iam_role_policy_attachment\.admin \(attaches AWS managed AdministratorAccess\)/,
        action: /^kms:PutKeyPolicy$/,
      }),
    },
  ],
};

/** A user's own schedule of the function (or an alias of it), with a role of its own, widened as `widening` says. */
function userSchedule(json: any, n: Names, target: string, widening: "root" | "any account"): void {
  add(json, "aws_iam_role", "user_schedule", {
    name: "user-schedule",
    assume_role_policy: policy(
      {
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Action: "sts:AssumeRole",
        ...(widening === "any account" ? {} : { Condition: { StringEquals: { "aws:SourceAccount": n.account } } }),
      },
      ...(widening === "root"
        ? [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${n.account}:root` }, Action: "sts:AssumeRole" }]
        : []),
    ),
  });
  add(json, "aws_iam_role_policy", "user_schedule", {
    role: "${aws_iam_role.user_schedule.name}",
    policy: policy({ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: target }),
  });
  add(json, "aws_scheduler_schedule", "user_schedule", {
    name: "user-schedule",
    schedule_expression: "rate(1 day)",
    flexible_time_window: { mode: "OFF" },
    target: { arn: target, role_arn: "${aws_iam_role.user_schedule.arn}" },
  });
}

test("the example app is clean: nobody beyond the intended readers, nothing unread", () => {
  expect(clean.access.findings).toEqual([]);
  expect(clean.unread).toEqual([]);
  expect(clean.ok).toBe(true);
});

test("a stack with the construct's own schedule and topic trigger is clean", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-access-triggers-"));
  try {
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, "triggers");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new SecureLambda(stack, "scheduled", {
      functionName: "scheduled",
      entry: HELLO_ENTRY,
      schedule: { expression: "rate(1 hour)" },
    });
    const topic = new SnsTopic(stack, "alarms", { name: "alarms" });
    new SecureLambda(stack, "alerted", { functionName: "alerted", entry: HELLO_ENTRY, snsTopicArns: [topic.arn] });
    app.synth();
    const report = await auditStacks(readSynthesizedStacks(dir));
    expect(report.access.findings).toEqual([]);
    expect(report.unread).toEqual([]);
    expect(report.ok).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

for (const [kind, widenings] of Object.entries(WIDENINGS)) {
  describe(kind, () => {
    const cases = widenings.flatMap((w) => w.stacks.map((stack) => [w.what, stack, w] as const));
    test.each(cases)(
      "%s (stack %s) is a finding naming principal, resource and granting address",
      async (_, stack, w) => {
        const findings = await widened(stack, w.change);
        const copies = stacks.map((s) => ({ ...s, json: structuredClone(s.json) as StackJson }));
        const expected = w.finding(namesOf(stack, copies.find((s) => s.name === stack)!.json));
        const matching = findings.filter(
          (f) =>
            expected.principal.test(f.principal) &&
            expected.resource.test(f.resource) &&
            (expected.action === undefined || expected.action.test(f.action)) &&
            f.grantedBy.some((address) => expected.grantedBy.test(address)),
        );
        if (matching.length === 0)
          throw new Error(
            `no finding like ${JSON.stringify(expected, (_k, v) => (v instanceof RegExp ? String(v) : v))}; found:\n` +
              findings.map((f) => `${f.principal} ${f.action} ${f.resource} by ${f.grantedBy.join("; ")}`).join("\n"),
          );
      },
    );
  });
}

describe("fail closed", () => {
  /** The app with `change` applied to stack `name`, audited whole. */
  async function auditChanged(
    name: string,
    change: (json: any, n: Names) => void,
    only?: readonly string[],
  ): Promise<AuditReport> {
    const copies = stacks.map((s) => ({ ...s, json: structuredClone(s.json) as StackJson }));
    const json = copies.find((s) => s.name === name)!.json as any;
    change(json, namesOf(name, json));
    return auditStacks(copies, only);
  }

  test.each(["dev", "stg"])(
    "a resource naming a protected one that the analysis does not read fails, naming type and address (%s)",
    async (stack) => {
      const report = await auditChanged(stack, (json) => {
        const [group] = Object.keys(json.resource.aws_cloudwatch_log_group);
        add(json, "aws_cloudwatch_log_subscription_filter", "ship", {
          name: "ship",
          log_group_name: `\${aws_cloudwatch_log_group.${group}.name}`,
          filter_pattern: "",
          destination_arn: `arn:aws:logs:eu-west-1:${PARTNER}:destination:collector`,
        });
      });
      expect(report.ok).toBe(false);
      expect(report.unread).toEqual([
        expect.objectContaining({
          stack,
          address: "aws_cloudwatch_log_subscription_filter.ship",
          type: "aws_cloudwatch_log_subscription_filter",
        }),
      ]);
    },
  );

  test.each(["dev", "prod"])(
    "a policy-bearing type the analysis does not read fails, naming type and address (%s)",
    async (stack) => {
      const report = await auditChanged(stack, (json, n) => {
        add(json, "aws_lakeformation_permissions", "partner", {
          principal: `arn:aws:iam::${PARTNER}:root`,
          permissions: ["ALL"],
          catalog_resource: true,
          "//": { note: n.fnName },
        });
      });
      expect(report.ok).toBe(false);
      expect(report.unread).toEqual([
        expect.objectContaining({
          stack,
          address: "aws_lakeformation_permissions.partner",
          type: "aws_lakeformation_permissions",
        }),
      ]);
    },
  );

  test.each(["dev", "stg"])(
    "a policy the analysis cannot resolve in stack %s fails the audit of another stack too, naming where",
    async (stack) => {
      const report = await auditChanged(
        stack,
        (json) => {
          add(json, "aws_iam_user", "ci", { name: "ci" });
          add(json, "aws_iam_user_policy", "ci", {
            user: "${aws_iam_user.ci.name}",
            policy: "${data.aws_iam_policy_document.ci.json}",
          });
        },
        ["prod"],
      );
      expect(report.ok).toBe(false);
      expect(report.errors).toEqual([
        expect.objectContaining({
          stack,
          message: expect.stringMatching(/^\w+: aws_iam_user_policy\.ci: data\.aws_iam_policy_document\.ci /),
        }),
      ]);
    },
  );
});

test("the IAM policy engine (AGPL-3.0) stays out of the construct, the runtime and the shared code", () => {
  const root = path.join(__dirname, "..");
  const files = ["constructs", "lambda-src", "common"].flatMap((dir) =>
    (fs.readdirSync(path.join(root, dir), { recursive: true }) as string[])
      .filter((file) => file.endsWith(".ts"))
      .map((file) => path.join(dir, file)),
  );
  expect(files.length).toBeGreaterThan(20);
  const offending = files.filter((file) =>
    /@cloud-copilot|from "\.\.\/(\.\.\/)*audit\//.test(fs.readFileSync(path.join(root, file), "utf8")),
  );
  expect(offending).toEqual([]);
});
