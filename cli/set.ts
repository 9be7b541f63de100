import { isPlaceholder } from "../common/naming";
import { CliError, EXIT } from "./errors";
import { printable } from "./printable";
import { readSecret } from "./read-secret";
import type { Session } from "./session";
import { storeClientOf } from "./store-client";
import { findStack } from "./synthesis";
import { findSecret, type SecretTarget, targetLabel } from "./targets";

/** `set <stack> <function> <secret>`: one value, from stdin or a hidden prompt. */
export async function runSet(session: Session, args: readonly string[]): Promise<number> {
  if (args.length !== 3)
    throw new CliError(
      `set takes <stack> <function> <secret>, got ${args.length} argument(s); a value is read from stdin, never from an argument`,
    );
  const [stackName, functionName, secret] = args as [string, string, string];
  const stack = findStack(session.synthesis, stackName);
  const target = findSecret(stack, functionName, secret);
  const value = await readSecret(session.io, targetLabel(target));
  checkValue(target, value);
  await session.guardAccount(stack);
  const { version, note } = await storeClientOf(session.storeClients(stack), target).set(target, value);
  session.io.stdout.write(`${targetLabel(target)}: set, version ${printable(version)}\n`);
  if (note) session.io.stderr.write(`note: ${note}\n`);
  return EXIT.ok;
}

/** Refuses, before any call, what can never be a real secret. */
export function checkValue(target: SecretTarget, value: string): void {
  if (value.trim() === "") throw new CliError(`refusing an empty value for ${targetLabel(target)}`, EXIT.usage);
  if (isPlaceholder(value))
    throw new CliError(
      `refusing the placeholder as the value of ${targetLabel(target)} (white space and invisible characters around or in it do not make it another value): give the real secret`,
      EXIT.usage,
    );
}
