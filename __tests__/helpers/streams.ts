import { PassThrough } from "node:stream";

/** A writable stream that keeps everything written to it, for a CLI's stdout or stderr. */
export function output(): PassThrough & { text(): string } {
  const stream = new PassThrough() as PassThrough & { text(): string };
  let text = "";
  stream.on("data", (chunk) => (text += String(chunk)));
  stream.text = () => text;
  return stream;
}
