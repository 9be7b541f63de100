import { findTokenFormat } from "../../../common/token-formats";
import { ruleIdOf, type LeakRule } from "../rule";

export const knownTokenFormatRule: LeakRule = {
  id: ruleIdOf(__filename),
  title:
    "no literal in a known credential format, anywhere in the stack or its code (GitHub, Slack, AWS access key, private key, ...)",
  why:
    "A literal credential in infrastructure code ends up in git, in cdktf.out, in the Terraform plan and state, " +
    "and (for a function) in clear text in GetFunction; the formats are the ones secret scanners and attackers look for, " +
    "precise enough to refuse wherever they appear: every block of the stack, every key, and the bundled code.",
  // Judges every kind, secret versions included: a token-shaped key of the placeholder JSON, or
  // token-shaped text beside a reference in secret_string_wo, is still a token in the code.
  check(value) {
    if (value.kind === "code") {
      const found = findTokenFormat(value.value);
      return found ? `holds what looks like ${found.label} (line ${lineOf(value.value, found.index)})` : undefined;
    }
    // Each literal on its own, then the text joined around the parts Terraform resolves later.
    for (const text of [...value.reading.literals, value.reading.joined]) {
      const found = findTokenFormat(text);
      if (found) return `looks like ${found.label}${value.value.includes(text) ? "" : " once Terraform evaluates it"}`;
    }
    return undefined;
  },
};

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) line += 1;
  return line;
}
