/**
 * Every string of a stack's final Terraform JSON (what `toTerraform()` returns after every aspect
 * and override, or a `cdk.tf.json` on disk), as the guard's rules judge it: where it is (a
 * Terraform address, the argument inside it, the construct path cdktf recorded), what kind of
 * place that is, and what the expression pass found in it.
 *
 * Free of cdktf: `npm run audit` runs the same collection on synthesized directories.
 */
import { isPlainObject } from "../../common/values";
import { readTemplate, UNKNOWN, type ExpressionScope, type Value } from "./expression";
import type { GuardedValue } from "./rule";

// The SSM parameter arguments that can carry a value.
const PARAMETER_VALUE_ARGUMENTS = new Set(["value", "value_wo", "insecure_value"]);
// The Secrets Manager secret version arguments that can carry a value.
const SECRET_VERSION_VALUE_ARGUMENTS = new Set(["secret_string", "secret_string_wo", "secret_binary"]);
// Parameter types other than SecureString; anything else (a reference, an override) counts as SecureString.
const PLAIN_PARAMETER_TYPES = new Set(["String", "StringList"]);

/** The parts of a block's location every guarded value of it shares. */
type Place = Pick<GuardedValue, "resourceType" | "address" | "constructPath">;

/** What the collection needs besides the JSON: the values SecureLambda wrote itself. */
export interface CollectOptions {
  /** The value SecureLambda wrote at `address`, `variable`, if it wrote one there. */
  readonly written?: (address: string, variable: string) => string | undefined;
}

/** Every string of the stack's JSON, each once, with the kind of place it is in. */
export function collectGuardedValues(
  json: Readonly<Record<string, unknown>>,
  options: CollectOptions = {},
): GuardedValue[] {
  const values: GuardedValue[] = [];
  forEachGuardedValue(json, options, (value) => values.push(value));
  return values;
}

/**
 * Hands every string of the stack's JSON to `visit` as it is found: a large stack is judged without holding them all.
 */
export function forEachGuardedValue(
  json: Readonly<Record<string, unknown>>,
  options: CollectOptions,
  visit: (value: GuardedValue) => void,
): void {
  new Collector(json, options, visit).collect();
}

class Collector {
  private readonly scope: ExpressionScope;

  constructor(
    private readonly json: Readonly<Record<string, unknown>>,
    private readonly options: CollectOptions,
    private readonly visit: (value: GuardedValue) => void,
  ) {
    this.scope = stackScope(json);
  }

  collect(): void {
    for (const [section, content] of Object.entries(this.json)) {
      if (section === "//") continue;
      if (section === "resource" || section === "data") this.blocksOfTypes(section, content);
      else if (section === "provider") this.providers(content);
      else if (section === "locals") this.namedBlocks("locals", "local", content, true);
      else if (section === "variable") this.namedBlocks("variable", "var", content);
      else if (section === "output" || section === "module") this.namedBlocks(section, section, content);
      else this.walk({ resourceType: section, address: section, constructPath: section }, "", content);
    }
  }

  private blocksOfTypes(section: "resource" | "data", content: unknown): void {
    if (!isPlainObject(content)) return;
    for (const [type, blocks] of Object.entries(content)) {
      if (!isPlainObject(blocks)) continue;
      for (const [name, body] of Object.entries(blocks)) {
        const address = `${section === "data" ? "data." : ""}${type}.${name}`;
        const place: Place = { resourceType: type, address, constructPath: constructPathOf(body) ?? address };
        this.key(place, "", name, "(its name)");
        if (section === "resource" && isPlainObject(body)) this.resource(place, type, body);
        else this.walk(place, "", body, undefined, true);
      }
    }
  }

  private namedBlocks(kind: string, prefix: string, content: unknown, flat = false): void {
    if (!isPlainObject(content)) return;
    for (const [name, body] of Object.entries(content)) {
      const address = `${prefix}.${name}`;
      const place: Place = { resourceType: kind, address, constructPath: constructPathOf(body) ?? address };
      this.key(place, "", name, "(its name)");
      this.walk(place, flat ? "value" : "", body, undefined, !flat);
    }
  }

  private providers(content: unknown): void {
    if (!isPlainObject(content)) return;
    for (const [name, configurations] of Object.entries(content)) {
      const list = Array.isArray(configurations) ? configurations : [configurations];
      list.forEach((configuration, index) => {
        const alias =
          isPlainObject(configuration) && typeof configuration.alias === "string"
            ? `.${configuration.alias}`
            : list.length > 1
              ? `[${index}]`
              : "";
        const address = `provider.${name}${alias}`;
        this.walk({ resourceType: "provider", address, constructPath: address }, "", configuration, undefined, true);
      });
    }
  }

