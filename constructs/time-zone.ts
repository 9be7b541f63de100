/**
 * Whether a time zone is one EventBridge Scheduler reads: an IANA name from the time zone
 * database Node ships (its ICU data), canonical or an alias of one.
 *
 * Why Node's list and not the name's shape alone: `Europe/Pariss` and `Mars/Base` are shaped
 * like IANA names, synthesize, and fail only at apply, after the rest of the stack exists.
 */

// IANA names (`Europe/Paris`, `America/Argentina/Buenos_Aires`, `UTC`, `Etc/GMT+5`): no
// offsets (`+05:00`) and no POSIX rules, which Intl accepts and Scheduler does not.
const IANA_SHAPE = /^(?:UTC|GMT|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+)$/;

let canonical: ReadonlySet<string> | undefined;

/** The canonical names Node knows (`Intl.supportedValuesOf`), read once. */
function canonicalNames(): ReadonlySet<string> {
  canonical ??= new Set(Intl.supportedValuesOf("timeZone"));
  return canonical;
}

/** Node's canonical name for `name`, or undefined when its time zone database has no such zone. */
function resolve(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * `ok` for an IANA name Node's time zone database holds: a canonical one (`Europe/Paris`) or
 * an alias (`UTC`, `Etc/UTC`, `US/Eastern`, `Asia/Kolkata`). ICU also matches names without
 * regard to case; Scheduler does not, so `europe/paris` is refused with the spelling to use.
 */
export function checkTimeZone(name: string): { ok: true } | { ok: false; suggestion?: string } {
  if (!IANA_SHAPE.test(name)) return { ok: false };
  if (canonicalNames().has(name)) return { ok: true };
  const resolved = resolve(name);
  if (resolved === undefined) return { ok: false };
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return { ok: false, suggestion: resolved };
  return { ok: true };
}
