/**
 * The expression pass: reads a string of synthesized Terraform JSON the way Terraform will, as a
 * template (`text ${expression} %{ if ... }text%{ endif }`), and finds every literal it can
 * produce: the template's text, the string literals inside its interpolations and directives,
 * the results of the functions that only re-encode their arguments (`join`, `format`,
 * `base64decode`, `jsondecode`, `lower`, `upper`, ...) when those arguments are known, and the
 * defaults of the variables and the values of the locals it refers to.
 *
 * No npm package parses Terraform's template and expression syntax synchronously (the guard runs
 * inside a stack's `toTerraform()`): HashiCorp's own parser ships only as an asynchronous
 * WebAssembly build (`@cdktf/hcl2json`). So this is a small tokenizer, parser and evaluator for
 * HCL's native expression syntax, tested against `terraform console`. What it cannot read it never
 * guesses: an unknown part is unknown, and the literals around it are still judged.
 *
 * This module stays free of cdktf: `npm run audit` runs it on synthesized directories.
 */

import { FUNCTIONS } from "./functions";
import { type Expression, fallbackLiterals, parseTemplate, SyntaxProblem, type TemplatePart } from "./syntax";
import { collectStrings, type Known, numberOf, stringOf, UNKNOWN, Unjudgeable, type Value } from "./value";

export { UNKNOWN, type Value } from "./value";

/** Where `var.<name>` and `local.<name>` come from: the stack's variable defaults and locals. */
export interface ExpressionScope {
  /** The default of variable `name`, or UNKNOWN (no default: set at plan). */
  variable(name: string): Value;
  /** The value of local `name` (itself evaluated), or UNKNOWN. */
  local(name: string): Value;
  /**
   * A resource whose attributes are known at synth: `terraform_data.<name>` (its `input`, and its
   * `output`, which is the input), as an object; UNKNOWN for any other.
   */
  resource?(type: string, name: string): Value;
}

/** What the pass found in one string. */
export interface TemplateReading {
  /** Every literal the string can produce, each on its own: judge each one. */
  readonly literals: readonly string[];
  /** The string's value when Terraform's is known at synth (a single `${...}` may give a list or object). */
  readonly value: Value;
  /** The template's text and known parts joined, with unknown parts left out: a token split around a reference. */
  readonly joined: string;
  /**
   * True when any part refers to something other than literals (a resource, a variable, a function the pass does not
   * know).
   */
  readonly hasReference: boolean;
  /**
   * Set when Terraform computes part of the string from known values in a way the pass cannot
   * reproduce exactly (what, in words): the string is refused as unjudgeable.
   */
  readonly unjudgeable?: string;
}

const NO_SCOPE: ExpressionScope = { variable: () => UNKNOWN, local: () => UNKNOWN };

/**
 * Reads one string of Terraform JSON as the template Terraform parses it to.
 *
 * @example
 * readTemplate('${join("", ["gh", "p_x"])}').value;   // "ghp_x"
 * readTemplate("arn:${data.aws_partition.p.partition}:iam::aws").joined; // "arn::iam::aws"
 */
export function readTemplate(text: string, scope: ExpressionScope = NO_SCOPE): TemplateReading {
  if (!text.includes("${") && !text.includes("%{"))
    return { literals: text === "" ? [] : [text], value: text, joined: text, hasReference: false };
  const plain = plainReferences(text);
  if (plain) return plain;
  const evaluator = new Evaluator(scope);
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(text);
  } catch (error) {
    if (!(error instanceof SyntaxProblem)) throw error;
    // Not valid Terraform: judge every quoted string and the text around them, value unknown.
    return { literals: fallbackLiterals(text), value: UNKNOWN, joined: text, hasReference: true };
  }
  const single = parts.length === 1 && parts[0]!.kind === "interpolation" ? parts[0]! : undefined;
  const value = single ? evaluator.evaluate(single.expression) : evaluator.template(parts);
  const joined = evaluator.joined(parts);
  if (value !== UNKNOWN && typeof value !== "string") collectStrings(value, evaluator.literals);
  return {
    literals: unique(evaluator.literals),
    value,
    joined,
    hasReference: evaluator.sawReference,
    ...(evaluator.unjudgeable !== undefined ? { unjudgeable: evaluator.unjudgeable } : {}),
  };
}

// `${aws_kms_key.k.arn}`: a traversal of a resource, data source or module, nothing to evaluate.
const PLAIN_REFERENCE = /\$\{(?!var\.|local\.|terraform_data\.)[A-Za-z_][A-Za-z0-9_.\-[\]*]*\}/g;

/**
 * The fast path for what cdktf writes most (ARNs and policies built from references): text whose
 * every interpolation is a plain resource traversal needs no parser; its literals are the text
 * between the references, and the references are unknown.
 */