  /** A resource: its value-carrying arguments by the rules of its type, every other string as a literal. */
  private resource(place: Place, type: string, body: Record<string, unknown>): void {
    if (type === "aws_lambda_function") {
      this.environment(place, body);
      this.walk(place, "", body, new Set(["environment"]), true);
      return;
    }
    if (type === "aws_ssm_parameter") {
      const parameterType = parameterTypeOf(body.type);
      for (const argument of PARAMETER_VALUE_ARGUMENTS) {
        if (typeof body[argument] === "string")
          this.add(place, argument, body[argument], "parameter-value", { parameterType });
      }
      this.walk(place, "", body, PARAMETER_VALUE_ARGUMENTS, true);
      return;
    }
    if (type === "aws_secretsmanager_secret_version") {
      for (const argument of SECRET_VERSION_VALUE_ARGUMENTS) {
        if (typeof body[argument] === "string") this.add(place, argument, body[argument], "secret-version-value");
      }
      this.walk(place, "", body, SECRET_VERSION_VALUE_ARGUMENTS, true);
      return;
    }
    this.walk(place, "", body, undefined, true);
  }

  /**
   * A function's environment: a map of literal names to strings, each judged as a variable. Any
   * other shape (a reference, `jsondecode(...)`, a dynamic block) hides its variables from the
   * guard and is refused as such (rule `environment-literal-map`).
   */
  private environment(place: Place, body: Record<string, unknown>): void {
    const dynamic = isPlainObject(body.dynamic) ? body.dynamic.environment : undefined;
    if (dynamic !== undefined) {
      this.add(place, "environment", JSON.stringify(dynamic), "environment-block");
      this.walk(place, "dynamic.environment", dynamic);
    }
    const environment = body.environment;
    if (environment === undefined) return;
    const blocks = environmentBlocks(environment);
    if (blocks.length !== 1 || !isPlainObject(blocks[0])) {
      this.add(
        place,
        "environment",
        typeof environment === "string" ? environment : JSON.stringify(environment),
        "environment-block",
      );
      this.walk(place, "environment", environment);
      return;
    }
    // Whatever else the block holds (an override's stray argument) is text in the code too.
    this.walk(place, "environment", blocks[0], new Set(["variables"]));
    const variables = blocks[0].variables;
    if (variables === undefined) return;
    if (!isPlainObject(variables)) {
      this.add(
        place,
        "environment.variables",
        typeof variables === "string" ? variables : JSON.stringify(variables),
        "environment-block",
      );
      this.walk(place, "environment.variables", variables);
      return;
    }
    for (const [name, value] of Object.entries(variables)) {
      this.key(place, "environment.variables", name);
      if (typeof value === "string") this.add(place, name, value, "environment-variable");
      else this.add(place, name, JSON.stringify(value), "environment-block");
    }
  }

  /**
   * Every string under `value` as a literal, keys too, but the arguments in `skip` (judged by their
   * own kind). `blockBody` marks a block's own body, where cdktf writes its `"//"` metadata; a `"//"`
   * key anywhere else (a tag, a map) is an ordinary key Terraform keeps, and judged.
   */
  private walk(place: Place, path: string, value: unknown, skip?: ReadonlySet<string>, blockBody = false): void {
    if (typeof value === "string") {
      this.add(place, path || "value", value, "literal");
    } else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) this.walk(place, `${path}[${index}]`, item);
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if ((key === "//" && blockBody) || (skip?.has(key) && (path === "" || path === "environment"))) continue;
        this.key(place, path, key);
        this.walk(place, path ? `${path}.${key}` : key, item);
      }
    }
  }

  /** A map key is text in the code too: a token used as a tag name is still a token. */
  private key(place: Place, path: string, key: string, what = "(a key)"): void {
    if (/^[A-Za-z_-]{1,40}$/.test(key)) return;
    this.add(place, path ? `${path} ${what}` : what, key, "literal");
  }

  private add(
    place: Place,
    variable: string,
    value: string,
    kind: GuardedValue["kind"],
    extra: { parameterType?: string } = {},
  ): void {
    // One literal of one shape for all 80,000 strings of a 1000-function stack: spreading `place`
    // and `extra` made each value an object of its own shape, most of the collection's time.
    this.visit({
      resourceType: place.resourceType,
      address: place.address,
      constructPath: place.constructPath,
      variable,
      kind,
      parameterType: extra.parameterType,
      value,
      reading: readTemplate(value, this.scope),
      written: this.options.written?.(place.address, variable),
    });
  }
}

