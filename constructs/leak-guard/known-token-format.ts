import { literalText } from "./literal";
import type { LeakRule } from "./rule";

// The patterns are assembled from parts so that this file holds nothing token-shaped
// itself (repository hooks grep source for token prefixes).
const FORMATS: ReadonlyArray<{ readonly label: string; readonly pattern: RegExp }> = [
  { label: "a GitHub token", pattern: new RegExp(`\\bgh[pousr]_[A-Za-z0-9]{30,}`) },
  { label: "a GitHub fine-grained token", pattern: new RegExp(`\\bgithub${"_"}pat_[A-Za-z0-9_]{20,}`) },
  { label: "a Slack token", pattern: new RegExp(`\\bxox[a-z]-[A-Za-z0-9-]{10,}`) },
  { label: "a Slack webhook URL", pattern: new RegExp(["hooks", "slack", "com/services/"].join("\\.").replace("/", "\\/"), "i") },
  { label: "an AWS access key id", pattern: new RegExp(`\\b(?:AK|AS)IA[A-Z0-9]{16}\\b`) },
  { label: "a private key", pattern: new RegExp(`-{5}BEGIN ([A-Z0-9]+ )*PRIVATE ${"KEY"}( BLOCK)?-{5}`) },
  { label: "a JSON Web Token", pattern: new RegExp(`\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*`) },
];

/** Names the token format a string's literal text matches, if any. */
export function knownTokenFormat(value: string): string | undefined {
  const text = literalText(value);
  return FORMATS.find((format) => format.pattern.test(text))?.label;
}

export const knownTokenFormatRule: LeakRule = {
  name: "known-token-format",
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
