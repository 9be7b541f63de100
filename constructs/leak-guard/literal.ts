/**
 * Terraform JSON strings mix literal text and `${...}` interpolations (references to
 * other resources, variables, functions). Only literal text can hold a leaked secret:
 * a reference is resolved by Terraform at plan time and is not in the code.
 */

/**
 * The literal text of a Terraform string, each `${...}` interpolation replaced by
 * `referenceStandIn`, or by what it returns for the expression inside (`$${` is a literal `${`).
 */
export function literalText(value: string, referenceStandIn: string | ((expression: string) => string) = " "): string {
  let out = "";
  let i = 0;
  while (i < value.length) {
    if (value.startsWith("$${", i)) {
      out += "${";
      i += 3;
    } else if (value.startsWith("${", i)) {
      const end = endOfInterpolation(value, i + 2);
      // By default a space: keeps the text either side of a reference apart.
      out +=
        typeof referenceStandIn === "string" ? referenceStandIn : referenceStandIn(value.slice(i + 2, end - 1).trim());
      i = end;
    } else {
      out += value[i];
      i += 1;
    }
  }
  return out;
}

/** True when the string holds at least one `${...}` reference. */
export function hasReference(value: string): boolean {
  return literalText(value) !== value.replace(/\$\$\{/g, "${");
}

/** True when the string is all literal text (no reference) and not empty. */
export function isLiteral(value: string): boolean {
  return value.length > 0 && !hasReference(value);
}

function endOfInterpolation(value: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < value.length && depth > 0) {
    const c = value[i];
    if (c === "{") depth += 1;
    else if (c === "}") depth -= 1;
    else if (c === '"') i = endOfQuoted(value, i + 1) - 1;
    i += 1;
  }
  return i;
}

function endOfQuoted(value: string, from: number): number {
  let i = from;
  while (i < value.length && value[i] !== '"') i += value[i] === "\\" ? 2 : 1;
  return i + 1;
}
