/**
 * Fake, obviously made-up credentials in the known token formats, built at run time so that no
 * token-shaped string is in the source (repository hooks grep it for token prefixes).
 */
import { createHash } from "node:crypto";

/** `length` characters cycling through `seed`: token-shaped, not random. */
export const alnum = (length: number, seed = "a1B2c3D4e5F6g7H8i9J0") =>
  Array.from({ length }, (_, i) => seed[(i * 7) % seed.length]).join("");

/** A fixed pseudo-random string (SHA-256 of a seed), so the tests do not depend on luck. */
export function pseudoRandom(length: number, alphabet: string, seed = 42): string {
  const bytes = Buffer.concat([0, 1, 2, 3].map((i) => createHash("sha256").update(`${seed}/${i}`).digest()));
  return Array.from({ length }, (_, i) => alphabet[bytes[i]! % alphabet.length]).join("");
}

export const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
export const HEX = "0123456789abcdef";

/** One fake of each kind the red-team pass used, by the label the detectors give it. */
export const FAKE = {
  "GitHub token": `ghp_${alnum(36)}`,
  "GitHub fine-grained token": `github_pat_${alnum(22)}_${alnum(59)}`,
  "Slack token": `xoxb-1234567890-${alnum(24)}`,
  "Slack webhook URL": `https://hooks.slack.com/services/T0000/B0000/${alnum(24)}`,
  "AWS access key id": `AKIA${"EXAMPLE".padEnd(16, "X")}`,
  "private key": `${["-----BEGIN RSA PRIVATE", "KEY-----"].join(" ")}\nMIIE${alnum(40)}\n-----END RSA PRIVATE KEY-----`,
  "JSON Web Token": ["eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiIxMjM0NTY3ODkwIn0", alnum(43)].join("."),
  "Stripe key": `${["sk", "live"].join("_")}_${alnum(24)}`,
  "Google API key": `AIza${alnum(35)}`,
  "npm token": `npm_${alnum(36)}`,
  "high-entropy string": pseudoRandom(40, BASE64URL),
} as const;