/**
 * The blocks of a nested block as Terraform reads them: a list, or one object. An override whose
 * path holds a number (`environment.0.variables.X`) writes `{"0": {...}}` beside the block's own
 * arguments: each numbered entry is read as the block at that index, the rest as block 0.
 */
function environmentBlocks(environment: unknown): unknown[] {
  if (Array.isArray(environment)) return environment;
  if (!isPlainObject(environment)) return [environment];
  const numbered = Object.keys(environment).filter((key) => /^[0-9]+$/.test(key));
  if (numbered.length === 0) return [environment];
  const blocks: unknown[] = [];
  const rest = Object.fromEntries(Object.entries(environment).filter(([key]) => !/^[0-9]+$/.test(key)));
  if (Object.keys(rest).length > 0) blocks[0] = rest;
  for (const key of numbered) {
    const index = Number(key);
    const here = blocks[index];
    const entry = environment[key];
    blocks[index] = isPlainObject(here) && isPlainObject(entry) ? mergeBlock(here, entry) : entry;
  }
  return blocks.filter((block) => block !== undefined);
}

function mergeBlock(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const here = out[key];
    out[key] = isPlainObject(here) && isPlainObject(value) ? { ...here, ...value } : value;
  }
  return out;
}

/**
 * `SecureString` unless the type is literally `String` or `StringList`: a reference or an override might be
 * SecureString.
 */
function parameterTypeOf(type: unknown): string {
  return typeof type === "string" && PLAIN_PARAMETER_TYPES.has(type) ? type : "SecureString";
}

function constructPathOf(body: unknown): string | undefined {
  if (!isPlainObject(body) || !isPlainObject(body["//"])) return undefined;
  const metadata = body["//"].metadata;
  return isPlainObject(metadata) && typeof metadata.path === "string" ? metadata.path : undefined;
}

/**
 * What `var.<name>` and `local.<name>` are in this stack: a variable's default (a literal value:
 * Terraform evaluates no template there) and a local's value, itself read as Terraform reads it.
 */
function stackScope(json: Readonly<Record<string, unknown>>): ExpressionScope {
  const variables = isPlainObject(json.variable) ? json.variable : {};
  const locals = isPlainObject(json.locals) ? json.locals : {};
  const cache = new Map<string, Value>();
  const inProgress = new Set<string>();
  const resources = isPlainObject(json.resource) ? json.resource : {};
  const data = isPlainObject(resources.terraform_data) ? resources.terraform_data : {};
  const scope: ExpressionScope = {
    resource(type, name) {
      // terraform_data's output is its input, known at plan: a token split between it and the text that reads it.
      const block = type === "terraform_data" ? data[name] : undefined;
      if (!isPlainObject(block) || !("input" in block)) return UNKNOWN;
      const input = evaluateDeep(block.input, scope);
      return input === UNKNOWN ? UNKNOWN : { input, output: input };
    },
    variable(name) {
      const block = variables[name];
      return isPlainObject(block) && "default" in block ? (block.default as Value) : UNKNOWN;
    },
    local(name) {
      if (!(name in locals)) return UNKNOWN;
      const cached = cache.get(name);
      if (cached !== undefined) return cached;
      // A local that refers to itself, directly or not, is Terraform's error: unknown here.
      if (inProgress.has(name)) return UNKNOWN;
      inProgress.add(name);
      const value = evaluateDeep(locals[name], scope);
      inProgress.delete(name);
      cache.set(name, value);
      return value;
    },
  };
  return scope;
}

/** A JSON value with each string read as a template (a local's value can hold expressions anywhere). */
function evaluateDeep(value: unknown, scope: ExpressionScope): Value {
  if (typeof value === "string") return readTemplate(value, scope).value;
  if (Array.isArray(value)) {
    const items = value.map((item) => evaluateDeep(item, scope));
    return items.includes(UNKNOWN) ? UNKNOWN : items;
  }
  if (isPlainObject(value)) {
    const out: Record<string, Value> = {};
    for (const [key, item] of Object.entries(value)) {
      const evaluated = evaluateDeep(item, scope);
      if (evaluated === UNKNOWN) return UNKNOWN;
      out[key] = evaluated;
    }
    return out;
  }
  return value as Value;
}
