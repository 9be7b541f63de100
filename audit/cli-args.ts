/**
 * The command line `npm run audit` and `npm run scan` share: `[<env>...] [--synthesized <dir>]` and a few options of
 * their own.
 */
import { parseArgs } from "node:util";

/** Where a command-line tool writes; the process by default. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** What `[<env>...] [--synthesized <dir>]`, the named `extra` string options and the `flags` said. */
export interface StackArgs {
  readonly envs: string[];
  readonly synthesized: string | undefined;
  readonly extra: Readonly<Record<string, string | undefined>>;
  readonly flags: ReadonlySet<string>;
}

/**
 * Parses the arguments `npm run audit` and `npm run scan` share. Returns the exit code
 * instead when there is no work: 0 after printing `usage` for `--help`, 2 on bad usage.
 */
export function parseStackArgs(
  argv: readonly string[],
  usage: string,
  io: CliIo,
  extra: readonly string[] = [],
  flags: readonly string[] = [],
): StackArgs | number {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    const options = Object.fromEntries([
      ["synthesized", { type: "string" as const }],
      ...extra.map((name) => [name, { type: "string" as const }]),
      ...flags.map((name) => [name, { type: "boolean" as const }]),
    ]);
    parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr.write(`error: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const values = parsed.values;
  if (values.help === true) {
    io.stdout.write(usage);
    return 0;
  }
  const text = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  return {
    envs: parsed.positionals,
    synthesized: text("synthesized"),
    extra: Object.fromEntries(extra.map((name) => [name, text(name)])),
    flags: new Set(flags.filter((name) => values[name] === true)),
  };
}
