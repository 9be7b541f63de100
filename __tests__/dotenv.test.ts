import { CliError } from "../cli/errors";
import { parseDotenv } from "../cli/dotenv";

// Obviously fake, distinctive enough to find in any message that leaks it.
const FAKE = "fake-dotenv-value-9b3c";
const PEM = ["-----BEGIN FAKE KEY-----", `MIIfake${FAKE}`, "second+line/=", "-----END FAKE KEY-----"].join("\n");

function refusal(text: string): CliError {
  try {
    parseDotenv(text);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error("expected the text to be refused");
}

describe("the dotenv text import reads", () => {
  test("reads NAME=value lines, skipping blank lines and comments, with export and spaces around =", () => {
    const text = `# the team's secrets\n\ngithub_token=${FAKE}\n  export SLACK_URL = https://example.invalid/${FAKE}\n\t# indented comment\napi_key=a=b=c\n`;
    expect(parseDotenv(text)).toEqual([
      { name: "github_token", value: FAKE, line: 3 },
      { name: "SLACK_URL", value: `https://example.invalid/${FAKE}`, line: 4 },
      { name: "api_key", value: "a=b=c", line: 6 },
    ]);
  });

  test("keeps an unquoted value to the end of its line exactly, # included (dotenv would cut it there)", () => {
    expect(parseDotenv(`token=${FAKE}#tail # not a comment`)).toEqual([
      { name: "token", value: `${FAKE}#tail # not a comment`, line: 1 },
    ]);
  });

  test("takes a quoted PEM key that spans lines whole, in double or single quotes, and counts its lines", () => {
    const text = `first=one\nsigning_key="${PEM}"\nafter='${PEM}' # a comment\nlast=two`;
    expect(parseDotenv(text)).toEqual([
      { name: "first", value: "one", line: 1 },
      { name: "signing_key", value: PEM, line: 2 },
      { name: "after", value: PEM, line: 6 },
      { name: "last", value: "two", line: 10 },
    ]);
  });

  test("reads the escapes of double quotes, and keeps single-quoted text as written", () => {
    expect(parseDotenv(`a="x\\ny\\t\\"q\\" \\\\ \\r"\nb='x\\ny "q" \\'`)).toEqual([
      { name: "a", value: 'x\ny\t"q" \\ \r', line: 1 },
      { name: "b", value: 'x\\ny "q" \\', line: 2 },
    ]);
  });

  test("reads Windows line ends as \\n, also inside a quoted value", () => {
    expect(parseDotenv(`a=one\r\nkey="${PEM.replace(/\n/g, "\r\n")}"\r\nb=two\r\n`)).toEqual([
      { name: "a", value: "one", line: 1 },
      { name: "key", value: PEM, line: 2 },
      { name: "b", value: "two", line: 6 },
    ]);
  });

  test("keeps spaces inside quotes, and an empty value as empty (import refuses it later)", () => {
    expect(parseDotenv(`a="  padded  "\nb=\nc=''`)).toEqual([
      { name: "a", value: "  padded  ", line: 1 },
      { name: "b", value: "", line: 2 },
      { name: "c", value: "", line: 3 },
    ]);
  });

  test.each([
    ["a line that is no NAME=value", `ok=1\n${FAKE}\n`, "line 2 of the dotenv input: expected NAME=value"],
    [
      "a value with spaces at its end",
      `token=${FAKE}  \n`,
      'line 1 of the dotenv input: the value of "token" ends with spaces or tabs: quote it to keep them',
    ],
    [
      "an unclosed double quote",
      `a=1\nkey="${PEM}\nb=2`,
      'line 2 of the dotenv input: the double-quoted value of "key" has no closing quote',
    ],
    [
      "an unclosed single quote",
      `key='${FAKE}`,
      'line 1 of the dotenv input: the single-quoted value of "key" has no closing quote',
    ],
    [
      "text after the closing quote",
      `key="${FAKE}"${FAKE}`,
      `line 1 of the dotenv input: text after the closing quote of "key"'s value`,
    ],
    [
      "an unknown escape",
      `key="C:\\${FAKE}"`,
      'line 1 of the dotenv input: the double-quoted value of "key" has a backslash that is none of',
    ],
    [
      "a name given twice",
      `token=${FAKE}\nother=1\ntoken=${FAKE}2`,
      'line 3 of the dotenv input: "token" is given twice (lines 1 and 3)',
    ],
  ])("refuses %s, naming the line and never the value", (_, text, message) => {
    const error = refusal(text);
    expect(error.message).toContain(message);
    expect(error.message).toContain("nothing was imported");
    expect(error.exitCode).toBe(2);
    expect(error.message).not.toContain(FAKE);
    expect(error.message).not.toContain("MIIfake");
  });

  test("reads nothing from an empty text or one of comments only", () => {
    expect(parseDotenv("")).toEqual([]);
    expect(parseDotenv("# nothing\n\n   \n")).toEqual([]);
  });
});
