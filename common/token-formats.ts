/**
 * What a credential looks like: the known token formats that secret scanners (gitleaks,
 * trufflehog) look for, and a test for long random-looking strings. Shared by the leak guard,
 * every refusal that must not quote a value (`show()` in `values.ts`) and the secrets CLI.
 *
 * Like `naming.ts` and `values.ts`, this module stays free of cdktf and AWS SDK imports.
 *
 * Only formats with a fixed, distinctive shape are here (a prefix, a host, a PEM armour): each
 * is precise enough to refuse on sight, in any literal of a stack and in the bundled code. The
 * patterns are written from the issuers' documented formats, with the scanners' rules as a
 * cross-check; none of them spells a whole token (repository hooks grep source for token prefixes).
 */

/** One known format: what to call it in a message, and its pattern. */
interface TokenFormat {
  readonly label: string;
  readonly pattern: RegExp;
}

const FORMATS: readonly TokenFormat[] = [
  { label: "a GitHub token", pattern: /gh[pousr]_[A-Za-z0-9]{30,}/ },
  { label: "a GitHub fine-grained token", pattern: new RegExp(`github${"_"}pat_[A-Za-z0-9_]{20,}`) },
  { label: "a GitLab token", pattern: /\bgl(?:pat|ptt|rt|dt|cbt|oas|soat|ft|imt|agent)-[0-9A-Za-z_-]{20,}/ },
  { label: "a Slack token", pattern: /\bxox[a-z]-[A-Za-z0-9-]{10,}/ },
  { label: "a Slack app token", pattern: /\bxapp-\d-[A-Za-z0-9-]{10,}/ },
  { label: "a Slack webhook URL", pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\//i },
  { label: "a Microsoft Teams webhook URL", pattern: /\.webhook\.office\.com\/webhookb2\//i },
  { label: "a Discord webhook URL", pattern: /discord(?:app)?\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]{20,}/i },
  { label: "an AWS access key id", pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/ },
  { label: "a private key", pattern: new RegExp(`-{5}BEGIN[ A-Z0-9_-]{0,100}PRIVATE ${"KEY"}(?: BLOCK)?-{5}`) },
  { label: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
  { label: "a Stripe key", pattern: /\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,}/ },
  { label: "a Stripe webhook secret", pattern: /\bwhsec_[A-Za-z0-9]{24,}/ },
  { label: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  { label: "a Google OAuth client secret", pattern: /\bGOCSPX-[A-Za-z0-9_-]{28}/ },
  { label: "an npm token", pattern: /\bnpm_[A-Za-z0-9]{36}/ },
  { label: "a PyPI token", pattern: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/ },
  { label: "a Docker Hub token", pattern: /\bdckr_pat_[A-Za-z0-9_-]{27,}/ },
  {
    label: "an OpenAI API key",
    pattern: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}/,
  },
  { label: "an Anthropic API key", pattern: /\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{20,}/ },
  { label: "a SendGrid API key", pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/ },
  { label: "a Twilio API key", pattern: /\bSK[0-9a-f]{32}\b/ },
  { label: "a Mailgun API key", pattern: /\bkey-[0-9a-f]{32}\b/ },
  { label: "a Shopify token", pattern: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}/ },
  { label: "a Square token", pattern: /\bsq0(?:atp|csp)-[0-9A-Za-z_-]{22,}/ },
  { label: "a HashiCorp Terraform token", pattern: /\b[a-z0-9]{14}\.atlasv1\.[a-z0-9_=-]{60,}/ },
  { label: "a HashiCorp Vault token", pattern: /\bhv[sb]\.[A-Za-z0-9_-]{90,}/ },
  { label: "a DigitalOcean token", pattern: /\bdo[opr]_v1_[a-f0-9]{64}/ },
  { label: "a Databricks token", pattern: /\bdapi[a-f0-9]{32}\b/ },
  { label: "an Atlassian API token", pattern: /\bATATT3[A-Za-z0-9_=-]{100,}/ },
  { label: "a Linear API key", pattern: /\blin_api_[A-Za-z0-9]{40}/ },
  { label: "a Postman API key", pattern: /\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}/ },
  { label: "a Hugging Face token", pattern: /\bhf_[A-Za-z]{34}\b/ },
  { label: "a Telegram bot token", pattern: /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/ },
  { label: "an age secret key", pattern: /AGE-SECRET-KEY-1[0-9A-Z]{58}/ },
  { label: "an Azure storage account key", pattern: /AccountKey=[A-Za-z0-9+/]{86}==/ },
  // scheme://user:password@host: a password in a URL (a database or broker connection string).
  {
    label: "a URL with a password",
    pattern: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@${}"']+:[^\s/@${}"']+@[A-Za-z0-9.-]+/i,
  },
];

// One pass over a long text (a bundle, a whole stack's literals) before the formats one by one.
const ANY_FORMAT = new RegExp(FORMATS.map((f) => `(?:${f.pattern.source})`).join("|"), "i");

