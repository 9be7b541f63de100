/**
 * Terraform's template and expression syntax (HCL's native syntax), parsed into a small tree:
 * a template is text, interpolations (`${...}`) and directives (`%{ if }`, `%{ for }`); an
 * expression is literals, tuples, objects, references, calls, operators and conditionals.
 */
import type { Value } from "./value";

export type TemplatePart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "interpolation"; readonly expression: Expression }
  | {
      readonly kind: "if";
      readonly condition: Expression;
      readonly then: TemplatePart[];
      readonly otherwise: TemplatePart[];
    }
  | { readonly kind: "for"; readonly collection: Expression; readonly body: TemplatePart[] };

export type Expression =
  | { readonly kind: "literal"; readonly value: Value }
  | { readonly kind: "template"; readonly parts: TemplatePart[] }
  | { readonly kind: "tuple"; readonly items: Expression[] }
  | { readonly kind: "object"; readonly entries: Array<readonly [Expression, Expression]> }
  | { readonly kind: "variable"; readonly name: string }
  | { readonly kind: "attribute"; readonly target: Expression; readonly name: string }
  | { readonly kind: "index"; readonly target: Expression; readonly key: Expression }
  | { readonly kind: "splat"; readonly target: Expression }
  | { readonly kind: "call"; readonly name: string; readonly args: Expression[]; readonly expand: boolean }
  | { readonly kind: "unary"; readonly operator: string; readonly operand: Expression }
  | { readonly kind: "binary"; readonly operator: string; readonly left: Expression; readonly right: Expression }
  | {
      readonly kind: "conditional";
      readonly condition: Expression;
      readonly then: Expression;
      readonly otherwise: Expression;
    }
  | { readonly kind: "for"; readonly parts: Expression[] };

/** Raised on text that is not Terraform's syntax; the caller falls back to judging every literal. */
export class SyntaxProblem extends Error {}

/**
 * How template text ends: a whole string or a heredoc at the end of its source, a quoted string
 * at its closing `"` (and only it has backslash escapes).
 */
type TemplateMode = "whole" | "quoted";

/** A cursor over the source. */
class Tokens {
  at: number;

  constructor(
    readonly source: string,
    start: number,
    readonly end: number,
  ) {
    this.at = start;
  }

  peek(offset = 0): string {
    return this.at + offset < this.end ? this.source[this.at + offset]! : "";
  }

  startsWith(text: string): boolean {
    return this.source.startsWith(text, this.at) && this.at + text.length <= this.end;
  }

  atEnd(): boolean {
    return this.at >= this.end;
  }

  /** Skips spaces, line breaks and comments between expression tokens. */
  skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.at += 1;
      else if (c === "#" || this.startsWith("//")) {
        while (!this.atEnd() && this.peek() !== "\n") this.at += 1;
      } else if (this.startsWith("/*")) {
        const close = this.source.indexOf("*/", this.at + 2);
        if (close < 0 || close + 2 > this.end) throw new SyntaxProblem("unterminated comment");
        this.at = close + 2;
      } else return;
    }
  }

  expect(text: string): void {
    this.skipSpace();
    if (!this.startsWith(text)) throw new SyntaxProblem(`expected ${text}`);
    this.at += text.length;
  }

  accept(text: string): boolean {
    this.skipSpace();
    if (!this.startsWith(text)) return false;
    this.at += text.length;
    return true;
  }
}

/** Template parts up to the end of the cursor (or, inside a directive body, up to its closing keyword). */
function parseTemplateAt(tokens: Tokens, mode: TemplateMode, closers: readonly string[] = []): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = "";
  const flush = () => {
    if (text !== "") parts.push({ kind: "text", text });
    text = "";
  };
  while (!tokens.atEnd()) {
    if (mode === "quoted" && tokens.peek() === '"') break;
    if (tokens.startsWith("$${") || tokens.startsWith("%%{")) {
      text += tokens.peek() === "$" ? "${" : "%{";
      tokens.at += 3;
    } else if (tokens.startsWith("${")) {
      tokens.at += 2;
      const stripBefore = tokens.accept("~");
      if (stripBefore) text = text.trimEnd();
      flush();
      const expression = parseExpression(tokens);
      const stripAfter = tokens.accept("~");
      tokens.expect("}");
      parts.push({ kind: "interpolation", expression });
      if (stripAfter) skipTemplateSpace(tokens);
    } else if (tokens.startsWith("%{")) {
      const save = tokens.at;
      tokens.at += 2;
      if (tokens.accept("~")) text = text.trimEnd();
      tokens.skipSpace();
      const keyword = identifier(tokens);
      if (closers.includes(keyword)) {
        tokens.at = save;
        break;
      }
      flush();
      parts.push(parseDirective(tokens, mode, keyword));
    } else if (mode === "quoted" && tokens.peek() === "\\") {
      text += escapeSequence(tokens);
    } else {
      text += tokens.peek();
      tokens.at += 1;
    }
  }
  flush();
  return parts;
}

