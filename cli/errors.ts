/** An error the CLI reports as one line on stderr, with its exit code; never a stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = 2) {
    super(message);
    this.name = "CliError";
  }
}

/** Exit codes: 0 success, 1 a secret is not ready or AWS refused, 2 bad usage. */
export const EXIT = { ok: 0, notReady: 1, usage: 2 } as const;
