/**
 * The deploy policy (`npm run audit -- --deployer <env>`): for each example environment a
 * least-privilege IAM policy derived from the synthesized stack, scoped to its own names
 * and ARNs, "*" only where the service has no resource-level permission (each with its
 * reason), and a proof that a neighbouring function's parameter, key and role are denied.
 * Whether it matches what the provider really calls is the deploy suite's to prove
 * (__tests__/deploy/deployer-policy.deploy.ts); the comparison itself is tested here on
 * small recordings.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { analyzeCalls, UnmappedCallError, type RecordedRequest } from "../audit/deployer/api-calls";
import { compareWithRuns } from "../audit/deployer/observed";
import { NOT_OBSERVED, RESOURCE_GRANTS } from "../audit/deployer/grants";
import { deployerPolicy, type DeployerPolicy } from "../audit/deployer/policy";
import { proveDeployerPolicy } from "../audit/deployer/proof";
import { runAuditCli } from "../audit/cli";
import { isWildcardOnlyAction } from "../audit/posture/wildcard-only";
import { targetOf } from "../audit/target";
import { AuditError, readSynthesizedStacks, type StackJson, type SynthesizedStack } from "../audit/terraform-json";
import { ParameterTier, SecretsEndpoints, SecureLambda } from "../constructs";
import { type AwsProvider, IamRole, SnsTopic, type TerraformStack } from "../constructs/tf";
import { buildApp } from "../main";
import { HELLO_ENTRY, synthStack } from "./helpers/synth";
import { synthReadersApp } from "./helpers/readers-stack";
import { synthTriggersApp } from "./helpers/triggers-stack";

const ENVIRONMENTS = ["dev", "stg", "prod", "local"];
let outdir: string;
let stacks: SynthesizedStack[];
const policies = new Map<string, DeployerPolicy>();

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deployer-test-"));
  buildApp({ outdir }).synth();
  stacks = readSynthesizedStacks(outdir);
  for (const stack of stacks) policies.set(stack.name, deployerPolicy(stack));
});

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

const policyOf = (env: string) => policies.get(env)!;
const stackOf = (env: string) => stacks.find((s) => s.name === env)!;
const statements = (env: string) => policyOf(env).document.Statement;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = new PassThrough().on("data", (d: Buffer) => (stdout += d.toString()));
  const err = new PassThrough().on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await runAuditCli(args, { stdout: out, stderr: err });
  return { code, stdout, stderr };
}

describe.each(ENVIRONMENTS)("the deploy policy of %s", (env) => {
  test("names no action with a wildcard", () => {
    const actions = statements(env).flatMap((s) => s.Action);
    expect(actions.filter((a) => a.includes("*") || a.includes("?"))).toEqual([]);
  });

  test('grants "*" only for actions AWS authorizes on no resource, each named with its reason', () => {
    const unscoped = statements(env).filter((s) => s.Resource.includes("*"));
    for (const statement of unscoped) {
      expect(statement.Resource).toEqual(["*"]);
      for (const action of statement.Action) {
        // CreateKey: the key has no ARN before it exists; iam-data lists it without a resource type too.
        expect([action, isWildcardOnlyAction(action)]).toEqual([action, true]);
        expect(policyOf(env).unscoped.map((u) => u.action)).toContain(action);
      }
    }
    expect(policyOf(env).unscoped.every((u) => u.reason.length > 20)).toBe(true);
  });

  test("creates keys only tagged for this environment, and uses keys only by this environment's tags", () => {
    const tags = { "aws:ResourceTag/environment": env, "aws:ResourceTag/project": "secure-lambda" };
    for (const statement of statements(env).filter((s) => s.Resource.some((r) => r.endsWith(":key/*")))) {
      expect([statement.Sid, statement.Condition?.StringEquals]).toEqual([
        statement.Sid,
        expect.objectContaining(tags),
      ]);
    }
    const createKey = statements(env).find((s) => s.Action.includes("kms:CreateKey"))!;
    expect(createKey.Condition?.StringEquals).toEqual({
      "aws:RequestTag/environment": env,
      "aws:RequestTag/project": "secure-lambda",
    });
  });

  test("passes only the functions' roles, and only to Lambda", () => {
    const passRole = statements(env).filter((s) => s.Action.includes("iam:PassRole"));
    expect(passRole).toEqual([
      {
        Sid: "PassOwnRolesToLambdaOnly",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: [`arn:aws:iam::${policyOf(env).target.accountId}:role/notifier-${env}`],
        Condition: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } },
      },
    ]);
  });

  test("names nothing of another environment's functions", () => {
    const text = JSON.stringify(policyOf(env).document);
    for (const other of ENVIRONMENTS.filter((e) => e !== env))
      expect([other, text.includes(`notifier-${other}`)]).toEqual([other, false]);
  });

  test("the proof: own resources allowed, a neighbouring function's parameter, key and role denied", async () => {
    const proof = await proveDeployerPolicy(policyOf(env), stacks);
    expect(proof.results.filter((r) => !r.ok).map((r) => `${r.check.describe}: ${r.result} ${r.error ?? ""}`)).toEqual(
      [],
    );
    const rows = proof.results.map((r) => `${r.check.expected} ${r.check.describe}`);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^denied ssm:GetParameter on another function's \/notifier-/),
        expect.stringMatching(/^denied kms:Decrypt via SSM for another function's .* with its key$/),
        expect.stringMatching(/^denied kms:PutKeyPolicy of another function's key/),
        expect.stringMatching(/^denied iam:PassRole of another function's role notifier-/),
        expect.stringMatching(/^denied iam:PutRolePolicy on another function's role notifier-/),
        "allowed iam:PassRole of own role to Lambda",
        "denied iam:PassRole of own role to EC2",
      ]),
    );
  });

  test("the description fits IAM's 1000 characters and says whether the deployer can read the secrets", () => {
    const { description } = policyOf(env);
    expect(description.length).toBeLessThanOrEqual(1000);
    expect(description).toMatch(
      env === "stg" ? /cannot read secret values/ : /can read the environment's SSM secrets.*#42849/,
    );
  });
});

describe("what the deploy policy lets the deployer read", () => {
  test("with Parameter Store: the secrets, through ssm:GetParameter and kms:Decrypt via SSM, because the provider's refresh decrypts (#42849)", async () => {
    const dev = policyOf("dev");
    expect(dev.reads[0]).toMatch(/^every secret of the environment's parameters \(\/notifier-dev\/\*\).*#42849/);
    const decrypt = statements("dev").find((s) => s.Sid === "ParameterStoreUsesOwnKeysForOwnParameters")!;
    expect(decrypt.Action).toEqual(["kms:Decrypt", "kms:Encrypt"]);
    expect(decrypt.Condition).toEqual({
      StringEquals: {
        "aws:ResourceTag/environment": "dev",
        "aws:ResourceTag/project": "secure-lambda",
        "kms:ViaService": "ssm.eu-west-1.amazonaws.com",
      },
      StringLike: {
        "kms:EncryptionContext:PARAMETER_ARN": ["arn:aws:ssm:eu-west-1:123456789012:parameter/notifier-dev/*"],
      },
    });
  });

  test("with Secrets Manager: not the values; no secretsmanager:GetSecretValue, and kms:Decrypt only through Secrets Manager for its own secret", async () => {
    const stg = policyOf("stg");
    expect(statements("stg").flatMap((s) => s.Action)).not.toContain("secretsmanager:GetSecretValue");
    expect(stg.reads.join("\n")).toMatch(/not the Secrets Manager secrets' values/);
    const proof = await proveDeployerPolicy(stg, stacks);
    const read = proof.results.find((r) => r.check.describe.startsWith("secretsmanager:GetSecretValue on own"))!;
    expect([read.check.expected, read.result]).toEqual(["denied", "denied"]);
  });
});

describe("a protected environment (prod)", () => {
  test("cannot delete what prevent_destroy protects: IAM refuses it too", async () => {
    const actions = statements("prod").flatMap((s) => s.Action);
    expect(actions).not.toContain("ssm:DeleteParameter");
    expect(actions).not.toContain("kms:ScheduleKeyDeletion");
    // What is not protected is destroyed as usual.
    expect(actions).toEqual(
      expect.arrayContaining([
        "lambda:DeleteFunction",
        "iam:DeleteRole",
        "logs:DeleteLogGroup",
        "sqs:DeleteQueue",
        "kms:DeleteAlias",
      ]),
    );
    const proof = await proveDeployerPolicy(policyOf("prod"), stacks);
    const rows = proof.results.map((r) => [r.check.describe, r.result]);
    expect(rows).toEqual(
      expect.arrayContaining([["ssm:DeleteParameter on own /notifier-prod/github_token (prevent_destroy)", "denied"]]),
    );
  });

  test("reads and writes its own state object and lock file in the state bucket, nothing else of the bucket", () => {
    const s3 = statements("prod").filter((s) => s.Action.some((a) => a.startsWith("s3:")));
    expect(s3).toEqual([
      {
        Sid: "StateBucket",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: ["arn:aws:s3:::example-secure-lambda-state-prod"],
      },
      {
        Sid: "StateObject",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject"],
        Resource: ["arn:aws:s3:::example-secure-lambda-state-prod/secure-lambda/prod/terraform.tfstate"],
      },
      {
        Sid: "StateLock",
        Effect: "Allow",
        Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        Resource: ["arn:aws:s3:::example-secure-lambda-state-prod/secure-lambda/prod/terraform.tfstate.tflock"],
      },
    ]);
  });
});

describe("derived from the synthesized stack, not from the configuration", () => {
  test("a stack of another app gets a policy naming its own function, prefix and role", () => {
    const json = synthStack((stack) => {
      new SecureLambda(stack, "billing", {
        functionName: "billing",
        entry: HELLO_ENTRY,
        secrets: ["stripe_key"],
        roleName: "billing-runtime",
      });
    }) as unknown as StackJson;
    const withTags = structuredClone(json) as any;
    withTags.provider.aws[0].default_tags = [{ tags: { team: "payments" } }];
    const policy = deployerPolicy({ name: "test", json: withTags });
    const text = JSON.stringify(policy.document);
    expect(text).toContain("parameter/billing/*");
    expect(text).toContain("role/billing-runtime");
    expect(text).toContain("function:billing");
    expect(text).toContain('"aws:ResourceTag/team":"payments"');
  });

  test("refuses a stack whose keys have no tags to scope them by", () => {
    const json = synthStack((stack) => {
      new SecureLambda(stack, "billing", { functionName: "billing", entry: HELLO_ENTRY, secrets: ["stripe_key"] });
    }) as unknown as StackJson;
    expect(() => deployerPolicy({ name: "test", json })).toThrow(
      /aws_kms_key\.billing_Key_[A-Z0-9]+ has no tags: KMS picks key ids at create time/,
    );
  });
});

describe("bad input", () => {
  test("a stack without a SecureLambda is refused with the reason", () => {
    const json: StackJson = {
      provider: { aws: [{ region: "eu-west-1" }] },
      resource: { aws_sqs_queue: { q: { name: "q" } } },
    };
    expect(() => deployerPolicy({ name: "queues", json })).toThrow(
      new AuditError(
        "stack queues holds no aws_lambda_function (no SecureLambda): there is no deploy policy to write for it",
      ),
    );
  });

  test("a resource type never observed is refused, naming it and what is covered", () => {
    const json = structuredClone(stackOf("dev").json) as any;
    json.resource.aws_s3_bucket = { data: { bucket: "data" } };
    expect(() => deployerPolicy({ name: "dev", json })).toThrow(
      /has not observed what the provider calls for aws_s3_bucket \(data\); it covers aws_ssm_parameter/,
    );
  });

  test("npm run audit -- --deployer <unknown> exits 2 naming the environments it knows", async () => {
    const run = await cli("--synthesized", outdir, "--deployer", "qa");
    expect(run).toMatchObject({
      code: 2,
      stderr: 'error: unknown environment "qa" for --deployer; known: dev, local, prod, stg\n',
    });
  });

  test("--deployer with environments besides it, or --policy-out without it, is bad usage (exit 2)", async () => {
    expect((await cli("--synthesized", outdir, "--deployer", "dev", "stg")).code).toBe(2);
    expect((await cli("--synthesized", outdir, "--policy-out", "x.json")).code).toBe(2);
  });

  test("npm run audit -- --deployer <env> of a stack without a SecureLambda exits 1 with the reason", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deployer-empty-"));
    try {
      fs.mkdirSync(path.join(dir, "stacks", "empty"), { recursive: true });
      fs.writeFileSync(
        path.join(dir, "manifest.json"),
        JSON.stringify({ stacks: { empty: { synthesizedStackPath: "stacks/empty/cdk.tf.json" } } }),
      );
      fs.writeFileSync(
        path.join(dir, "stacks", "empty", "cdk.tf.json"),
        JSON.stringify({ provider: { aws: [{ region: "eu-west-1" }] } }),
      );
      const run = await cli("--synthesized", dir, "--deployer", "empty");
      expect(run).toMatchObject({
        code: 1,
        stderr: expect.stringContaining("holds no aws_lambda_function (no SecureLambda)"),
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("docs/deploying-from-ci.md", () => {
  test("shows the deploy policy of dev exactly as the audit writes it", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "docs", "deploying-from-ci.md"), "utf8");
    const section = readme.slice(readme.indexOf("# Deploying from CI"));
    const block = /<summary>The deploy policy of dev[\s\S]*?```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(block).toBeDefined();
    expect(JSON.parse(block!)).toEqual(policyOf("dev").document);
  });
});

describe("npm run audit -- --deployer <env>", () => {
  test("prints what the deployer can read, the unscoped actions with reasons, the proof, and writes the policy with --policy-out", async () => {
    const file = path.join(outdir, "deployer-dev.json");
    const run = await cli("--synthesized", outdir, "--deployer", "dev", "--policy-out", file);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("what it lets the deployer read");
    expect(run.stdout).toContain("ssm:DescribeParameters: ");
    expect(run.stdout).toMatch(/deploy policy of dev: \d+ statements, \d+ requests, 0 unexpected/);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(policyOf("dev").document);
  });
});

/** A small recording, as the proxy writes it. */
function recorded(requests: Array<Partial<RecordedRequest> & Pick<RecordedRequest, "service">>): RecordedRequest[] {
  return requests.map((r, i) => ({
    seq: i + 1,
    region: "eu-west-1",
    method: "POST",
    path: "/",
    query: {},
    target: "",
    body: {},
    status: 200,
    ...r,
  }));
}