/** The rest of a `%{ if }` or `%{ for }` directive, its body and its closing directive. */
function parseDirective(tokens: Tokens, mode: TemplateMode, keyword: string): TemplatePart {
  if (keyword === "if") {
    const condition = parseExpression(tokens);
    closeDirective(tokens);
    const then = parseTemplateAt(tokens, mode, ["else", "endif"]);
    let otherwise: TemplatePart[] = [];
    let closing = directiveKeyword(tokens);
    if (closing === "else") {
      closeDirective(tokens);
      otherwise = parseTemplateAt(tokens, mode, ["endif"]);
      closing = directiveKeyword(tokens);
    }
    if (closing !== "endif") throw new SyntaxProblem("if without endif");
    closeDirective(tokens);
    return { kind: "if", condition, then, otherwise };
  }
  if (keyword === "for") {
    forHead(tokens);
    const collection = parseExpression(tokens);
    closeDirective(tokens);
    const body = parseTemplateAt(tokens, mode, ["endfor"]);
    if (directiveKeyword(tokens) !== "endfor") throw new SyntaxProblem("for without endfor");
    closeDirective(tokens);
    return { kind: "for", collection, body };
  }
  throw new SyntaxProblem(`unknown directive ${keyword}`);
}

/** Reads `%{ keyword` at the cursor (a closing directive), returning the keyword. */
function directiveKeyword(tokens: Tokens): string {
  if (!tokens.startsWith("%{")) return "";
  tokens.at += 2;
  tokens.accept("~");
  tokens.skipSpace();
  return identifier(tokens);
}

function closeDirective(tokens: Tokens): void {
  const strip = tokens.accept("~");
  tokens.expect("}");
  if (strip) skipTemplateSpace(tokens);
}

function skipTemplateSpace(tokens: Tokens): void {
  while (!tokens.atEnd() && /\s/.test(tokens.peek())) tokens.at += 1;
}

function escapeSequence(tokens: Tokens): string {
  const next = tokens.peek(1);
  const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
  if (next in simple) {
    tokens.at += 2;
    return simple[next]!;
  }
  if (next === "u" || next === "U") {
    const length = next === "u" ? 4 : 8;
    const hex = tokens.source.slice(tokens.at + 2, tokens.at + 2 + length);
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) throw new SyntaxProblem("bad unicode escape");
    tokens.at += 2 + length;
    return String.fromCodePoint(Number.parseInt(hex, 16));
  }
  throw new SyntaxProblem("bad escape");
}

function identifier(tokens: Tokens): string {
  const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(tokens.source.slice(tokens.at, tokens.end));
  if (!match) throw new SyntaxProblem("expected a name");
  tokens.at += match[0].length;
  return match[0];
}

const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 4,
  ">": 4,
  "<=": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  "%": 6,
};
const BINARY_OPERATORS = ["||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%"];

function parseExpression(tokens: Tokens): Expression {
  const condition = parseBinary(tokens, 1);
  if (!tokens.accept("?")) return condition;
  const then = parseExpression(tokens);
  tokens.expect(":");
  const otherwise = parseExpression(tokens);
  return { kind: "conditional", condition, then, otherwise };
}

