/**
 * The dotenv text `import` reads from stdin: `NAME=value` lines. Written here rather than
 * taken from the `dotenv` package, whose parser drops what it cannot read without a word
 * (a line it does not match, the text after `#` in an unquoted value, a repeated name):
 * a secret cut short or skipped would be imported wrong and silently. Here every line
 * either yields a value exactly as written or stops the whole import, with a message that
 * names the line and the name, never the value.
 *
 * The rules:
 * - blank lines and lines starting with `#` are skipped; `export NAME=value` is `NAME=value`;
 *   spaces around `=` are not part of the value;
 * - an unquoted value runs to the end of its line, exactly (`#` included); spaces or tabs at
 *   its end are refused (quote the value to keep them);
 * - `'single quotes'` keep everything between them, newlines included (a PEM key), with no
 *   escapes; `"double quotes"` too, and read `\n`, `\r`, `\t`, `\"` and `\\` (any other
 *   backslash is refused); after the closing quote only a `# comment` may follow;
 * - line ends are LF (`\n`), CRLF (`\r\n`, Windows) or CR alone (`\r`, classic Mac OS), each
 *   read as `\n`, inside quoted values too; a text that mixes CR alone with LF or CRLF is
 *   refused whole (which CR is a line end and which part of a value cannot be told);
 * - a name given twice is refused.
 */
import { CliError, EXIT, shownArgument } from "./errors";

/** One `NAME=value` of the text. */
export interface DotenvEntry {
  readonly name: string;
  readonly value: string;
  /** The line the entry starts on, from 1. */
  readonly line: number;
}

const NAME = /[A-Za-z0-9_.-]/;
const BLANK = new Set([" ", "\t"]);
const ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/** Parses the text, or throws a usage error naming the line (never a value). */
export function parseDotenv(input: string): DotenvEntry[] {
  const crAlone = /\r(?!\n)/.test(input);
  if (crAlone && input.includes("\n")) {
    throw new CliError(
      "the dotenv input mixes line ends: CR alone (old Mac) with LF or CRLF, so a CR could be a line end or part of a value; " +
        "convert the file to one kind of line end (e.g. dos2unix); nothing was imported",
      EXIT.usage,
    );
  }
  const text = crAlone ? input.replace(/\r/g, "\n") : input.replace(/\r\n/g, "\n");
  const entries: DotenvEntry[] = [];
  let at = 0;
  let line = 1;
  const fail = (problem: string, where = line) => {
    throw new CliError(`line ${where} of the dotenv input: ${problem}; nothing was imported`, EXIT.usage);
  };
  const skipBlanks = () => {
    while (BLANK.has(text[at] ?? "")) at++;
  };
  const restOfLineIsComment = () => {
    skipBlanks();
    if (at < text.length && text[at] !== "\n" && text[at] !== "#") return false;
    while (at < text.length && text[at] !== "\n") at++;
    return true;
  };
  while (at < text.length) {
    skipBlanks();
    if (restOfLineIsComment()) {
      at++;
      line++;
      continue;
    }
    if (text.startsWith("export", at) && BLANK.has(text[at + 6] ?? "")) {
      at += 6;
      skipBlanks();
    }
    const start = at;
    while (NAME.test(text[at] ?? "")) at++;
    const name = text.slice(start, at);
    skipBlanks();
    if (name === "" || text[at] !== "=") fail("expected NAME=value");
    at++;
    skipBlanks();
    const first = line;
    const quote = text[at];
    let value = "";
    if (quote === '"' || quote === "'") {
      at++;
      for (;;) {
        const char = text[at];
        if (char === undefined)
          fail(
            `the ${quote === '"' ? "double" : "single"}-quoted value of ${shownArgument(name)} has no closing quote`,
            first,
          );
        at++;
        if (char === quote) break;
        if (char === "\n") line++;
        if (char === "\\" && quote === '"') {
          const escaped = ESCAPES[text[at] ?? ""];
          if (escaped === undefined)
            fail(
              `the double-quoted value of ${shownArgument(name)} has a backslash that is none of \\n \\r \\t \\" \\\\ (use single quotes for a literal one)`,
            );
          value += escaped;
          at++;
          continue;
        }
        value += char;
      }
      if (!restOfLineIsComment())
        fail(`text after the closing quote of ${shownArgument(name)}'s value (only a # comment may follow)`);
    } else {
      const end = text.indexOf("\n", at);
      value = text.slice(at, end === -1 ? text.length : end);
      at = end === -1 ? text.length : end;
      if (/[ \t]$/.test(value))
        fail(`the value of ${shownArgument(name)} ends with spaces or tabs: quote it to keep them, or remove them`);
    }
    const earlier = entries.find((e) => e.name === name);
    if (earlier) fail(`${shownArgument(name)} is given twice (lines ${earlier.line} and ${first})`, first);
    entries.push({ name, value, line: first });
    at++;
    line++;
  }
  return entries;
}
