import { PLACEHOLDER_VALUE } from "../../../common/naming";
import { parseJsonObject } from "../../../common/values";
import { ruleIdOf, type LeakRule } from "../rule";

const OUT_OF_BAND =
  "create the version with the placeholder JSON (every value PLACEHOLDER_VALUE) and ignore_changes on secret_string, " +
  "then set the real values out of band (npx --no secure-lambda set <stack> <function> <secret>), " +
  "or write the placeholder JSON through secret_string_wo, which keeps even that out of the state";

export const secretVersionPlaceholderRule: LeakRule = {
  id: ruleIdOf(__filename),
  title: "a Secrets Manager secret version holds only the placeholder JSON, written canonically",
  why:
    "Terraform writes secret_string and secret_binary into the plan and the state, and the code into git and cdktf.out: " +
    "a secret version created by Terraform may only hold the placeholder JSON, with the real values set out of band; " +
    "secret_string_wo keeps a value out of plan and state, but a literal is still in the code and a reference's " +
    "source may be in the state itself: it too may hold only the placeholder JSON. The JSON must be canonical: " +
    'JSON.parse keeps only the last of two equal keys, so {"k":"<secret>","k":"PLACEHOLDER"} reads as a placeholder while ' +
    "Secrets Manager stores the whole text; a version SecureLambda made must hold exactly the keys it declared.",
  check(value) {
    if (value.kind !== "secret-version-value") return undefined;
    switch (value.variable) {
      case "secret_string":
        return checkSecretString(value.value, value.reading.hasReference, value.reading.value);
      case "secret_string_wo":
        return checkSecretStringWo(value.value, value.reading.hasReference, value.written);
      case "secret_binary":
        // No placeholder form and no write-only variant: whatever it holds is in the plan and the state.
        return `secret_binary holds ${value.reading.hasReference ? "a reference, whose value Terraform writes into the plan and the state" : "a literal, which is in the code, the plan and the state"}; ${OUT_OF_BAND}`;
      default:
        return undefined;
    }
  },
};

function checkSecretString(text: string, hasReference: boolean, evaluated: unknown): string | undefined {
  // A reference (a random_password, a variable, jsonencode(...)) is resolved into the plan and the state.
  if (hasReference)
    return `secret_string holds a reference, whose value Terraform writes into the plan and the state; ${OUT_OF_BAND}`;
  const literal = typeof evaluated === "string" ? evaluated : text;
  if (literal === PLACEHOLDER_VALUE || isCanonicalPlaceholderJson(literal)) return undefined;
  return `secret_string holds ${nonPlaceholder(literal)}; ${OUT_OF_BAND}`;
}

function checkSecretStringWo(text: string, hasReference: boolean, written: string | undefined): string | undefined {
  if (hasReference) {
    return `secret_string_wo holds a reference, whose source (a variable, a resource) Terraform may keep in the state; ${OUT_OF_BAND}`;
  }
  if (written !== undefined) {
    return text === written
      ? undefined
      : `secret_string_wo differs from the placeholder JSON SecureLambda wrote for exactly its declared secrets; ${OUT_OF_BAND}`;
  }
  if (text === PLACEHOLDER_VALUE || isCanonicalPlaceholderJson(text)) return undefined;
  return `secret_string_wo holds ${nonPlaceholder(text)}, which is in the code and cdktf.out; ${OUT_OF_BAND}`;
}

function nonPlaceholder(text: string): string {
  return isPlaceholderJsonLoosely(text)
    ? "JSON that is not canonical (two equal keys, or spelled otherwise than JSON.stringify writes it), which may hide a value behind a placeholder"
    : "a literal other than the placeholder JSON";
}

/**
 * A JSON object of placeholders, exactly as JSON.stringify writes it: one spelling, no duplicate keys, nothing hidden.
 */
function isCanonicalPlaceholderJson(text: string): boolean {
  const parsed = parseJsonObject(text);
  return parsed !== undefined && isAllPlaceholders(parsed) && JSON.stringify(parsed) === text;
}

function isPlaceholderJsonLoosely(text: string): boolean {
  const parsed = parseJsonObject(text);
  return parsed !== undefined && isAllPlaceholders(parsed);
}

function isAllPlaceholders(object: Record<string, unknown>): boolean {
  return Object.keys(object).length > 0 && Object.values(object).every((v) => v === PLACEHOLDER_VALUE);
}