function parseBinary(tokens: Tokens, minimum: number): Expression {
  let left = parseUnary(tokens);
  for (;;) {
    tokens.skipSpace();
    // `=>` and `==`-less `=` belong to objects and for expressions, never to operators.
    const operator = BINARY_OPERATORS.find((op) => tokens.startsWith(op) && !(op === "*" && tokens.startsWith("*/")));
    if (!operator || BINARY_PRECEDENCE[operator]! < minimum) return left;
    tokens.at += operator.length;
    const right = parseBinary(tokens, BINARY_PRECEDENCE[operator]! + 1);
    left = { kind: "binary", operator, left, right };
  }
}

function parseUnary(tokens: Tokens): Expression {
  tokens.skipSpace();
  if (tokens.peek() === "!" && tokens.peek(1) !== "=") {
    tokens.at += 1;
    return { kind: "unary", operator: "!", operand: parseUnary(tokens) };
  }
  if (tokens.peek() === "-") {
    tokens.at += 1;
    return { kind: "unary", operator: "-", operand: parseUnary(tokens) };
  }
  return parsePostfix(tokens, parsePrimary(tokens));
}

function parsePostfix(tokens: Tokens, start: Expression): Expression {
  let target = start;
  for (;;) {
    tokens.skipSpace();
    if (tokens.startsWith(".*") || tokens.startsWith("[*]")) {
      tokens.at += tokens.peek() === "." ? 2 : 3;
      target = { kind: "splat", target };
    } else if (tokens.peek() === "." && /[A-Za-z_0-9]/.test(tokens.peek(1))) {
      tokens.at += 1;
      const name = /[0-9]/.test(tokens.peek()) ? number(tokens) : identifier(tokens);
      target =
        typeof name === "number"
          ? { kind: "index", target, key: { kind: "literal", value: name } }
          : { kind: "attribute", target, name };
    } else if (tokens.peek() === "[") {
      tokens.at += 1;
      const key = parseExpression(tokens);
      tokens.expect("]");
      target = { kind: "index", target, key };
    } else return target;
  }
}

function parsePrimary(tokens: Tokens): Expression {
  tokens.skipSpace();
  const c = tokens.peek();
  if (c === '"') {
    tokens.at += 1;
    const parts = parseTemplateAt(tokens, "quoted");
    if (tokens.peek() !== '"') throw new SyntaxProblem("unterminated string");
    tokens.at += 1;
    return { kind: "template", parts };
  }
  if (tokens.startsWith("<<")) return parseHeredoc(tokens);
  if (c === "(") {
    tokens.at += 1;
    const inner = parseExpression(tokens);
    tokens.expect(")");
    return inner;
  }
  if (c === "[") return parseTupleOrFor(tokens);
  if (c === "{") return parseObjectOrFor(tokens);
  if (/[0-9]/.test(c)) return { kind: "literal", value: number(tokens) };
  if (/[A-Za-z_]/.test(c)) {
    let name = identifier(tokens);
    // Provider functions: provider::<name>::<function>.
    while (tokens.startsWith("::")) {
      tokens.at += 2;
      name += `::${identifier(tokens)}`;
    }
    if (name === "true" || name === "false") return { kind: "literal", value: name === "true" };
    if (name === "null") return { kind: "literal", value: null };
    tokens.skipSpace();
    if (tokens.peek() === "(") return parseCall(tokens, name);
    return { kind: "variable", name };
  }
  throw new SyntaxProblem(`unexpected ${c || "end"}`);
}

function parseHeredoc(tokens: Tokens): Expression {
  const match = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n/.exec(tokens.source.slice(tokens.at, tokens.end));
  if (!match) throw new SyntaxProblem("bad heredoc");
  const start = tokens.at + match[0].length;
  const marker = match[2]!;
  const closing = new RegExp(`^[ \\t]*${marker}[ \\t]*$`, "m");
  const rest = tokens.source.slice(start, tokens.end);
  const found = closing.exec(rest);
  if (!found) throw new SyntaxProblem("unterminated heredoc");
  let body = rest.slice(0, found.index);
  if (match[1] === "-") {
    const lines = body.split("\n");
    const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => /^[ \t]*/.exec(l)![0].length));
    body = lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join("\n");
  }
  tokens.at = start + found.index + found[0].length;
  return { kind: "template", parts: parseTemplateAt(new Tokens(body, 0, body.length), "whole") };
}

