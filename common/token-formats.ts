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
  /**
   * For a credential inside a larger form (a URL, a connection string): whether a match holds
   * a literal credential, not a placeholder (`${PASSWORD}`, `<password>`, `%s`). Absent: every match does.
   */
  readonly holdsCredential?: (match: RegExpExecArray) => boolean;
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
  // scheme://user:password@host, scheme://:password@host: a password in a URL (a database or
  // broker connection string); a password may hold `$` (`pa$$word`), a placeholder is not one.
  {
    label: "a URL with a password",
    pattern: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@"'<>`]*:([^\s/@"'<>`]+)@[A-Za-z0-9[.-]/i,
    holdsCredential: (match) => isLiteralPassword(match[1]),
  },
  // jdbc:oracle:thin:user/password@host: Oracle's own form.
  {
    label: "a JDBC URL with a password",
    pattern: /\bjdbc:oracle:[a-z0-9]+:[^\s/@"'<>`:]+\/([^\s@"'<>`]+)@/i,
    holdsCredential: (match) => isLiteralPassword(match[1]),
  },
  // password=... as a URL's query parameter (`?user=app&password=...`, JDBC's `;password=...`) or a
  // key-value connection string's (ADO.NET `Server=...;Password=...`, libpq `host=... password=...`).
  {
    label: "a connection string with a password",
    pattern: /(?:^|[?&;\s"'`])(?:password|passwd|pwd)\s*=\s*([^&;#\s"'<>`]+)/i,
    holdsCredential: (match) => isLiteralPassword(match[1]) && inConnectionString(match),
  },
];

// What stands for a password in documentation and templates: never a credential itself.
const PLACEHOLDER_PASSWORD =
  /^(?:\$\{[^}]*\}|\$\(?[A-Za-z_][A-Za-z0-9_]*\)?|\{\{?[^{}]*\}?\}|\{[0-9]*\}|%[sv]|%\([A-Za-z_]+\)s|<[^<>]*>|\[[^\]]*\]|\*+|[xX]+|\.{3}|:[a-z_]+|\?|password|passwd|pass|pwd|secret)$/i;

function isLiteralPassword(password: string | undefined): boolean {
  if (password === undefined || password === "") return false;
  // A password is percent-encoded in a URL: `%24%7BPW%7D` is `${PW}`.
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // Not percent-encoded: as written.
  }
  return !PLACEHOLDER_PASSWORD.test(decoded);
}

// The keys that make `password=` part of a connection: a URL or scheme before it, or another
// key of a connection string beside it (within the same quoted text or line).
const CONNECTION_CONTEXT =
  /:\/\/|\bjdbc:|(?:^|[;&?\s"'`])(?:server|data source|host|hostname|address|addr|user id|userid|uid|user|username|database|dbname|initial catalog|port)\s*=/i;

function inConnectionString(match: RegExpExecArray): boolean {
  const text = match.input;
  const start = match.index;
  const end = start + match[0].length;
  const from = boundaryBefore(text, start, 300);
  const to = boundaryAfter(text, end, 300);
  return CONNECTION_CONTEXT.test(text.slice(from, start + 1)) || CONNECTION_CONTEXT.test(text.slice(end, to));
}

/** Where the quoted text or line around `at` starts, at most `max` characters back. */
function boundaryBefore(text: string, at: number, max: number): number {
  for (let i = at - 1; i >= Math.max(0, at - max); i--) if ("\"'`\n".includes(text[i]!)) return i + 1;
  return Math.max(0, at - max);
}

function boundaryAfter(text: string, at: number, max: number): number {
  for (let i = at; i < Math.min(text.length, at + max); i++) if ("\"'`\n".includes(text[i]!)) return i;
  return Math.min(text.length, at + max);
}

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
  for (const match of tokenMatches(text)) {
    if (found === undefined || match.index < found.index) found = { label: match.label, index: match.index };
  }
  return found;
}

/** Every credential-format match in `text` (overlapping matches of different formats included). */
function* tokenMatches(text: string): Generator<{ label: string; index: number; length: number }> {
  for (const format of GLOBAL_FORMATS) {
    format.pattern.lastIndex = 0;
    for (let match = format.pattern.exec(text); match; match = format.pattern.exec(text)) {
      if (match[0] === "") format.pattern.lastIndex += 1;
      else if (!format.holdsCredential || format.holdsCredential(match))
        yield { label: format.label, index: match.index, length: match[0].length };
    }
  }
}

// The same formats, global: each match tried in turn (the first `password=` may be a placeholder, the next not).
const GLOBAL_FORMATS: readonly TokenFormat[] = FORMATS.map((format) => ({
  ...format,
  pattern: new RegExp(format.pattern.source, `${format.pattern.flags.replace("g", "")}g`),
}));

/**
 * Any text (another tool's message: esbuild's, a zip reader's, a loader's) with every credential
 * format and every random-looking run replaced by its length and kind, so it can be passed on.
 *
 * @example
 * redactText('Expected "}" but found "<a GitHub token>"');
 * // 'Expected "}" but found "<40 characters that look like a GitHub token>"'
 */
export function redactText(text: string): string {
  const spans = [...tokenMatches(text)].sort((a, b) => a.index - b.index);
  let out = "";
  let at = 0;
  for (const span of spans) {
    if (span.index < at) continue;
    out += `${text.slice(at, span.index)}<${span.length} characters that look like ${span.label}>`;
    at = span.index + span.length;
  }
  out += text.slice(at);
  return out.replace(RUN, (run) =>
    looksRandom(run) || looksRandomName(run) ? `<${run.length} characters that look random>` : run,
  );
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
    if (pieces.length > 1 && isRandomBase64(run, pieces)) return true;
  }
  return false;
}

/**
 * A run of standard base64 (`/` and `+` among letters and digits), such as a 40-character AWS
 * secret access key: random as a whole, though `/` cuts it into short pieces. A path is not one:
 * some piece of it is a word (`static/js/main`), or it lacks one of upper case, lower case and digits.
 */
function isRandomBase64(run: string, pieces: readonly string[]): boolean {
  const body = run.replace(/=+$/, "");
  if (body.length < 32 || !/^[A-Za-z0-9+/]+$/.test(body)) return false;
  if (![/[A-Z]/, /[a-z]/, /[0-9]/].every((c) => c.test(body))) return false;
  if (pieces.some((piece) => piece.length >= 4 && WORD.test(piece))) return false;
  return shannonEntropy(body) >= MIN_BITS_MIXED;
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
