import { CliError, EXIT } from "./errors";

/** What the CLI reads a secret from: stdin, and (on a terminal) where the prompt goes. */
export interface SecretInput {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly prompt: NodeJS.WritableStream;
}

const ENTER = new Set(["\r", "\n"]);
const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
const BACKSPACE = new Set(["\u007f", "\b"]);
// Bracketed paste: the terminal marks pasted text, so a newline inside it is known to be
// part of the value, not the Enter that ends it.
const PASTE_ON = "\u001b[?2004h";
const PASTE_OFF = "\u001b[?2004l";
const PASTE_START = "\u001b[200~";
const PASTE_END = "\u001b[201~";
/**
 * How long input may still arrive after Enter and count as part of the same paste, in ms. A
 * terminal without bracketed paste sends a pasted text as fast as it can; a person types
 * nothing within this time after pressing Enter.
 */
export const PASTE_SETTLE_MS = 60;

/**
 * Reads one secret value: all of standard input when it is piped, or one line typed at a
 * no-echo prompt on a terminal. Never from an argument, which the process list and the
 * shell history would keep. One trailing newline of piped input is dropped (`echo`).
 * A value of several lines (a PEM key) is taken whole from a pipe; at the prompt it is
 * refused, never cut at its first line.
 */
export async function readSecret(input: SecretInput, label: string): Promise<string> {
  if (input.stdin.isTTY && input.stdin.setRawMode) return promptWithoutEcho(input, label);
  return (await readAll(input.stdin, `the value for ${label}`)).replace(/\r?\n$/, "");
}

/**
 * All of standard input, as UTF-8 text, exactly as piped; `what` names it in a refusal.
 *
 * The bytes are decoded strictly: both stores keep a value as a JSON string (SSM's Value,
 * Secrets Manager's SecretString), which can hold any text but not arbitrary bytes, so a
 * byte sequence that is not UTF-8 (a binary key from /dev/urandom) is refused, never stored
 * with U+FFFD in place of its bytes (another secret). A leading byte-order mark (a file saved
 * by Notepad) is refused too: it would become the first character of the secret.
 */
export async function readAll(stdin: NodeJS.ReadableStream, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return decodeUtf8(Buffer.concat(chunks), what);
}

/** The bytes as text, or a usage error: not UTF-8, or starting with a byte-order mark. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    throw new CliError(
      `${what} starts with a UTF-8 byte-order mark (a file saved as "UTF-8 with BOM"): save it without one; nothing was written`,
      EXIT.usage,
    );
  try {
    // ignoreBOM: a mark is refused above, never silently dropped.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CliError(
      `${what} is not valid UTF-8 text (binary bytes?): SSM and Secrets Manager keep text, so encode binary values first (e.g. base64); nothing was written`,
      EXIT.usage,
    );
  }
}

function multiLineError(label: string): CliError {
  return new CliError(
    `the value for ${label} has more than one line; the hidden prompt takes one line and would cut it. ` +
      "Pipe a multi-line value (a PEM key) on standard input instead, e.g. `secure-lambda set <stack> <function> <secret> < key.pem`",
  );
}

function promptWithoutEcho(input: SecretInput, label: string): Promise<string> {
  const { stdin, prompt } = input;
  prompt.write(`${PASTE_ON}${label} (input hidden): `);
  stdin.setRawMode!(true);
  // Bytes, decoded strictly as they come (a character may span two reads): a terminal that
  // sends something other than UTF-8 is refused, never read with U+FFFD in place of its bytes.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  return new Promise((resolve, reject) => {
    let value = "";
    let pending = "";
    let pasting = false;
    let entered = false;
    let settle: NodeJS.Timeout | undefined;
    const finish = (error?: Error) => {
      if (settle) clearTimeout(settle);
      stdin.removeListener("data", onData);
      stdin.setRawMode!(false);
      stdin.pause();
      prompt.write(`${PASTE_OFF}\n`);
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (data: string | Buffer) => {
      // Anything after Enter is the rest of a pasted text, never a second answer.
      if (entered) return finish(multiLineError(label));
      try {
        pending += typeof data === "string" ? data : decoder.decode(data, { stream: true });
      } catch {
        return finish(
          new CliError(`the value typed for ${label} is not valid UTF-8 text: set the terminal to UTF-8`, EXIT.usage),
        );
      }
      while (pending.length > 0) {
        if (pending.startsWith(PASTE_START) || pending.startsWith(PASTE_END)) {
          pasting = pending.startsWith(PASTE_START);
          pending = pending.slice(PASTE_START.length);
          continue;
        }
        // A marker split across two reads: wait for the rest of it.
        if (PASTE_START.startsWith(pending) || PASTE_END.startsWith(pending)) return undefined;
        const char = pending[0]!;
        pending = pending.slice(1);
        if (char === CTRL_C) return finish(new CliError("cancelled", 130));
        if (ENTER.has(char) && pasting) return finish(multiLineError(label));
        if (ENTER.has(char) || char === CTRL_D) {
          // "\r\n" is one Enter; anything else after it is more of a paste.
          if (char === "\r" && pending.startsWith("\n")) pending = pending.slice(1);
          if (pending.length > 0) return finish(multiLineError(label));
          entered = true;
          settle = setTimeout(() => finish(), PASTE_SETTLE_MS);
          return undefined;
        }
        if (BACKSPACE.has(char)) value = value.slice(0, -1);
        else value += char;
      }
      return undefined;
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}
