import { knownTokenFormat } from "../../token-formats";
import { ruleIdOf, type LeakRule } from "../rule";

export const knownTokenFormatRule: LeakRule = {
  id: ruleIdOf(__filename),
  title: "no literal in a known credential format (GitHub, Slack, AWS access key, private key, JWT)",
  why:
    "A literal credential in infrastructure code ends up in git, in cdktf.out, in the Terraform plan and state, " +
    "and (for a function) in clear text in GetFunction; the formats below are ones attackers scan for.",
  // Judges every kind, secret versions included: a token-shaped key of the placeholder JSON, or
  // token-shaped text beside a reference in secret_string_wo, is still a token in the code.
  check(value) {
    const label = knownTokenFormat(value.value);
    return label ? `looks like ${label}` : undefined;
  },
};
