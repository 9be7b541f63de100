#!/usr/bin/env node
/**
 * The secrets CLI: `npx secure-lambda <command>` in an app that installs the package (this
 * module, compiled to dist/cli/secrets.js, is the package's bin), and `npm run secrets --
 * <command>` in this repository: one program.
 */
import { parseArgs } from "node:util";
import { runAuditCommand } from "./audit";
import { CliError, EXIT, shownArgument } from "./errors";
import { escapingStream, printable } from "./printable";
import { runHistory } from "./history";
import { runImport } from "./import";
import { runRollback } from "./rollback";
import { type CliIo, Session } from "./session";
import { runSet } from "./set";
import { runStatus } from "./status";
import { defaultOutput } from "./synthesis";
import { HELP, USAGE } from "./usage";

export type { CliIo } from "./session";

/** The options each command takes besides --output and --help. */
const COMMAND_OPTIONS: Readonly<Record<string, readonly ("json" | "to")[]>> = {
  set: [],
  status: ["json"],
  history: ["json"],
  rollback: ["to"],
  import: [],
};

/** Runs the CLI and returns its exit code; errors are printed as one line, never a stack. */
export async function runSecretsCli(argv: readonly string[], given: CliIo): Promise<number> {
  // Names, ids and labels come from a record or a store: whatever control character one
  // carries is escaped on its way to the terminal (the hidden prompt's own sequences go to `prompt`).
  const io: CliIo = { ...given, stdout: escapingStream(given.stdout), stderr: escapingStream(given.stderr) };
  try {
    return await dispatch(argv, io);
  } catch (error) {
    // One line, whatever a name in it holds.
    if (error instanceof CliError) {
      io.stderr.write(`error: ${printable(error.message)}\n`);
      return error.exitCode;
    }
    io.stderr.write(
      `error: ${printable(String((error as Error)?.name ?? "Error"))}: ${printable(String((error as Error)?.message ?? error))}\n`,
    );
    return EXIT.notReady;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    (command === undefined ? io.stderr : io.stdout).write(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  // The audit reads only the synthesized output and takes its own options (secure-lambda audit --help).
  if (command === "audit") return runAuditCommand(rest, io);
  const help = HELP[command];
  const allowed = COMMAND_OPTIONS[command];
  if (help === undefined || allowed === undefined) {
    throw new CliError(
      `unknown command ${shownArgument(command)}; commands: ${[...Object.keys(HELP), "audit"].join(", ")} (see --help)`,
    );
  }
  const args = parseCommandArgs(rest);
  if (args.help) {
    io.stdout.write(help);
    return EXIT.ok;
  }
  for (const option of ["json", "to"] as const) {
    if (args[option] !== undefined && !allowed.includes(option))
      throw new CliError(`${command} takes no --${option} (see ${command} --help)`);
  }
  const session = new Session(io, args.output ?? defaultOutput(io.cwd ?? process.cwd()));
  switch (command) {
    case "set":
      return runSet(session, args.positionals);
    case "status":
      return runStatus(session, args.positionals, args.json === true);
    case "history":
      return runHistory(session, args.positionals, args.json === true);
    case "rollback":
      return runRollback(session, args.positionals, args.to);
    default:
      return runImport(session, args.positionals);
  }
}

interface CommandArgs {
  readonly positionals: string[];
  readonly help: boolean;
  readonly output?: string;
  readonly json?: boolean;
  readonly to?: string;
}

function parseCommandArgs(args: readonly string[]): CommandArgs {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        help: { type: "boolean", short: "h" },
        output: { type: "string", short: "o" },
        json: { type: "boolean" },
        to: { type: "string" },
      },
      allowPositionals: true,
      strict: true,
    });
    return { positionals, help: values.help === true, output: values.output, json: values.json, to: values.to };
  } catch {
    // Never echo the arguments back: someone may have tried `--value <secret>`.
    throw new CliError("unknown option; values are never taken from arguments: pipe them on stdin (see --help)");
  }
}

if (require.main === module) {
  runSecretsCli(process.argv.slice(2), {
    stdin: process.stdin,
    prompt: process.stderr,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
