/**
 * How a refusal shows what it was given: never the text of a value that could be a secret.
 * Shared by the constructs, the configuration check, the leak guard and the secrets CLI.
 *
 * Like `values.ts`, this module stays free of cdktf and AWS SDK imports; it is not imported by
 * the runtime loader, whose bundle need not carry the token formats.
 */
import { knownTokenFormat, looksRandom, looksRandomName } from "./token-formats";

export { knownTokenFormat } from "./token-formats";

/** What a prop's text must be, for {@link show} to say what is wrong with it without quoting it. */
export interface TextRule {
  /** One allowed character, e.g. `/[A-Za-z0-9_-]/`. */
  readonly chars?: RegExp;
  /** Fewest characters allowed. */
  readonly min?: number;
  /** Most characters allowed. */
  readonly max?: number;
}

// What may be quoted in a message: a name, a path, an ARN (never a space, a quote or a line),
// or one plain Terraform reference (`${aws_security_group.app.id}`), which holds no literal.
const PLAIN_NAME = /^[A-Za-z0-9_.:/@+=,-]{1,128}$/;
const PLAIN_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+|\[[0-9]+\])+\}$/;

/**
 * A value as an error message may show it. A string is quoted only when it is a plain name
 * (letters, digits and `_.:/@+=,-`, at most 128 characters) or one plain Terraform reference
 * (`${aws_security_group.app.id}`), and holds no known
 * token format and does not look random; any other string is described by its length and what
 * is wrong with it (`a string of 40 characters that looks like a GitHub token`, `a string of 12
 * characters (character 9 is a space)`), never quoted, so a secret pasted into the wrong prop
 * never reaches a CI log. Numbers, booleans, null and undefined are shown as they are, anything
 * else by its kind.
 *
 * @example
 * show("notifier-dev");                           // "\"notifier-dev\""
 * show("my function", { chars: /[A-Za-z0-9_-]/ }); // "a string of 11 characters (character 3 is a space)"
 */
export function show(value: unknown, rule: TextRule = {}): string {
  if (typeof value === "string") return showText(value, rule);
  if (value === undefined || value === null || typeof value === "number" || typeof value === "boolean")
    return String(value);
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function showText(text: string, rule: TextRule): string {
  const token = knownTokenFormat(text);
  const random = token === undefined && (looksRandom(text) || looksRandomName(text));
  const offence = offenceOf(text, rule);
  if ((PLAIN_NAME.test(text) || PLAIN_REFERENCE.test(text)) && token === undefined && !random)
    return offence ? `${JSON.stringify(text)} (${offence})` : JSON.stringify(text);
  const looks = token ? ` that looks like ${token}` : random ? " that looks random, like a key or a password" : "";
  const size =
    text.length === 0 ? "an empty string" : `a string of ${text.length} character${text.length === 1 ? "" : "s"}`;
  return `${size}${looks}${offence ? ` (${offence})` : ""}`;
}

/** What is wrong with the text under the rule, in words that never quote more than one punctuation character. */
function offenceOf(text: string, rule: TextRule): string | undefined {
  if (rule.min !== undefined && text.length < rule.min)
    return text.length === 0 ? "it is empty" : `fewer than ${rule.min} characters`;
  if (rule.max !== undefined && text.length > rule.max) return `more than ${rule.max} characters`;
  if (rule.chars === undefined) return undefined;
  const chars = rule.chars;
  const at = [...text].findIndex((char) => !new RegExp(`^${chars.source}$`, chars.flags.replace("g", "")).test(char));
  return at < 0 ? undefined : `character ${at + 1} is ${describeCharacter([...text][at]!)}`;
}

function describeCharacter(char: string): string {
  if (char === " ") return "a space";
  if (char === "\n" || char === "\r") return "a line break";
  if (char === "\t") return "a tab";
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return "a control character";
  if (code > 0x7e) return "a non-ASCII character";
  if (/[A-Za-z0-9]/.test(char)) return "a letter or digit not allowed there";
  return JSON.stringify(char);
}

/**
 * A name from the code (a Terraform address, a construct path, a variable's name) as a message
 * may print it: whatever part of it looks like a token or a random key is replaced by a
 * description, so a token used as a construct id or a tag name is not printed by its own refusal.
 *
 * @example
 * redact("aws_lambda_function.notifier_Function_1A2B3C4D"); // unchanged
 */
export function redact(name: string): string {
  return name
    .split(/([^A-Za-z0-9_:@+=,-]+)/)
    .map((part) => {
      const token = knownTokenFormat(part);
      if (token !== undefined) return `<${part.length} characters that look like ${token}>`;
      return looksRandom(part) || looksRandomName(part) ? `<${part.length} characters that look random>` : part;
    })
    .join("");
}