describe("comparing the policy with recorded runs", () => {
  const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/0b0b0b0b-1111-2222-3333-444444444444";
  const devCalls = () =>
    recorded([
      {
        service: "kms",
        target: "TrentService.CreateKey",
        body: {
          Tags: [
            { TagKey: "environment", TagValue: "dev" },
            { TagKey: "project", TagValue: "secure-lambda" },
          ],
        },
        createdArn: keyArn,
      },
      {
        service: "ssm",
        target: "AmazonSSM.PutParameter",
        body: { Name: "/notifier-dev/github_token", Type: "SecureString", KeyId: keyArn },
      },
      {
        service: "ssm",
        target: "AmazonSSM.GetParameter",
        body: { Name: "/notifier-dev/github_token", WithDecryption: true },
      },
      { service: "lambda", method: "GET", path: "/2015-03-31/functions/notifier-dev" },
      { service: "sts", body: { Action: "GetCallerIdentity" } },
    ]);

  test("a read with decryption is, for IAM, ssm:GetParameter and kms:Decrypt through Parameter Store with the parameter's encryption context", () => {
    const [, , read] = analyzeCalls(devCalls(), targetOf("dev", stackOf("dev").json));
    expect(read!.requests).toEqual([
      {
        action: "ssm:GetParameter",
        resource: "arn:aws:ssm:eu-west-1:123456789012:parameter/notifier-dev/github_token",
        context: {},
      },
      {
        action: "kms:Decrypt",
        resource: keyArn,
        onBehalfOf: "ssm",
        context: {
          "aws:ResourceTag/environment": "dev",
          "aws:ResourceTag/project": "secure-lambda",
          "kms:ViaService": "ssm.eu-west-1.amazonaws.com",
          "kms:CallerAccount": "123456789012",
          "kms:EncryptionContext:PARAMETER_ARN":
            "arn:aws:ssm:eu-west-1:123456789012:parameter/notifier-dev/github_token",
        },
      },
    ]);
  });

  test("allows every request of the recording and reports the policy's actions no call asked for", async () => {
    const comparison = await compareWithRuns(policyOf("dev"), stackOf("dev"), devCalls());
    expect(comparison.denied).toEqual([]);
    expect(comparison.unexercised).toContain("lambda:CreateFunction");
    expect(comparison.unexercised).not.toContain("ssm:GetParameter");
    expect(comparison.unexercised).not.toContain("kms:Decrypt");
  });

  test("fails a call the policy does not allow: another environment's parameter, or a key with another environment's tags", async () => {
    const calls = recorded([
      { service: "ssm", target: "AmazonSSM.GetParameter", body: { Name: "/notifier-prod/github_token" } },
      {
        service: "kms",
        target: "TrentService.CreateKey",
        body: { Tags: [{ TagKey: "environment", TagValue: "prod" }] },
        createdArn: keyArn,
      },
      { service: "kms", target: "TrentService.PutKeyPolicy", body: { KeyId: keyArn } },
    ]);
    const comparison = await compareWithRuns(policyOf("dev"), stackOf("dev"), calls);
    expect(comparison.denied.map((d) => `${d.operation} ${d.request.action}`)).toEqual([
      "ssm:GetParameter ssm:GetParameter",
      "kms:CreateKey kms:CreateKey",
      "kms:PutKeyPolicy kms:PutKeyPolicy",
    ]);
  });

  test("a call it cannot map fails loudly instead of being skipped", () => {
    const calls = recorded([
      { service: "lambda", method: "GET", path: "/2099-01-01/functions/notifier-dev/something-new" },
    ]);
    expect(() => analyzeCalls(calls, targetOf("dev", stackOf("dev").json))).toThrow(UnmappedCallError);
  });

  test("GetCallerIdentity asks IAM nothing: it needs no permission", () => {
    const [call] = analyzeCalls(
      recorded([{ service: "sts", body: { Action: "GetCallerIdentity" } }]),
      targetOf("dev", stackOf("dev").json),
    );
    expect(call).toMatchObject({
      operation: "sts:GetCallerIdentity",
      requests: [],
      needsNoPermission: expect.stringContaining("needs no permission"),
    });
  });
});

