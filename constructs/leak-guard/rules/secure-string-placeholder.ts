import { PLACEHOLDER_VALUE } from "../../../common/naming";
import { ruleIdOf, type LeakRule } from "../rule";

const HOW =
  "create it with value_wo = PLACEHOLDER_VALUE and value_wo_version, then set the real value out of band " +
  "(npx --no secure-lambda set <stack> <function> <secret>)";

export const secureStringPlaceholderRule: LeakRule = {
  id: ruleIdOf(__filename),
  title: "a SecureString parameter holds only the placeholder, in value_wo",
  why:
    "The provider's Read stores a SecureString's `value` in the state on every refresh, decrypted, whatever set it " +
    "(hashicorp/terraform-provider-aws#3475): only the write-only `value_wo` keeps the real value out of plan and state. " +
    "And what the code holds is in git and cdktf.out: Terraform may write only the placeholder, the real value is set out of band. " +
    "A `type` given as a reference, or overridden to anything but String or StringList, counts as SecureString.",
  check(value) {
    if (value.kind !== "parameter-value" || value.parameterType !== "SecureString") return undefined;
    if (value.variable === "value_wo") {
      if (value.value === PLACEHOLDER_VALUE) return undefined;
      // A reference may come from a resource or variable whose value is in the state itself.
      const what = value.reading.hasReference
        ? "a reference, whose source Terraform may keep in the state"
        : "a literal other than the placeholder, which is in the code and cdktf.out";
      return `holds ${what} in value_wo; ${HOW}`;
    }
    return `sets ${value.variable}, which the provider reads back into the state decrypted on every refresh, the real value once it is set; ${HOW}`;
  },
};
