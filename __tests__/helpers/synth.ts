import * as path from "node:path";
import { type App, AwsProvider, Testing, TerraformStack } from "../../constructs/tf";
import type { Construct } from "constructs";
import { PLACEHOLDER_VALUE } from "../../common/naming";

/** The handler fixture construct tests bundle. */
export const HELLO_ENTRY = path.join(__dirname, "..", "fixtures", "hello.ts");

/** Synthesized Terraform JSON of one stack. */
export interface TerraformJson {
  readonly resource: Record<string, Record<string, Record<string, any>>>;
  readonly data?: Record<string, Record<string, Record<string, any>>>;
  readonly provider?: Record<string, any[]>;
  readonly terraform: Record<string, any>;
}

/** Builds a fresh stack with `build`, synthesizes it (validations included) and parses it. */
export function synthStack(build: (stack: TerraformStack) => void): TerraformJson {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  build(stack);
  return JSON.parse(Testing.synth(stack, true)) as TerraformJson;
}

/** A stack in a real app, for tests that need `app.synth()` to write files. */
export function stackIn(app: App, id = "test"): Construct {
  return new TerraformStack(app, id);
}

/** The resources of one type, as [name, body] pairs. */
export function resources(json: TerraformJson, type: string): Array<[string, Record<string, any>]> {
  return Object.entries(json.resource[type] ?? {});
}

/** The only resource of a type; fails when there are zero or several. */
export function only(json: TerraformJson, type: string): [string, Record<string, any>] {
  const found = resources(json, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

/** `${aws_kms_key.<name>.arn}`: how one resource refers to another's attribute. */
export function ref(type: string, name: string, attribute: string): string {
  return `\${${type}.${name}.${attribute}}`;
}

/** The statements of a policy document held as JSON text. */
export function statements(policy: string): Array<Record<string, any>> {
  return (JSON.parse(policy) as { Statement: Array<Record<string, any>> }).Statement;
}

/**
 * What a SecureString parameter of the construct ignores after creating it. Spelled out
 * here, not imported: a test must fail when an entry is dropped from the construct.
 */
export const EXPECTED_PARAMETER_IGNORED_CHANGES = [
  "value",
  "value_wo_version",
  "description",
  "key_id",
  "tier",
  "type",
  "allowed_pattern",
  "data_type",
  "insecure_value",
];

/**
 * Asserts the out-of-state shape of one synthesized SSM parameter: the placeholder only in
 * the write-only `value_wo` at version 1, `value` never set, and every updatable argument
 * but tags ignored after creation (`prevent_destroy` when `protect`).
 */
export function expectWriteOnlyPlaceholder(parameter: Record<string, any>, protect = false): void {
  expect(parameter).not.toHaveProperty("value");
  expect(parameter).not.toHaveProperty("insecure_value");
  expect(parameter.value_wo).toBe(PLACEHOLDER_VALUE);
  expect(parameter.value_wo_version).toBe(1);
  expect(parameter.lifecycle).toEqual(
    protect
      ? { ignore_changes: EXPECTED_PARAMETER_IGNORED_CHANGES, prevent_destroy: true }
      : { ignore_changes: EXPECTED_PARAMETER_IGNORED_CHANGES },
  );
}
