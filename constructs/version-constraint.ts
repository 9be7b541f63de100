/**
 * Terraform's version constraints (`>= 6.26.0, < 7.0.0`), as Terraform matches a provider
 * release against them: every comma-separated part must hold, and a prerelease
 * (`6.48.0-dev`) is matched only by an exact constraint naming it, never by a range.
 */

/** A version `major.minor.patch[-prerelease]`, as Terraform compares it. */
interface Version {
  readonly parts: readonly [number, number, number];
  readonly prerelease: string;
}

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/;
const PART = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$/;

function parseVersion(text: string): Version {
  const match = VERSION.exec(text.trim());
  if (!match)
    throw new Error(`${JSON.stringify(text)} is not a version (allowed: major.minor.patch, optionally -prerelease)`);
  return { parts: [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)], prerelease: match[4] ?? "" };
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a.parts[i] !== b.parts[i]) return a.parts[i]! - b.parts[i]!;
  // A prerelease sorts before its release; two prereleases by their text.
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === "") return 1;
  if (b.prerelease === "") return -1;
  return a.prerelease < b.prerelease ? -1 : 1;
}

/** The release number of a version, without its prerelease (`6.48.0-dev` -> `6.48.0`). */
export function releaseOf(version: string): string {
  return parseVersion(version).parts.join(".");
}

/** The highest of `versions`. */
export function highestVersion(versions: readonly string[]): string {
  if (versions.length === 0) throw new Error("no versions to compare");
  return versions.reduce((a, b) => (compare(parseVersion(a), parseVersion(b)) >= 0 ? a : b));
}

/** True when Terraform would accept `version` for `constraint`. */
export function satisfiesConstraint(version: string, constraint: string): boolean {
  const v = parseVersion(version);
  const parts = constraint.split(",").map((part) => {
    const match = PART.exec(part);
    if (!match) throw new Error(`${JSON.stringify(constraint)} is not a version constraint`);
    return {
      operator: match[1] ?? "=",
      version: parseVersion(match[2]!),
      segments: match[2]!.split("-")[0]!.split(".").length,
    };
  });
  // Terraform matches a prerelease only when a constraint names exactly that version.
  if (v.prerelease !== "") return parts.every((p) => p.operator === "=" && compare(v, p.version) === 0);
  return parts.every(({ operator, version: c, segments }) => {
    const order = compare(v, c);
    switch (operator) {
      case "=":
        return order === 0;
      case "!=":
        return order !== 0;
      case ">":
        return order > 0;
      case ">=":
        return order >= 0;
      case "<":
        return order < 0;
      case "<=":
        return order <= 0;
      default: {
        // `~> 6.26` allows 6.x from 6.26 on; `~> 6.26.0` allows 6.26.x: the last given part moves.
        if (order < 0) return false;
        const fixed = Math.max(1, segments - 1);
        return v.parts.slice(0, fixed).every((n, i) => n === c.parts[i]);
      }
    }
  });
}
