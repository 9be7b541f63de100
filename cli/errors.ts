import { knownTokenFormat, looksRandom, looksRandomName } from "../common/token-formats";

/** An error the CLI reports as one line on stderr, with its exit code; never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * Exit codes: 0 success, 1 a secret is not ready (unset, missing) or AWS refused, 2 bad
 * usage, 3 no AWS credentials were found (so nothing was asked: a pipeline gating on 1
 * must not read this as "a secret is unset").
 */
export const EXIT = { ok: 0, notReady: 1, usage: 2, noCredentials: 3 } as const;

// A name as the stacks spell them: stacks, functions, secrets, parameter paths, versions.
const PLAIN_NAME = /^[A-Za-z0-9_./-]{1,64}$/;

/**
 * How a message shows something the user typed (an argument, a name read from stdin): the
 * text itself, quoted, only when it looks like a name and like no credential (the leak
 * guard's known token formats and randomness tests, `common/token-formats.ts`);
 * otherwise only its length, and what it looks like. A secret typed where a name belongs
 * (`set dev fn <the token>`) is then never printed back. Every message that echoes user
 * input goes through here.
 */
export function shownArgument(text: string | undefined): string {
  if (text === undefined) return "nothing";
  const token = knownTokenFormat(text);
  const random = token === undefined && (looksRandom(text) || looksRandomName(text));
  if (PLAIN_NAME.test(text) && token === undefined && !random) return JSON.stringify(text);
  const looks = token ? `, which looks like ${token}` : random ? ", which looks random, like a key" : "";
  return `an argument of ${text.length} character${text.length === 1 ? "" : "s"}${looks} (not shown)`;
}