function parseCall(tokens: Tokens, name: string): Expression {
  tokens.expect("(");
  const args: Expression[] = [];
  let expand = false;
  while (!tokens.accept(")")) {
    args.push(parseExpression(tokens));
    if (tokens.accept("...")) expand = true;
    if (!tokens.accept(",")) {
      tokens.expect(")");
      break;
    }
  }
  return { kind: "call", name, args, expand };
}

function parseTupleOrFor(tokens: Tokens): Expression {
  tokens.expect("[");
  tokens.skipSpace();
  if (isForKeyword(tokens)) return parseFor(tokens, "]");
  const items: Expression[] = [];
  while (!tokens.accept("]")) {
    items.push(parseExpression(tokens));
    if (!tokens.accept(",")) {
      tokens.expect("]");
      break;
    }
  }
  return { kind: "tuple", items };
}

function parseObjectOrFor(tokens: Tokens): Expression {
  tokens.expect("{");
  tokens.skipSpace();
  if (isForKeyword(tokens)) return parseFor(tokens, "}");
  const entries: Array<readonly [Expression, Expression]> = [];
  while (!tokens.accept("}")) {
    tokens.skipSpace();
    // A bare name is a literal key (`{ a = 1 }`); anything else an expression (`{ (var.k) = 1 }`, `{ "k" = 1 }`).
    const key: Expression = /[A-Za-z_]/.test(tokens.peek()) ? bareKey(tokens) : parseExpression(tokens);
    if (!tokens.accept("=") && !tokens.accept(":")) throw new SyntaxProblem("expected = or :");
    entries.push([key, parseExpression(tokens)]);
    tokens.accept(",");
  }
  return { kind: "object", entries };
}

function bareKey(tokens: Tokens): Expression {
  const save = tokens.at;
  const name = identifier(tokens);
  tokens.skipSpace();
  if (tokens.startsWith("=") && !tokens.startsWith("==")) return { kind: "literal", value: name };
  if (tokens.peek() === ":") return { kind: "literal", value: name };
  tokens.at = save;
  return parseExpression(tokens);
}

function isForKeyword(tokens: Tokens): boolean {
  return /^for\s/.test(tokens.source.slice(tokens.at, tokens.at + 4));
}

/** `<name>[, <name>] in` of a for directive or expression. */
function forHead(tokens: Tokens): void {
  tokens.skipSpace();
  identifier(tokens);
  if (tokens.accept(",")) {
    tokens.skipSpace();
    identifier(tokens);
  }
  tokens.skipSpace();
  if (identifier(tokens) !== "in") throw new SyntaxProblem("for without in");
}

/** A for expression: its value is unknown to the pass, its literals are still read. */
function parseFor(tokens: Tokens, close: string): Expression {
  tokens.at += 3;
  const parts: Expression[] = [];
  forHead(tokens);
  parts.push(parseExpression(tokens));
  tokens.expect(":");
  parts.push(parseExpression(tokens));
  if (tokens.accept("=>")) parts.push(parseExpression(tokens));
  tokens.accept("...");
  tokens.skipSpace();
  if (tokens.startsWith("if") && /\s/.test(tokens.peek(2))) {
    tokens.at += 2;
    parts.push(parseExpression(tokens));
  }
  tokens.expect(close);
  return { kind: "for", parts };
}

function number(tokens: Tokens): number {
  const match = /^[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(tokens.source.slice(tokens.at, tokens.end));
  if (!match) throw new SyntaxProblem("expected a number");
  tokens.at += match[0].length;
  return Number(match[0]);
}

/** When the text does not parse: the text outside quotes and every quoted string, unescaped where possible. */
export function fallbackLiterals(text: string): string[] {
  const found: string[] = [text];
  for (const [, body] of text.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    try {
      found.push(JSON.parse(`"${body}"`) as string);
    } catch {
      found.push(body!);
    }
  }
  return [...new Set(found.filter((item) => item !== ""))];
}

/**
 * Parses a whole string of Terraform JSON as a template; throws {@link SyntaxProblem} on text that is not Terraform's
 * syntax.
 */
export function parseTemplate(text: string): TemplatePart[] {
  return parseTemplateAt(new Tokens(text, 0, text.length), "whole");
}