function plainReferences(text: string): TemplateReading | undefined {
  if (text.includes("%{") || text.includes("$${")) return undefined;
  const literals = text.split(PLAIN_REFERENCE);
  if (literals.some((part) => part.includes("${"))) return undefined;
  return { literals: unique(literals), value: UNKNOWN, joined: literals.join(""), hasReference: true };
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items.filter((item) => item !== ""))];
}

/** What Terraform would compute at synth time; UNKNOWN for the rest. */
class Evaluator {
  /** Every string literal and every evaluated string seen, in order. */
  readonly literals: string[] = [];
  sawReference = false;
  unjudgeable: string | undefined;
  private depth = 0;

  constructor(private readonly scope: ExpressionScope) {}

  template(parts: readonly TemplatePart[]): Value {
    let out = "";
    let known = true;
    for (const part of parts) {
      const value = this.part(part);
      if (value === UNKNOWN) known = false;
      else if (known) {
        const text = stringOf(value);
        if (text === undefined) known = false;
        else out += text;
      }
    }
    if (!known) return UNKNOWN;
    this.literals.push(out);
    return out;
  }

  /** The template's text and known parts, unknown parts left out. */
  joined(parts: readonly TemplatePart[]): string {
    let out = "";
    for (const part of parts) {
      if (part.kind === "text") out += part.text;
      else if (part.kind === "interpolation") {
        const value = this.evaluateQuietly(part.expression);
        const text = value === UNKNOWN ? undefined : stringOf(value);
        out += text ?? "";
      } else if (part.kind === "if") out += this.joined(part.then) + this.joined(part.otherwise);
      else out += this.joined(part.body);
    }
    return out;
  }

  private evaluateQuietly(expression: Expression): Value {
    const seen = this.literals.length;
    const value = this.evaluate(expression);
    this.literals.length = seen;
    return value;
  }

  private part(part: TemplatePart): Value {
    switch (part.kind) {
      case "text":
        this.literals.push(part.text);
        return part.text;
      case "interpolation":
        return this.evaluate(part.expression);
      case "if": {
        const condition = this.evaluate(part.condition);
        const then = this.template(part.then);
        const otherwise = this.template(part.otherwise);
        if (typeof condition !== "boolean") return UNKNOWN;
        return condition ? then : otherwise;
      }
      case "for":
        this.evaluate(part.collection);
        this.template(part.body);
        return UNKNOWN;
    }
  }

  evaluate(expression: Expression): Value {
    if (this.depth > 64) return UNKNOWN;
    this.depth += 1;
    try {
      return this.evaluateNode(expression);
    } finally {
      this.depth -= 1;
    }
  }

  private evaluateNode(e: Expression): Value {
    switch (e.kind) {
      case "literal":
        if (typeof e.value === "string") this.literals.push(e.value);
        return e.value;
      case "template":
        return this.template(e.parts);
      case "tuple":
        return allKnown(e.items.map((item) => this.evaluate(item)));
      case "object": {
        const out: Record<string, Value> = {};
        let known = true;
        for (const [keyExpression, valueExpression] of e.entries) {
          const key = this.evaluate(keyExpression);
          const value = this.evaluate(valueExpression);
          if (typeof key !== "string" || value === UNKNOWN) known = false;
          else out[key] = value;
        }
        return known ? out : UNKNOWN;
      }
      case "variable":
        this.sawReference = true;
        return UNKNOWN;
      case "attribute":
        return this.attribute(e);
      case "index": {
        const target = this.evaluate(e.target);
        const key = this.evaluate(e.key);
        return indexInto(target, key);
      }
      case "splat":
        this.evaluate(e.target);
        this.sawReference = true;
        return UNKNOWN;
      case "call":
        return this.call(e);
      case "unary": {
        const operand = this.evaluate(e.operand);
        if (e.operator === "!") return typeof operand === "boolean" ? !operand : UNKNOWN;
        const n = numberOf(operand);
        return n === undefined ? UNKNOWN : -n;
      }
      case "binary":
        return binary(e.operator, this.evaluate(e.left), this.evaluate(e.right));
      case "conditional": {
        const condition = this.evaluate(e.condition);
        const then = this.evaluate(e.then);
        const otherwise = this.evaluate(e.otherwise);
        if (typeof condition !== "boolean") return UNKNOWN;
        return condition ? then : otherwise;
      }
      case "for":
        for (const part of e.parts) this.evaluate(part);
        this.sawReference = true;
        return UNKNOWN;
    }
  }

  /** `var.x`, `local.y` (with further traversals), or a reference Terraform resolves at plan. */
  private attribute(e: Extract<Expression, { kind: "attribute" }>): Value {
    if (e.target.kind === "variable" && (e.target.name === "var" || e.target.name === "local")) {
      this.sawReference = true;
      const value = e.target.name === "var" ? this.scope.variable(e.name) : this.scope.local(e.name);
      if (value !== UNKNOWN) collectStrings(value, this.literals);
      return value;
    }
    if (e.target.kind === "variable" && e.target.name === "terraform_data") {
      this.sawReference = true;
      const value = this.scope.resource?.("terraform_data", e.name) ?? UNKNOWN;
      if (value !== UNKNOWN) collectStrings(value, this.literals);
      return value;
    }
    const target = this.evaluate(e.target);
    if (target === UNKNOWN || target === null || typeof target !== "object" || Array.isArray(target)) return UNKNOWN;
    return (target as Record<string, Value>)[e.name] ?? UNKNOWN;
  }

