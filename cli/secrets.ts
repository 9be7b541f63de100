import { parseArgs } from "node:util";
import { CliError, EXIT } from "./errors";
import { readSecret, type SecretInput } from "./read-secret";
import { setSecret } from "./set";
import { formatStatuses, secretStatuses } from "./status";
import { storesFor } from "./store";
import { defaultEnvironments, findEnvironment, findSecret, secretTargets, targetLabel, type Environments } from "./targets";

/** Where the CLI reads and writes; the real process by default, streams in tests. */
export interface CliIo extends SecretInput {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly environments?: Environments;
}

const USAGE = `Usage: npm run secrets -- <command> [options]

Set and check the real values of the secrets that SecureLambda creates as placeholders,
in SSM Parameter Store or Secrets Manager, whichever store config/environments.ts gives
the function. Environments, functions and secrets come from that file too.

Commands:
  set <env> <function> <secret>   write a secret's value, read from stdin or a hidden prompt
  status <env>                    show whether each secret is set; exits 1 if any is not

Examples:
  npm run secrets -- set dev notifier-dev github_token              # prompts, input hidden
  pbpaste | npm run secrets -- set dev notifier-dev slack_webhook_url
  npm run secrets -- status dev

Credentials: as for the AWS CLI (AWS_PROFILE, an SSO login, or AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY); the region comes from the environment's configuration.

Exit codes: 0 done (status: every secret set), 1 a secret is not set or AWS refused,
2 bad usage, 3 no AWS credentials found.

Run "npm run secrets -- <command> --help" for a command's details.
`;

const HELP: Record<string, string> = {
  set: `Usage: npm run secrets -- set <env> <function> <secret>

Reads the value from standard input when it is piped (taken whole, several lines too;
one trailing newline is dropped), or from a hidden prompt on a terminal (one line: a
pasted value of several lines is refused, never cut; pipe it instead); never from an
argument, which shell history and the process list would keep. Prints the new version,
never the value.

Where it goes depends on the function's store in config/environments.ts:
  ssm (default)    the SecureString parameter /<function>/<secret>, encrypted with
                   the function's key (alias/<function>)
  secretsmanager   the key <secret> of the JSON in the secret <function>/secrets; the
                   other keys are kept, and a concurrent change by another writer is
                   detected and retried, never overwritten

Refuses an empty value, the placeholder, a value over the store's size limit, and a
parameter or secret the stack has not created yet (deploy first).

  pbpaste | npm run secrets -- set dev notifier-dev github_token
  npm run secrets -- set dev notifier-dev github_token      # prompts, input hidden
`,
  status: `Usage: npm run secrets -- status <env>

Prints one line per secret of every function in the environment, whatever its store:
set, placeholder (never set), missing key (not in the JSON of a Secrets Manager secret
created before the secret was added), invalid (the Secrets Manager secret is not a JSON
object, which set will not overwrite, or the key's value is not a string) or missing (not
deployed?), with its version and last-modified date; never a value. Reads each
parameter or secret once.
Exits 1 when any secret is not set, so a pipeline can gate a deploy on it.

  npm run secrets -- status prod || exit 1      # in a pipeline, before deploying
`,
};

/** Runs the CLI and returns its exit code; errors are printed as one line, never a stack. */
export async function runSecretsCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`error: ${(error as Error)?.name ?? "Error"}: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT.notReady;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    (command === undefined ? io.stderr : io.stdout).write(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  const help = HELP[command];
  if (help === undefined) throw new CliError(`unknown command ${JSON.stringify(command)}; commands: ${Object.keys(HELP).join(", ")} (see --help)`);
  const { positionals, wantsHelp } = parseCommandArgs(rest);
  if (wantsHelp) {
    io.stdout.write(help);
    return EXIT.ok;
  }
  const environments = io.environments ?? defaultEnvironments;
  if (command === "set") return runSet(positionals, io, environments);
  return runStatus(positionals, io, environments);
}

function parseCommandArgs(args: readonly string[]): { positionals: string[]; wantsHelp: boolean } {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: { help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    return { positionals, wantsHelp: values.help === true };
  } catch {
    // Never echo the arguments back: someone may have tried `--value <secret>`.
    throw new CliError("unknown option; values are never taken from arguments: pipe them on stdin (see --help)");
  }
}

async function runSet(args: string[], io: CliIo, environments: Environments): Promise<number> {
  if (args.length !== 3)
    throw new CliError(`set takes <env> <function> <secret>, got ${args.length} argument(s); a value is read from stdin, never from an argument`);
  const [envName, functionName, secret] = args as [string, string, string];
  const environment = findEnvironment(environments, envName);
  const target = findSecret(environment, envName, functionName, secret);
  const value = await readSecret(io, targetLabel(target));
  const version = await setSecret(storesFor(environment, io.env), target, value);
  io.stdout.write(`${targetLabel(target)}: set, version ${version}\n`);
  return EXIT.ok;
}

async function runStatus(args: string[], io: CliIo, environments: Environments): Promise<number> {
  if (args.length !== 1) throw new CliError(`status takes <env>, got ${args.length} argument(s)`);
  const envName = args[0]!;
  const environment = findEnvironment(environments, envName);
  const statuses = await secretStatuses(storesFor(environment, io.env), secretTargets(environment));
  io.stdout.write(formatStatuses(envName, statuses));
  return statuses.every((s) => s.state === "set") ? EXIT.ok : EXIT.notReady;
}

if (require.main === module) {
  runSecretsCli(process.argv.slice(2), { stdin: process.stdin, prompt: process.stderr, stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
  );
}
