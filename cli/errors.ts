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