  private call(e: Extract<Expression, { kind: "call" }>): Value {
    const args = e.args.map((arg) => this.evaluate(arg));
    const fn = FUNCTIONS[e.name];
    if (!fn) {
      this.sawReference = true;
      // A function of known values that can build text the pass does not compute (regex, formatlist,
      // templatestring, ...): what Terraform makes of the literals is unseen, so it is unjudgeable.
      if (!OPAQUE_SAFE.has(e.name) && args.length > 0 && !args.includes(UNKNOWN)) {
        this.unjudgeable ??= `${e.name}(...) of known values, which the guard does not evaluate`;
      }
      return UNKNOWN;
    }
    let values = args;
    if (e.expand) {
      const last = values.at(-1);
      if (!Array.isArray(last)) return UNKNOWN;
      values = [...values.slice(0, -1), ...last];
    }
    if (values.some((v) => v === UNKNOWN)) return UNKNOWN;
    let result: Value;
    try {
      result = fn(values as Known[]);
    } catch (error) {
      if (error instanceof Unjudgeable) this.unjudgeable ??= `${e.name}(...) with ${error.what}`;
      return UNKNOWN;
    }
    if (typeof result === "string") this.literals.push(result);
    else if (result !== UNKNOWN) collectStrings(result, this.literals);
    return result;
  }
}

/**
 * Functions the pass does not evaluate whose result cannot put together text that is not in one of
 * their literal arguments (each judged on its own): hashes, numbers, booleans, times, encodings
 * that only escape or encode, files read at plan, collections that keep their items whole.
 */
const OPAQUE_SAFE = new Set([
  "jsonencode",
  "yamlencode",
  "textencodebase64",
  "base64gzip",
  "md5",
  "sha1",
  "sha256",
  "sha512",
  "base64sha256",
  "base64sha512",
  "bcrypt",
  "uuidv5",
  "length",
  "tonumber",
  "tobool",
  "toset",
  "tolist",
  "tomap",
  "keys",
  "values",
  "merge",
  "flatten",
  "distinct",
  "contains",
  "can",
  "try",
  "min",
  "max",
  "abs",
  "ceil",
  "floor",
  "signum",
  "log",
  "pow",
  "parseint",
  "cidrhost",
  "cidrnetmask",
  "cidrsubnet",
  "cidrsubnets",
  "timeadd",
  "formatdate",
  "file",
  "filebase64",
  "filemd5",
  "filesha1",
  "filesha256",
  "filesha512",
  "filebase64sha256",
  "filebase64sha512",
  "fileexists",
  "fileset",
  "templatefile",
  "abspath",
  "dirname",
  "basename",
  "pathexpand",
  "startswith",
  "endswith",
  "strcontains",
  "alltrue",
  "anytrue",
  "index",
  "one",
  "range",
  "sum",
  "compact",
  "setunion",
  "setintersection",
  "setsubtract",
  "issensitive",
  "type",
  "ephemeralasnull",
  "plantimestamp",
  "timestamp",
  "uuid",
]);

function allKnown(values: Value[]): Value {
  return values.some((v) => v === UNKNOWN) ? UNKNOWN : values;
}

function indexInto(target: Value, key: Value): Value {
  if (target === UNKNOWN || key === UNKNOWN || target === null || typeof target !== "object") return UNKNOWN;
  if (Array.isArray(target)) {
    const i = numberOf(key);
    return i !== undefined && Number.isInteger(i) && i >= 0 && i < target.length ? target[i]! : UNKNOWN;
  }
  const name = stringOf(key);
  return name === undefined ? UNKNOWN : ((target as Record<string, Value>)[name] ?? UNKNOWN);
}

function binary(operator: string, left: Value, right: Value): Value {
  if (left === UNKNOWN || right === UNKNOWN) return UNKNOWN;
  if (operator === "==") return JSON.stringify(left) === JSON.stringify(right);
  if (operator === "!=") return JSON.stringify(left) !== JSON.stringify(right);
  if (operator === "&&" || operator === "||") {
    if (typeof left !== "boolean" || typeof right !== "boolean") return UNKNOWN;
    return operator === "&&" ? left && right : left || right;
  }
  const a = numberOf(left);
  const b = numberOf(right);
  if (a === undefined || b === undefined) return UNKNOWN;
  switch (operator) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return b === 0 ? UNKNOWN : a / b;
    case "%":
      return b === 0 ? UNKNOWN : a % b;
    case "<":
      return a < b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    default:
      return a >= b;
  }
}