describe("a stack with a schedule, an SNS trigger and a function URL (the construct's ways in)", () => {
  let triggersDir: string;
  let triggerStacks: SynthesizedStack[];
  const triggersPolicy = () => deployerPolicy(triggerStacks.find((s) => s.name === "triggers-a")!);
  const statement = (sid: string) => triggersPolicy().document.Statement.find((s) => s.Sid === sid);

  beforeAll(() => {
    triggersDir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deployer-triggers-"));
    synthTriggersApp(triggersDir, ["triggers-a", "triggers-b"]);
    triggerStacks = readSynthesizedStacks(triggersDir);
  });

  afterAll(() => fs.rmSync(triggersDir, { recursive: true, force: true }));

  test("npm run audit -- --deployer writes its policy, and the proof holds", async () => {
    const file = path.join(triggersDir, "deployer-triggers-a.json");
    const run = await cli("--synthesized", triggersDir, "--deployer", "triggers-a", "--policy-out", file);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toMatch(/deploy policy of triggers-a: \d+ statements, \d+ requests, 0 unexpected/);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(triggersPolicy().document);
  });

  test("grants the recorded Scheduler, SNS, Lambda-permission and function URL calls on its own schedule, group, topics and function only", () => {
    const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:123456789012:${resource}`;
    expect(statement("OwnSchedules")).toMatchObject({
      Action: [
        "scheduler:CreateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
        "scheduler:UpdateSchedule",
      ],
      Resource: [arn("scheduler", "schedule/triggers-a/triggers-a")],
    });
    expect(statement("OwnScheduleGroups")).toMatchObject({
      Action: [
        "scheduler:CreateScheduleGroup",
        "scheduler:DeleteScheduleGroup",
        "scheduler:GetScheduleGroup",
        "scheduler:ListTagsForResource",
        "scheduler:TagResource",
        "scheduler:UntagResource",
      ],
      Resource: [arn("scheduler", "schedule-group/triggers-a")],
    });
    expect(statement("PassOwnScheduleRolesToSchedulerOnly")).toMatchObject({
      Action: ["iam:PassRole"],
      Resource: ["arn:aws:iam::123456789012:role/triggers-a-schedule"],
      Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
    });
    expect(statement("PassOwnRolesToLambdaOnly")?.Resource).toEqual(["arn:aws:iam::123456789012:role/triggers-a"]);
    expect(statement("SubscribeOwnEndpointsToTheirTopicsOnly")).toMatchObject({
      Action: ["sns:Subscribe"],
      Resource: [arn("sns", "triggers-a-alarms")],
      Condition: {
        StringEquals: { "sns:Protocol": "lambda", "sns:Endpoint": arn("lambda", "function:triggers-a") },
      },
    });
    expect(statement("OwnSubscriptions")).toMatchObject({
      Action: ["sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic", "sns:Unsubscribe"],
      Resource: [arn("sns", "triggers-a-alarms")],
    });
    expect(statement("OwnTopics")).toMatchObject({
      Resource: [arn("sns", "triggers-a-alarms"), arn("sns", "triggers-a-failures")],
    });
    expect(statement("AddPermissionsToOwnFunctionsForTheirTriggersOnly")).toMatchObject({
      Action: ["lambda:AddPermission"],
      Resource: [arn("lambda", "function:triggers-a")],
      Condition: { StringEquals: { "lambda:Principal": "sns.amazonaws.com" } },
    });
    expect(statement("OwnFunctions")?.Action).toEqual(
      expect.arrayContaining([
        "lambda:GetPolicy",
        "lambda:RemovePermission",
        "lambda:GetFunctionUrlConfig",
        "lambda:DeleteFunctionUrlConfig",
      ]),
    );
    expect(statement("CreateOwnFunctionUrlsWithTheirAuthTypeOnly")).toMatchObject({
      Action: ["lambda:CreateFunctionUrlConfig"],
      Resource: [arn("lambda", "function:triggers-a")],
      Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } },
    });
    expect(JSON.stringify(triggersPolicy().document)).not.toContain("triggers-b");
  });

  test("the proof: its own schedule, role, subscription, permission and URL allowed; the other stack's denied, and each role passed to its own service only", async () => {
    const proof = await proveDeployerPolicy(triggersPolicy(), triggerStacks);
    expect(proof.results.filter((r) => !r.ok).map((r) => `${r.check.describe}: ${r.result} ${r.error ?? ""}`)).toEqual(
      [],
    );
    const rows = proof.results.map((r) => `${r.check.expected} ${r.check.describe}`);
    expect(rows).toEqual(
      expect.arrayContaining([
        "allowed scheduler:UpdateSchedule of own schedule",
        "allowed scheduler:DeleteScheduleGroup of own group",
        "allowed iam:PassRole of own schedule role triggers-a-schedule to Scheduler",
        "denied iam:PassRole of own schedule role triggers-a-schedule to Lambda",
        "denied iam:PassRole of own function's role to Scheduler",
        "allowed sns:Subscribe of own triggers-a to its topic",
        "denied sns:Subscribe of an HTTPS endpoint to own topic",
        "allowed sns:Unsubscribe from own topic",
        "allowed lambda:AddPermission on own triggers-a for sns.amazonaws.com",
        'denied lambda:AddPermission on own triggers-a for "*"',
        "allowed sns:DeleteTopic of own topic",
        "allowed lambda:CreateFunctionUrlConfig of own triggers-a with AWS_IAM",
        "denied lambda:CreateFunctionUrlConfig of own triggers-a with NONE (public)",
        "denied lambda:CreateFunctionUrlConfig of another function's triggers-b",
        "denied scheduler:UpdateSchedule of another function's schedule",
        "denied scheduler:DeleteScheduleGroup of another function's group",
        "denied iam:PassRole of another function's schedule role triggers-b-schedule to Scheduler",
        "denied sns:Subscribe of own triggers-a to another function's topic",
        "denied sns:Unsubscribe from another function's topic",
        "denied lambda:AddPermission on another function's triggers-b for sns.amazonaws.com",
        "denied sns:SetTopicAttributes of another function's topic",
      ]),
    );
  });

  test("a recorded Subscribe of another endpoint, or an AddPermission for another principal, is denied", async () => {
    const calls = recorded([
      {
        service: "sns",
        body: {
          Action: "Subscribe",
          TopicArn: "arn:aws:sns:eu-west-1:123456789012:triggers-a-alarms",
          Protocol: "lambda",
          Endpoint: "arn:aws:lambda:eu-west-1:123456789012:function:triggers-b",
        },
      },
      {
        service: "lambda",
        path: "/2015-03-31/functions/triggers-a/policy",
        body: { Action: "lambda:InvokeFunction", Principal: "events.amazonaws.com", StatementId: "x" },
      },
      {
        service: "scheduler",
        path: "/schedules/triggers-a",
        body: {
          GroupName: "triggers-a",
          Target: {
            Arn: "arn:aws:lambda:eu-west-1:123456789012:function:triggers-a",
            RoleArn: "arn:aws:iam::123456789012:role/triggers-a",
          },
        },
      },
    ]);
    const stack = triggerStacks.find((s) => s.name === "triggers-a")!;
    const comparison = await compareWithRuns(triggersPolicy(), stack, calls);
    expect(comparison.denied.map((d) => `${d.operation} ${d.request.action}`)).toEqual([
      "sns:Subscribe sns:Subscribe",
      "lambda:AddPermission lambda:AddPermission",
      "scheduler:CreateSchedule iam:PassRole",
    ]);
  });
});

describe("what the construct can make, and what the deploy policy covers", () => {
  const tags = { project: "secure-lambda" };
  const base = { functionName: "probe", entry: HELLO_ENTRY, secrets: ["token"], tags };
  const PARTNER_ROLE = "arn:aws:iam::210987654321:role/reporting";
  /** A stack per prop (or construct) that adds resources or changes what deploying the function calls. */
  const makers: Record<string, (stack: TerraformStack) => void> = {
    "secrets in SSM": (stack) => new SecureLambda(stack, "f", base),
    "secrets in Secrets Manager": (stack) => new SecureLambda(stack, "f", { ...base, store: "secretsmanager" }),
    deadLetterTarget: (stack) => new SecureLambda(stack, "f", { ...base, deadLetterTarget: true }),
    schedule: (stack) => new SecureLambda(stack, "f", { ...base, schedule: { expression: "rate(1 hour)" } }),
    snsTopicArns: (stack) =>
      new SecureLambda(stack, "f", { ...base, snsTopicArns: ["arn:aws:sns:eu-west-1:123456789012:alarms"] }),
    "deadLetterTarget (a topic)": (stack) =>
      new SecureLambda(stack, "f", {
        ...base,
        deadLetterTarget: { targetArn: "arn:aws:sns:eu-west-1:123456789012:failures" },
      }),
    functionUrl: (stack) => new SecureLambda(stack, "f", { ...base, functionUrl: true }),
    rotation: (stack) =>
      new SecureLambda(stack, "f", {
        ...base,
        store: "secretsmanager",
        rotation: { rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:r", automaticallyAfterDays: 30 },
      }),
    vpc: (stack) =>
      new SecureLambda(stack, "f", {
        ...base,
        vpc: { subnetIds: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] },
      }),
    codeSigningConfigArn: (stack) =>
      new SecureLambda(stack, "f", {
        ...base,
        codeSigningConfigArn: "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0",
      }),
    "grantSecretsRead (a role of the stack)": (stack) => {
      const web = new IamRole(stack, "web", {
        name: "web",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      });
      new SecureLambda(stack, "f", { ...base, store: "secretsmanager" }).grantSecretsRead(web.arn);
    },
    "grantSecretsRead (another account, Secrets Manager)": (stack) => {
      (stack.node.findChild("aws") as AwsProvider).allowedAccountIds = ["123456789012"];
      new SecureLambda(stack, "f", { ...base, store: "secretsmanager" }).grantSecretsRead(PARTNER_ROLE);
    },
    "grantSecretsRead (another account, SSM)": (stack) => {
      (stack.node.findChild("aws") as AwsProvider).allowedAccountIds = ["123456789012"];
      new SecureLambda(stack, "f", { ...base, parameterTier: ParameterTier.ADVANCED }).grantSecretsRead(PARTNER_ROLE);
    },
    replicaRegions: (stack) =>
      new SecureLambda(stack, "f", { ...base, store: "secretsmanager", replicaRegions: ["eu-central-1"] }),
    externalSecrets: (stack) =>
      new SecureLambda(stack, "f", {
        ...base,
        secrets: [],
        externalSecrets: [
          {
            name: "partner_token",
            arn: "arn:aws:secretsmanager:eu-west-1:210987654321:secret:partner/token-AbCdEf",
            keyArn: "arn:aws:kms:eu-west-1:210987654321:key/0b9c5a36-3f4e-4b43-a3e5-1c2d3e4f5a6b",
          },
        ],
      }),
    SecretsEndpoints: (stack) => {
      new SecureLambda(stack, "f", base);
      new SecretsEndpoints(stack, "endpoints", {
        vpcId: "vpc-0123456789abcdef0",
        subnetIds: ["subnet-0123456789abcdef0"],
        clientSecurityGroupIds: ["sg-0123456789abcdef0"],
        tags,
      });
    },
  };
  const outcome = (build: (stack: TerraformStack) => void) => {
    const json = synthStack(build) as unknown as StackJson;
    try {
      deployerPolicy({ name: "test", json });
      return { types: Object.keys(json.resource ?? {}), refused: undefined };
    } catch (error) {
      if (!(error instanceof AuditError)) throw error;
      return { types: Object.keys(json.resource ?? {}), refused: error.message };
    }
  };

  test("every resource type the construct makes is either covered by recorded calls or refused naming what makes it", () => {
    const types = new Set(Object.values(makers).flatMap((build) => outcome(build).types));
    for (const type of types) expect([type, type in RESOURCE_GRANTS || type in NOT_OBSERVED]).toEqual([type, true]);
    expect([...types].filter((type) => type in NOT_OBSERVED).sort()).toEqual([
      "aws_secretsmanager_secret_rotation",
      "aws_security_group",
      "aws_vpc_endpoint",
      "aws_vpc_security_group_ingress_rule",
    ]);
  });

  test("the triggers get a policy; what no run has recorded is refused, naming the prop", () => {
    const results = Object.fromEntries(Object.entries(makers).map(([name, build]) => [name, outcome(build).refused]));
    expect(results).toEqual({
      "secrets in SSM": undefined,
      "secrets in Secrets Manager": undefined,
      deadLetterTarget: undefined,
      schedule: undefined,
      snsTopicArns: undefined,
      "deadLetterTarget (a topic)": undefined,
      functionUrl: undefined,
      rotation: expect.stringMatching(/aws_secretsmanager_secret_rotation .*made by SecureLambda's rotation/),
      vpc: expect.stringMatching(/has vpc_config \(SecureLambda's vpc\): no deploy run has recorded/),
      codeSigningConfigArn: expect.stringMatching(
        /has code_signing_config_arn \(SecureLambda's codeSigningConfigArn\)/,
      ),
      "grantSecretsRead (a role of the stack)": undefined,
      "grantSecretsRead (another account, Secrets Manager)": undefined,
      "grantSecretsRead (another account, SSM)": undefined,
      replicaRegions: undefined,
      externalSecrets: undefined,
      SecretsEndpoints: expect.stringMatching(/made by SecretsEndpoints: no deploy run/),
    });
  });

  test("an encrypted topic in the stack is refused: no run has observed what SNS asks KMS for", () => {
    const { refused } = outcome((stack) => {
      const topic = new SnsTopic(stack, "alarms", { name: "alarms", kmsMasterKeyId: "alias/aws/sns" });
      new SecureLambda(stack, "f", { ...base, snsTopicArns: [topic.arn] });
    });
    expect(refused).toMatch(/aws_sns_topic\.alarms is encrypted \(kms_master_key_id\)/);
  });
});

describe("a stack whose secrets have other readers and replicas (grantSecretsRead, replicaRegions)", () => {
  let readersDir: string;
  let stack: SynthesizedStack;
  const policy = () => deployerPolicy(stack);
  const statement = (sid: string) => policy().document.Statement.find((s) => s.Sid === sid);
  const arn = (service: string, resource: string, region = "eu-west-1") =>
    `arn:aws:${service}:${region}:123456789012:${resource}`;
  const environmentTags = { "aws:ResourceTag/environment": "readers-dev", "aws:ResourceTag/project": "secure-lambda" };

  beforeAll(() => {
    readersDir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deployer-readers-"));
    synthReadersApp(readersDir, ["readers-dev"]);
    stack = readSynthesizedStacks(readersDir)[0]!;
  });

  afterAll(() => fs.rmSync(readersDir, { recursive: true, force: true }));

  test("shares its own parameters through its own share, with the reader's account only", () => {
    expect(statement("ShareOwnParametersThroughOwnSharesOnly")).toEqual({
      Sid: "ShareOwnParametersThroughOwnSharesOnly",
      Effect: "Allow",
      Action: ["ram:AssociateResourceShare", "ram:DisassociateResourceShare"],
      Resource: [arn("ram", "resource-share/*")],
      Condition: {
        StringEquals: {
          "ram:ResourceShareName": "readers-dev-shared-secrets",
          "ram:ResourceArn": [
            arn("ssm", "parameter/readers-dev-shared/api_token"),
            arn("ssm", "parameter/readers-dev-shared/webhook_url"),
          ],
        },
      },
    });
    expect(statement("ShareOwnSharesWithTheirReadersOnly")?.Condition).toEqual({
      StringEquals: { "ram:ResourceShareName": "readers-dev-shared-secrets", "ram:Principal": "210987654321" },
    });
    expect(statement("CreateResourceSharesTaggedForThisEnvironment")?.Condition).toEqual({
      StringEquals: { "aws:RequestTag/environment": "readers-dev", "aws:RequestTag/project": "secure-lambda" },
      Bool: { "ram:RequestedAllowsExternalPrincipals": "true" },
    });
    expect(policy().unscoped.map((u) => u.action)).toEqual(
      expect.arrayContaining(["ram:GetResourceShares", "ram:GetResourceShareAssociations"]),
    );
  });

  test("replicates its secret to the configured region only, under the replica region's own keys", () => {
    const secret = "secret:readers-dev-replicated/secrets-??????";
    expect(statement("ReplicateOwnSecretsToTheirRegionsOnly")).toMatchObject({
      Action: ["secretsmanager:ReplicateSecretToRegions"],
      Resource: [arn("secretsmanager", secret)],
      Condition: { "ForAllValues:StringEquals": { "secretsmanager:AddReplicaRegions": ["eu-central-1"] } },
    });
    expect(statement("SecretsManagerUsesOwnReplicaKeysInEuCentral1")).toMatchObject({
      Action: ["kms:Encrypt", "kms:GenerateDataKey"],
      Resource: [arn("kms", "key/*", "eu-central-1")],
      Condition: {
        StringEquals: { ...environmentTags, "kms:ViaService": "secretsmanager.eu-central-1.amazonaws.com" },
        StringLike: { "kms:EncryptionContext:SecretARN": [arn("secretsmanager", secret, "eu-central-1")] },
      },
    });
    expect(statement("OwnKeys")?.Resource).toEqual([arn("kms", "key/*", "eu-central-1"), arn("kms", "key/*")]);
    expect(statement("PutOwnSecretPoliciesBlockingPublicAccessOnly")).toMatchObject({
      Action: ["secretsmanager:PutResourcePolicy"],
      Condition: { Bool: { "secretsmanager:BlockPublicPolicy": "true" } },
    });
  });

  test("a recorded share of another parameter or with another account, a replica elsewhere, or a policy unchecked for public access, is denied", async () => {
    const share = arn("ram", "resource-share/00000000-0000-4000-8000-000000000001");
    const secret = arn("secretsmanager", "secret:readers-dev-replicated/secrets-AbCdEf");
    const calls = recorded([
      {
        service: "ram",
        path: "/createresourceshare",
        body: {
          name: "readers-dev-shared-secrets",
          allowExternalPrincipals: true,
          tags: [
            { key: "environment", value: "readers-dev" },
            { key: "project", value: "secure-lambda" },
          ],
        },
        createdArn: share,
      },
      {
        service: "ram",
        path: "/associateresourceshare",
        body: { resourceShareArn: share, resourceArns: [arn("ssm", "parameter/readers-dev-shared/api_token")] },
      },
      {
        service: "ram",
        path: "/associateresourceshare",
        body: { resourceShareArn: share, resourceArns: [arn("ssm", "parameter/readers-dev-other/api_token")] },
      },
      {
        service: "ram",
        path: "/associateresourceshare",
        body: { resourceShareArn: share, principals: ["210987654321"] },
      },
      {
        service: "ram",
        path: "/associateresourceshare",
        body: { resourceShareArn: share, principals: ["999999999999"] },
      },
      {
        service: "secretsmanager",
        target: "secretsmanager.CreateSecret",
        body: { Name: "readers-dev-replicated/secrets" },
        createdArn: secret,
      },
      {
        service: "secretsmanager",
        target: "secretsmanager.ReplicateSecretToRegions",
        body: {
          SecretId: secret,
          AddReplicaRegions: [{ Region: "us-east-1", KmsKeyId: arn("kms", "key/x", "us-east-1") }],
        },
      },
      { service: "secretsmanager", target: "secretsmanager.PutResourcePolicy", body: { SecretId: secret } },
      {
        service: "secretsmanager",
        target: "secretsmanager.PutResourcePolicy",
        body: { SecretId: secret, BlockPublicPolicy: true },
      },
    ]);
    const comparison = await compareWithRuns(policy(), stack, calls);
    expect(
      comparison.denied.map((d) => `${d.operation} ${d.request.action} ${d.request.resource.split(":")[3]}`),
    ).toEqual([
      "ram:AssociateResourceShare ram:AssociateResourceShare eu-west-1",
      "ram:AssociateResourceShare ram:AssociateResourceShare eu-west-1",
      "secretsmanager:ReplicateSecretToRegions secretsmanager:ReplicateSecretToRegions eu-west-1",
      "secretsmanager:ReplicateSecretToRegions kms:GenerateDataKey us-east-1",
      "secretsmanager:ReplicateSecretToRegions kms:Encrypt us-east-1",
      "secretsmanager:PutResourcePolicy secretsmanager:PutResourcePolicy eu-west-1",
    ]);
    expect(
      comparison.denied
        .slice(0, 2)
        .map((d) => d.request.context["ram:ResourceArn"] ?? d.request.context["ram:Principal"]),
    ).toEqual([arn("ssm", "parameter/readers-dev-other/api_token"), "999999999999"]);
  });
});
