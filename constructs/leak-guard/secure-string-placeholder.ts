import { PLACEHOLDER_VALUE } from "../naming";
import { isLiteral } from "./literal";
import type { LeakRule } from "./rule";

export const secureStringPlaceholderRule: LeakRule = {
  name: "secure-string-placeholder",
  why:
    "Terraform writes `value` into the plan and the state, and the code into git and cdktf.out: a SecureString " +
    "created by Terraform may only hold the placeholder, with the real value set out of band.",
  check(value) {
    if (value.kind !== "parameter-value" || value.parameterType !== "SecureString") return undefined;
    if (value.variable === "value_wo") {
      // Write-only: a reference (an ephemeral variable) never reaches plan or state; a literal is still in the code.
      if (!isLiteral(value.value)) return undefined;
      return "holds a literal in value_wo, which is still written to the code and cdktf.out; pass a reference (e.g. an ephemeral variable) instead";
    }
    if (value.value === PLACEHOLDER_VALUE) return undefined;
    // A reference in `value` (a random_password, a variable) is resolved into the plan and the state.
    const what = isLiteral(value.value) ? "a literal other than the placeholder" : "a reference, whose value Terraform writes into the plan and the state";
    return (
      `holds ${what}; create it with PLACEHOLDER_VALUE and ignore_changes on value, then set the real value ` +
      `out of band (npm run secrets -- set <env> <function> <secret>), or use the provider's write-only value_wo argument with a reference`
    );
  },
};