/**
 * Names the known token format `text` holds anywhere (`"a GitHub token"`), or undefined. Text
 * only: a Terraform string's `${...}` parts are the expression pass's (`leak-guard/expression.ts`).
 *
 * @example
 * knownTokenFormat("Bearer <a classic GitHub token>"); // "a GitHub token"
 * knownTokenFormat("https://api.github.com");         // undefined
 */
export function knownTokenFormat(text: string): string | undefined {
  return findTokenFormat(text)?.label;
}

/** The first known token format in `text` and where it starts (for a line number in a file), or undefined. */
export function findTokenFormat(text: string): { readonly label: string; readonly index: number } | undefined {
  if (!ANY_FORMAT.test(text)) return undefined;
  let found: { label: string; index: number } | undefined;
  for (const format of FORMATS) {
    const match = format.pattern.exec(text);
    if (match && (found === undefined || match.index < found.index))
      found = { label: format.label, index: match.index };
  }
  return found;
}

/** Every label this module knows, in order: for documentation and tests. */
export const TOKEN_FORMAT_LABELS: readonly string[] = FORMATS.map((format) => format.label);

// Runs of the characters keys and base64/hex secrets are made of.
const RUN = /[A-Za-z0-9+/=_-]{32,}/g;
const HEX = /^[0-9a-fA-F]+$/;
// Bits per character: a random 32-character base62 string scores above 4.0, a random
// 32-digit hex string above 2.9; names, paths and URLs made of words stay below.
const MIN_BITS_MIXED = 4.0;
const MIN_BITS_HEX = 2.9;

/** Shannon entropy of a string, in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * True when the text holds a run of 32 or more key characters that looks random: hex with
 * high entropy, or a mix of at least two of upper case, lower case and digits with high
 * entropy. Path-like runs are judged segment by segment (`key/<uuid>` is not a key), and a run of words joined by `_`,
 * `-` or `.` (`db_password_primary_cluster_eu_west_1_v2`) only when one of its words looks random.
 */
export function looksRandom(text: string): boolean {
  for (const [run] of text.matchAll(RUN)) {
    const pieces = run.split("/");
    if (pieces.some((piece) => piece.length >= 32 && isRandomPiece(piece) && !isWordsJoined(piece))) return true;
  }
  return false;
}

/**
 * True for a name (an identifier, not a value) that looks like a key pasted where a name
 * belongs: a word of 12 or more characters, between the separators `_`, `-`, `.` and `/`, that
 * mixes character classes the way random text does (`notifier_dev` and `MyServiceWorkerV2` do not).
 */
export function looksRandomName(name: string): boolean {
  return name.split(/[_./-]/).some(isRandomWord);
}

function isRandomPiece(piece: string): boolean {
  if (HEX.test(piece)) return shannonEntropy(piece) >= MIN_BITS_HEX;
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/].filter((c) => c.test(piece)).length;
  return classes >= 2 && shannonEntropy(piece) >= MIN_BITS_MIXED;
}

/** True for words joined by separators (`db_password_primary_cluster_eu_west_1_v2`): a name, however long. */
function isWordsJoined(piece: string): boolean {
  const words = piece.split(/[_.-]/);
  return words.length > 1 && words.every((word) => WORD.test(word));
}

// A word of a name: lower case, capitalised or upper case, camel-cased on, a number at its end;
// or a short one of anything (cdktf's `_7B0670BA` suffixes).
const WORD = /^(?:(?:[a-z]+|[A-Z][a-z]*|[A-Z]+)(?:[A-Z][a-z]+)*[0-9]*|[0-9]+|[0-9A-F]{8}|.{1,3})$/;

// Random text switches between upper case, lower case and digits at about every other
// character and has few runs of lower-case letters; a name is mostly words of three or more
// lower-case letters (`s3BucketNameForUploads2024` as much as `order_service`).
const MIN_RANDOM_WORD = 12;
const MIN_CLASS_CHANGES = 0.3;
const MAX_IN_LOWER_RUNS = 0.4;

function isRandomWord(word: string): boolean {
  if (word.length < MIN_RANDOM_WORD || WORD.test(word)) return false;
  // Hex: a key of 32 digits or more (AWS ids, `sg-0123456789abcdef0`, have 8 or 17).
  if (HEX.test(word)) return word.length >= 32 && shannonEntropy(word) >= MIN_BITS_HEX;
  let changes = 0;
  for (let i = 1; i < word.length; i++) if (classOf(word[i]!) !== classOf(word[i - 1]!)) changes += 1;
  const inLowerRuns = (word.match(/[a-z]{3,}/g) ?? []).reduce((sum, run) => sum + run.length, 0);
  // Lower case and digits alone (a base36 key): digits scattered in many runs, not a version at the end.
  const digitRuns = (word.match(/[0-9]+/g) ?? []).length;
  return (
    (changes / word.length >= MIN_CLASS_CHANGES && inLowerRuns / word.length < MAX_IN_LOWER_RUNS) ||
    digitRuns >= Math.max(4, word.length / 8)
  );
}

function classOf(char: string): number {
  return /[A-Z]/.test(char) ? 0 : /[a-z]/.test(char) ? 1 : /[0-9]/.test(char) ? 2 : 3;
}
