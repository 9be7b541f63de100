/** A request body read as a JSON object, as the loopback stand-ins read the AWS JSON protocols. */

/** The body's JSON object; `{}` for an empty body, a non-object or text that is not JSON. */
export function parsedJson(body: Buffer): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body.toString("utf8") || "{}") as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
