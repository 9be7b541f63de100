/**
 * `replace(s, "/re/", r)` as Terraform computes it (Go's `regexp.ReplaceAllString`), for the
 * regular expressions whose meaning RE2 and JavaScript share once translated: literal text,
 * escapes of punctuation, `.` (RE2's excludes only `\n`), classes without POSIX names, `\d \w \s`
 * (ASCII in both; RE2's `\s` is `[\t\n\f\r ]`), `\b`, anchors, groups (`(?P<name>...)` too),
 * alternation and repetition. Anything else (flags such as `(?i)`, `\A`, `\z`, `\pL`, `\Q`, POSIX
 * classes) is unjudgeable: the pass says so rather than guess.
 *
 * Matching follows Go's rules too: successive non-overlapping matches, an empty match right after
 * the previous match ignored, the replacement expanded as Go expands `$1`, `${1}`, `$name`, `$$`.
 */
import { Unjudgeable } from "./value";

export function re2Replace(input: string, pattern: string, replacement: string): string {
  const regex = translate(pattern);
  let out = "";
  let last = 0;
  let previousEnd = -1;
  for (let at = 0; at <= input.length; ) {
    regex.lastIndex = at;
    const match = regex.exec(input);
    if (!match) break;
    const start = match.index;
    const end = start + match[0].length;
    if (start === end && start === previousEnd) {
      at = start + codePointLength(input, start);
      continue;
    }
    out += input.slice(last, start) + expand(replacement, match);
    last = end;
    previousEnd = end;
    at = start === end ? end + codePointLength(input, end) : end;
  }
  return out + input.slice(last);
}

function codePointLength(text: string, at: number): number {
  const code = text.codePointAt(at);
  return code !== undefined && code > 0xffff ? 2 : 1;
}

const SHARED_ESCAPES = new Set([..."dDwWbB.*+?()[]{}|^$\\/-nrtf"]);

/** RE2 syntax to an equivalent JavaScript RegExp (flags gu), or Unjudgeable. */
function translate(pattern: string): RegExp {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next === undefined) throw new Unjudgeable("a regular expression ending in \\");
      if (next === "s") out += inClass ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]";
      else if (next === "S" && !inClass) out += "[^\\t\\n\\f\\r ]";
      else if (SHARED_ESCAPES.has(next) && !(inClass && /[bB]/.test(next))) out += `\\${next}`;
      else throw new Unjudgeable(`the regular expression escape \\${next}`);
      i += 1;
    } else if (inClass) {
      if (c === "[" && pattern[i + 1] === ":") throw new Unjudgeable("a POSIX class in a regular expression");
      if (c === "]") inClass = false;
      out += c;
    } else if (c === "[") {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "^") {
        out += "^";
        i += 1;
      }
      // A `]` first in a class is a literal in RE2, the class's end in JavaScript.
      if (pattern[i + 1] === "]") {
        out += "\\]";
        i += 1;
      }
    } else if (c === ".") {
      out += "[^\\n]";
    } else if (c === "(" && pattern[i + 1] === "?") {
      const rest = pattern.slice(i);
      const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (named) {
        out += `(?<${named[1]}>`;
        i += named[0].length - 1;
      } else if (rest.startsWith("(?:")) {
        out += "(?:";
        i += 2;
      } else throw new Unjudgeable("regular expression flags or groups of RE2's own");
    } else if (c === "{") {
      const repeat = /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i));
      if (!repeat) throw new Unjudgeable("a literal { in a regular expression");
      out += repeat[0];
      i += repeat[0].length - 1;
    } else out += c;
  }
  try {
    return new RegExp(out, "gu");
  } catch {
    throw new Unjudgeable("a regular expression JavaScript reads otherwise");
  }
}

/** Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}` (longest run of letters, digits, `_`), `$$`. */
function expand(template: string, match: RegExpExecArray): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== "$") {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith("$")) {
      out += "$";
      i += 1;
      continue;
    }
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const bare = /^[A-Za-z0-9_]+/.exec(rest);
    const name = braced ? braced[1]! : bare ? bare[0] : undefined;
    if (name === undefined) {
      // Malformed: Go writes the `$` as it is.
      out += "$";
      continue;
    }
    i += braced ? braced[0].length : name.length;
    out += group(match, name);
  }
  return out;
}

function group(match: RegExpExecArray, name: string): string {
  if (/^[0-9]+$/.test(name)) return match[Number(name)] ?? "";
  return match.groups?.[name] ?? "";
}
