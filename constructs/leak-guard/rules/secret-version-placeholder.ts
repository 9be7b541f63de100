import { PLACEHOLDER_VALUE } from "../../naming";
import { parseJsonObject } from "../../values";
import { hasReference, literalText } from "../literal";
import { ruleIdOf, type LeakRule } from "../rule";

const OUT_OF_BAND =
  "create the version with the placeholder JSON (every value PLACEHOLDER_VALUE) and ignore_changes on secret_string, " +
  "then set the real values out of band (npm run secrets -- set <env> <function> <secret>), " +
  "or write the placeholder JSON through secret_string_wo, which keeps even that out of the state";

export const secretVersionPlaceholderRule: LeakRule = {
  id: ruleIdOf(__filename),
  title: "a Secrets Manager secret version holds only the placeholder JSON",
  why:
    "Terraform writes secret_string and secret_binary into the plan and the state, and the code into git and cdktf.out: " +
    "a secret version created by Terraform may only hold the placeholder JSON, with the real values set out of band; " +
    "secret_string_wo keeps a value out of plan and state, but a literal is still in the code and a reference's " +
    "source may be in the state itself: it too may hold only the placeholder JSON.",
  check(value) {
    if (value.kind !== "secret-version-value") return undefined;
    switch (value.variable) {
      case "secret_string":
        return checkSecretString(value.value);
      case "secret_string_wo":
        return checkSecretStringWo(value.value);
      case "secret_binary":
        // No placeholder form and no write-only variant: whatever it holds is in the plan and the state.
        return `secret_binary holds ${hasReference(value.value) ? "a reference, whose value Terraform writes into the plan and the state" : "a literal, which is in the code, the plan and the state"}; ${OUT_OF_BAND}`;
      default:
        return undefined;
    }
  },
};

function checkSecretString(value: string): string | undefined {
  // A reference (a random_password, a variable, jsonencode(...)) is resolved into the plan and the state.
  if (hasReference(value)) return `secret_string holds a reference, whose value Terraform writes into the plan and the state; ${OUT_OF_BAND}`;
  const text = literalText(value);
  if (text === PLACEHOLDER_VALUE || isPlaceholderJson(text)) return undefined;
  return `secret_string holds a literal other than the placeholder JSON; ${OUT_OF_BAND}`;
}

function checkSecretStringWo(value: string): string | undefined {
  if (hasReference(value)) {
    return `secret_string_wo holds a reference, whose source (a variable, a resource) Terraform may keep in the state; ${OUT_OF_BAND}`;
  }
  if (value === PLACEHOLDER_VALUE || isPlaceholderJson(value)) return undefined;
  return `secret_string_wo holds a literal other than the placeholder JSON, which is in the code and cdktf.out; ${OUT_OF_BAND}`;
}

/** True for a JSON object whose every value is PLACEHOLDER_VALUE, as placeholderSecretJson builds it. */
function isPlaceholderJson(text: string): boolean {
  const object = parseJsonObject(text);
  return object !== undefined && Object.values(object).every((v) => v === PLACEHOLDER_VALUE);
}
