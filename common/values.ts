/**
 * Small helpers for judging and showing loose input, shared by the constructs, the
 * configuration check, the secrets CLI and the runtime loader.
 *
 * Like `naming.ts`, this module stays free of cdktf and AWS SDK imports: code that
 * must not load cdktf (the CLI, the configuration check, the function's bundle) imports it too.
 */
/**
 * The one failure type of every check: throws the caller's error for one prop (or
 * configuration field), saying what is wrong with it and what is allowed.
 */
export type Fail = (prop: string, problem: string) => never;

/** True for an object that is neither null nor an array: a record of names to values. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The text as a JSON object, or undefined when there is no text, or it is not JSON or not an
 * object. JSON.parse's error quotes the text, which may be a secret, so it is never kept.
 */
export function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The items in consecutive batches of at most `size` (an API's limit per call), in order. */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
