import { CliError } from "./errors";

/** What the CLI reads a secret from: stdin, and (on a terminal) where the prompt goes. */
export interface SecretInput {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly prompt: NodeJS.WritableStream;
}

const ENTER = new Set(["\r", "\n"]);
const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
const BACKSPACE = new Set(["\u007f", "\b"]);

/**
 * Reads one secret value: all of standard input when it is piped, or one line typed at a
 * no-echo prompt on a terminal. Never from an argument, which the process list and the
 * shell history would keep. One trailing newline of piped input is dropped (`echo`).
 */
export async function readSecret(input: SecretInput, label: string): Promise<string> {
  if (input.stdin.isTTY && input.stdin.setRawMode) return promptWithoutEcho(input, label);
  const chunks: Buffer[] = [];
  for await (const chunk of input.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

function promptWithoutEcho(input: SecretInput, label: string): Promise<string> {
  const { stdin, prompt } = input;
  prompt.write(`${label} (input hidden): `);
  stdin.setRawMode!(true);
  stdin.setEncoding?.("utf8");
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (error?: Error) => {
      stdin.removeListener("data", onData);
      stdin.setRawMode!(false);
      stdin.pause();
      prompt.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (data: string | Buffer) => {
      for (const char of String(data)) {
        if (char === CTRL_C) return finish(new CliError("cancelled", 130));
        if (ENTER.has(char) || char === CTRL_D) return finish();
        if (BACKSPACE.has(char)) value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}
