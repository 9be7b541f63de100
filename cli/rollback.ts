import { CliError, EXIT } from "./errors";
import type { Session } from "./session";
import { printable } from "./printable";
import { storeClientOf } from "./store-client";
import { findStack } from "./synthesis";
import { findSecret, targetLabel } from "./targets";

/**
 * `rollback <stack> <function> <secret> [--to <version>]`: an earlier value becomes current
 * again (the previous one, or the version named), without the value leaving the process.
 */
export async function runRollback(session: Session, args: readonly string[], to: string | undefined): Promise<number> {
  if (args.length !== 3)
    throw new CliError(`rollback takes <stack> <function> <secret>, got ${args.length} argument(s)`);
  const [stackName, functionName, secret] = args as [string, string, string];
  const stack = findStack(session.synthesis, stackName);
  const target = findSecret(stack, functionName, secret);
  await session.guardAccount(stack);
  const result = await storeClientOf(session.storeClients(stack), target).rollback(target, to);
  session.io.stdout.write(
    result.version === undefined
      ? `${targetLabel(target)}: version ${printable(result.restored)} holds the current value already; nothing written\n`
      : `${targetLabel(target)}: rolled back to the value of version ${printable(result.restored)}, now version ${printable(result.version)}\n`,
  );
  if (result.note) session.io.stderr.write(`note: ${result.note}\n`);
  return EXIT.ok;
}
