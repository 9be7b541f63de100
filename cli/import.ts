import { PARAM_NAME_SUFFIX, paramNameEnvVar } from "../common/naming";
import { parseDotenv, type DotenvEntry } from "./dotenv";
import { CliError, EXIT, shownArgument } from "./errors";
import { printable } from "./printable";
import { readAll } from "./read-secret";
import type { Session } from "./session";
import { checkValue } from "./set";
import type { ImportEntry, ImportResult, PreparedImport } from "./store-client";
import { findStack } from "./synthesis";
import {
  findFunction,
  functionTargets,
  type SecretTarget,
  type SecretsManagerTarget,
  type SsmTarget,
  targetLabel,
} from "./targets";

/**
 * `import <stack> [<function>]`: several secrets at once, from a dotenv text on stdin.
 * Everything is checked before anything is written: every name against the stack (or the
 * function), every value (not empty, not the placeholder, within the store's limit), every
 * parameter and secret against AWS (it exists as the stack made it), the account. Then each
 * SSM parameter gets a new version, and each Secrets Manager secret one new version holding
 * all its changed keys; a value the store holds already is not written again. Nothing is echoed.
 */
export async function runImport(session: Session, args: readonly string[]): Promise<number> {
  if (args.length < 1 || args.length > 2)
    throw new CliError(
      `import takes <stack> [<function>], got ${args.length} argument(s); the values are read from stdin`,
    );
  const [stackName, functionName] = args as [string, string | undefined];
  const stack = findStack(session.synthesis, stackName);
  const functions = functionName === undefined ? stack.functions : [findFunction(stack, functionName)];
  if (session.io.stdin.isTTY) {
    throw new CliError(
      "import reads a dotenv file on standard input, never from the terminal: secure-lambda import <stack> [<function>] < secrets.env",
    );
  }
  const entries = parseDotenv(await readAll(session.io.stdin, "the dotenv input"));
  if (entries.length === 0) throw new CliError("the dotenv input holds no NAME=value line; nothing was imported");
  const where = functionName === undefined ? `stack ${stack.name}` : functionName;
  const chosen = chooseTargets(
    entries,
    functions.flatMap((fn) => functionTargets(stack, fn)),
    where,
  );
  for (const { target, value } of chosen) checkValue(target, value);
  await session.guardAccount(stack);

  const clients = session.storeClients(stack);
  const ssm = chosen.filter((e): e is ImportEntry<SsmTarget> => e.target.store === "ssm");
  const secretsManager = chosen.filter(
    (e): e is ImportEntry<SecretsManagerTarget> => e.target.store === "secretsmanager",
  );
  const prepared: PreparedImport[] = await Promise.all([
    ...(ssm.length > 0 ? [clients.ssm.prepareImport(ssm)] : []),
    ...(secretsManager.length > 0 ? [clients.secretsmanager.prepareImport(secretsManager)] : []),
  ]);

  const done: ImportResult[] = [];
  const report = (result: ImportResult) => {
    done.push(result);
    const what =
      result.version === undefined
        ? "unchanged (holds this value already)"
        : `set, version ${printable(result.version)}`;
    session.io.stdout.write(`${targetLabel(result.target)}: ${what}\n`);
    if (result.note) session.io.stderr.write(`note: ${result.note}\n`);
  };
  try {
    for (const writes of prepared) await writes.write(report);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    const left = chosen.length - done.length;
    throw new CliError(
      `${error.message} (import stopped there: ${done.length} of ${chosen.length} done as printed, ${left} not written; run import again for the rest)`,
      error.exitCode,
    );
  }
  const written = done.filter((r) => r.version !== undefined).length;
  session.io.stdout.write(
    `${where}: imported ${chosen.length} secret${chosen.length === 1 ? "" : "s"} (${written} written, ${chosen.length - written} unchanged)\n`,
  );
  return EXIT.ok;
}

/**
 * The target of every entry: a name is the secret's own (`github_token`) or its variable
 * spelling (`GITHUB_TOKEN`, as a .env file names it; unique per function, the construct
 * checks). Refuses the whole input on any unknown, ambiguous or repeated name.
 */
function chooseTargets(
  entries: readonly DotenvEntry[],
  targets: readonly SecretTarget[],
  where: string,
): ImportEntry[] {
  const unknown: DotenvEntry[] = [];
  const chosen: Array<ImportEntry & { readonly line: number }> = [];
  for (const entry of entries) {
    const matches = targets.filter((t) => t.secret === entry.name || variableSpelling(t.secret) === entry.name);
    if (matches.length === 0) {
      unknown.push(entry);
      continue;
    }
    if (matches.length > 1) {
      throw new CliError(
        `line ${entry.line}: ${shownArgument(entry.name)} is a secret of ${matches.map((t) => t.functionName).join(" and ")}: import one function at a time (secure-lambda import <stack> <function>); nothing was imported`,
      );
    }
    const target = matches[0]!;
    const earlier = chosen.find((c) => c.target === target);
    if (earlier)
      throw new CliError(
        `lines ${earlier.line} and ${entry.line} both set ${targetLabel(target)}; nothing was imported`,
      );
    chosen.push({ target, value: entry.value, line: entry.line });
  }
  if (unknown.length > 0) {
    const names = unknown.map((e) => `${shownArgument(e.name)} (line ${e.line})`).join(", ");
    const known = [...new Set(targets.map((t) => t.secret))].join(", ");
    throw new CliError(`${where} has no secret ${names}; its secrets: ${known || "none"}; nothing was imported`);
  }
  return chosen.map(({ target, value }) => ({ target, value }));
}

/** `github_token` -> `GITHUB_TOKEN`: the variable part of the naming rule, without its suffix. */
function variableSpelling(secret: string): string {
  return paramNameEnvVar(secret).slice(0, -PARAM_NAME_SUFFIX.length);
}
