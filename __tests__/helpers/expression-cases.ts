/**
 * Expressions the leak guard's expression pass evaluates, each with what `terraform console`
 * (1.11.4) printed for `jsonencode(<console>)`: the unit tests hold the pass to these values, and
 * the deploy suite (`__tests__/deploy/expression-console.deploy.ts`) asks the real Terraform again.
 */
export interface ConsoleCase {
  /** The expression as typed into `terraform console`. */
  readonly console: string;
  /** The same, as a string of Terraform JSON (a template: `${...}` around an expression). */
  readonly template: string;
  /** `jsonencode` of Terraform's value. */
  readonly json: string;
}

const wrapped = (console: string, json: string): ConsoleCase => ({ console, template: `\${${console}}`, json });

export const CONSOLE_CASES: readonly ConsoleCase[] = [
  wrapped('join("", ["gh", "p_x"])', '"ghp_x"'),
  wrapped('join("-", ["a"], ["b", "c"])', '"a-b-c"'),
  wrapped('format("%s-%s", "a", "b")', '"a-b"'),
  wrapped('format("%q|%d|%v|%%|%t", "a\\"b", 42, "v", true)', '"\\"a\\\\\\"b\\"|42|v|%|true"'),
  wrapped('format("%[2]s %[1]s", "a", "b")', '"b a"'),
  wrapped('lower("ABC")', '"abc"'),
  wrapped('upper("déf")', '"DÉF"'),
  wrapped('title("hello world-foo_bar")', '"Hello World-Foo_bar"'),
  wrapped('strrev("abc")', '"cba"'),
  wrapped('trimspace("  a b \\n")', '"a b"'),
  wrapped('chomp("a\\n\\n")', '"a"'),
  wrapped('trimprefix("ghp_x", "ghp_")', '"x"'),
  wrapped('trimsuffix("ab", "b")', '"a"'),
  wrapped('replace("a-b-c", "-", "")', '"abc"'),
  wrapped('substr("hello", 1, 3)', '"ell"'),
  wrapped('substr("hello", -3, -1)', '"llo"'),
  wrapped('base64decode("aGVsbG8=")', '"hello"'),
  wrapped('base64encode("hello")', '"aGVsbG8="'),
  wrapped('textdecodebase64("aGVsbG8=", "UTF-8")', '"hello"'),
  wrapped('jsondecode("{\\"a\\":\\"tok\\",\\"n\\":1}")', '{"a":"tok","n":1}'),
  wrapped("tostring(1)", '"1"'),
  wrapped('concat(["a"], ["b"])', '["a","b"]'),
  wrapped('split(",", "a,b,c")', '["a","b","c"]'),
  wrapped('element(["a","b","c"], 4)', '"b"'),
  wrapped('coalesce("", "x")', '"x"'),
  wrapped('lookup({a = "1", b = "2"}, "b", "z")', '"2"'),
  wrapped('lookup({a = "1"}, "c", "z")', '"z"'),
  wrapped('true ? "yes" : "no"', '"yes"'),
  wrapped("1 + 2", "3"),
  { console: '"ab${""}cd"', template: 'ab${""}cd', json: '"abcd"' },
  { console: '"a${true ? "yes" : "no"}b"', template: 'a${true ? "yes" : "no"}b', json: '"ayesb"' },
  {
    console: '"x%{ if false }a%{ else }b%{ endif }y"',
    template: "x%{ if false }a%{ else }b%{ endif }y",
    json: '"xby"',
  },
  { console: '"x%{~ if true ~}  a  %{~ endif ~} y"', template: "x%{~ if true ~}  a  %{~ endif ~} y", json: '"xay"' },
  { console: '"${"a${"b"}c"}"', template: '${"a${"b"}c"}', json: '"abc"' },
  { console: '"$${not.ref}"', template: "$${not.ref}", json: '"${not.ref}"' },
  // Issue 31: the functions that build text in ways the first pass did not evaluate.
  wrapped('replace("a-b--c", "/-+/", "_")', '"a_b_c"'),
  wrapped('replace("abc", "/b*/", "-")', '"-a-c-"'),
  wrapped('replace("hello world", "/(\\\\w+) (\\\\w+)/", "$2 $1")', '"world hello"'),
  wrapped('replace("key=1", "/(?P<k>[a-z]+)=/", "$${k}:")', '"key:1"'),
  wrapped('format("%5s|%-5s|%.2s", "ab", "cd", "xyz")', '"   ab|cd   |xy"'),
  wrapped('format("%3d|%v|%v|%05s", 7, 12, true, "ab")', '"  7|12|true|000ab"'),
  wrapped('format("%[2]s%[1]s%s", "a", "b")', '"bab"'),
  wrapped('reverse(["a", "b", "c"])', '["c","b","a"]'),
  wrapped('textdecodebase64("aABpAA==", "UTF-16LE")', '"hi"'),
  wrapped('textdecodebase64("AGgAaQ==", "UTF-16BE")', '"hi"'),
  wrapped('trim("?!hello?!", "!?")', '"hello"'),
  wrapped('textdecodebase64("aOk=", "ISO-8859-1")', '"h\u00e9"'),
  wrapped('textdecodebase64("aGk=", "US-ASCII")', '"hi"'),
];
