import { findTokenFormat } from "../../../common/token-formats";
import { findEncodedToken, findStoredToken } from "../files/stored-strings";
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
      const found = findStoredToken(value.data ?? Buffer.from(value.value, "latin1"));
      if (!found) return undefined;
      const file = value.resourceType === "deployed-file" && value.file ? `the file ${value.file} ` : "";
      return `${file}holds what looks like ${found.label} (${found.where})`;
    }
    // Each literal on its own, then the text joined around the parts Terraform resolves later.
    // (The joined text of a plain string is its one literal: scanned once, not twice.)
    const { literals, joined } = value.reading;
    for (const text of literals.includes(joined) ? literals : [...literals, joined]) {
      const found = tokenFormatOf(text);
      if (found) return `looks like ${found.label}${value.value.includes(text) ? "" : " once Terraform evaluates it"}`;
    }
    // A token stored encoded: a base64 or hex run, decoded once.
    for (const text of value.reading.literals) {
      const found = findEncodedToken(text);
      if (found) return `holds what looks like ${found.label} once decoded (${found.where.replace(/^, /, "")})`;
    }
    return undefined;
  },
};

// A stack repeats the same texts across its functions (a statement's actions, a policy's condition
// keys, the placeholder): each distinct short text without a token is read once per process.
// Bounded: cleared when full, and long texts are not kept.
const CLEAN_TEXTS = 50_000;
const CLEAN_TEXT_LENGTH = 1024;
const cleanTexts = new Set<string>();

function tokenFormatOf(text: string): ReturnType<typeof findTokenFormat> {
  if (text.length > CLEAN_TEXT_LENGTH) return findTokenFormat(text);
  if (cleanTexts.has(text)) return undefined;
  const found = findTokenFormat(text);
  if (found) return found;
  if (cleanTexts.size >= CLEAN_TEXTS) cleanTexts.clear();
  cleanTexts.add(text);
  return undefined;
}
