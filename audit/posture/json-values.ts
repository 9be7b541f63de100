/** Reading the values of synthesized resources the way scanners read them. */
import { isPlainObject } from "../../common/values";
import type { Body } from "./rule";

/** A nested block: an object, or a one-element list (as overrides write it); undefined when absent. */
export function blockOf(body: Body, name: string): Record<string, unknown> | undefined {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return isPlainObject(first) ? first : undefined;
}

/** True for a string with something in it (a literal or a `${...}` reference). */
export function isSet(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/** A value that may be one item or a list of them, as a list (policy JSON allows both). */
export function listOf<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}

/** `type.name` of a plain reference `${type.name.attribute}`, or undefined for anything else. */
export function referencedAddress(value: unknown, attribute?: string): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/.exec(value);
  if (!match || (attribute !== undefined && match[2] !== attribute)) return undefined;
  return match[1];
}
