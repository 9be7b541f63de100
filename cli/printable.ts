/**
 * What the CLI prints from a record or a store (a function name, a parameter path, a version
 * id, a staging label, who wrote a version) is not the CLI's own text: an edited record or a
 * hostile store could put escape sequences in it that a terminal would obey (rewrite the
 * screen, hide a line, change the title). Every such text is shown with its control
 * characters escaped, and the CLI's output streams escape whatever control character reaches
 * them anyway (see {@link escapingStream}).
 */

// C0 and C1 controls and DEL (\p{Cc}), and the bidirectional overrides and isolates, which
// reorder what a terminal shows ("Trojan Source").
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;
const CONTROL_BUT_NEWLINE = /(?!\n)[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;

function escapeControl(char: string): string {
  return `\\u${char.codePointAt(0)!.toString(16).padStart(4, "0")}`;
}

/**
 * A name, id or label as the CLI prints it: every control character (line breaks and tabs
 * included) as `\uXXXX`, which is also valid inside a JSON string.
 *
 * @example
 * printable("fn\u001b[2Jdev"); // "fn\\u001b[2Jdev"
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeControl);
}

/**
 * The stream as the CLI writes its output: every control character but the line break is
 * escaped on its way out, so nothing a name carries reaches the terminal as a command.
 */
export function escapingStream(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  return {
    write: (chunk: string | Uint8Array, ...rest: unknown[]) =>
      (stream.write as (...args: unknown[]) => boolean)(
        String(typeof chunk === "string" ? chunk : Buffer.from(chunk)).replace(CONTROL_BUT_NEWLINE, escapeControl),
        ...rest,
      ),
  } as unknown as NodeJS.WritableStream;
}
