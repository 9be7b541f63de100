/**
 * A lost update: two operators write one secret at once, and the second write replaces the
 * first without having seen it. Neither store has a compare-and-set on the write itself, so
 * each store module finds the race its own way (SSM: the versions before and after;
 * Secrets Manager: AWSCURRENT no longer on the version read) and this module judges what was
 * found and says it: the losing write exits 1 naming both values' versions and the `history`
 * command that shows them; a write sent twice by a retry is said, never hidden.
 */
import { CliError, EXIT } from "./errors";
import { printable } from "./printable";
import type { SecretsManagerTarget, SecretTarget, SsmTarget } from "./targets";
import type { ReadVersion } from "./versions";

/** The command that shows every version of a secret, as the messages quote it. */
function historyCommand(target: SecretTarget): string {
  return `\`secure-lambda history ${printable(target.stack)} ${printable(target.functionName)} ${printable(target.secret)}\``;
}

/** What an SSM write did: it read version `before` (undefined: unknown) and wrote `after`. */
export interface SsmWrite {
  readonly target: SsmTarget;
  readonly value: string;
  readonly before: number | undefined;
  readonly after: number;
  readonly command: string;
}

/**
 * Judges the versions written between an SSM write's read and its write (`history`, with
 * values, never printed): none, nothing to say; only this value, the write was sent again by
 * the SDK after a lost answer (two versions, one value: said in the returned note); any other
 * value is another writer's, replaced unseen: refused with exit code 1. Nothing is lost
 * either way: every value is a version of the parameter.
 */
export function judgeSsmWrite(write: SsmWrite, history: readonly ReadVersion[]): string | undefined {
  const { target, value, before, after, command } = write;
  const between = history.filter(
    (v) => Number(v.version) < after && (before === undefined || Number(v.version) > before),
  );
  if (between.length === 0) return undefined;
  const others = between.filter((v) => v.value !== value).map((v) => `v${v.version}`);
  const label = printable(target.parameterName);
  if (others.length === 0)
    return `${label}: the write was sent again after its answer was lost, so ${between.map((v) => `v${v.version}`).join(", ")} and v${after} all hold this value (one ${command}, ${between.length + 1} versions)`;
  throw new CliError(
    `${label}: another writer wrote ${others.join(", ")} after this ${command} read v${before ?? "?"} and before it wrote v${after}: ` +
      `this ${command}'s value (v${after}) is current and replaced theirs unseen. Both values are kept: see them with ${historyCommand(target)}, ` +
      `and make theirs current again with \`rollback --to ${others[others.length - 1]}\` if it should win`,
    EXIT.notReady,
  );
}

/** A Secrets Manager write that lost the race for keys another writer set meanwhile. */
export interface LostSecretsManagerUpdate {
  readonly secretId: string;
  /** The keys both wrote. */
  readonly keys: readonly string[];
  /** This write's version: written, never current. */
  readonly mine: string;
  /** The staging label on it. */
  readonly label: string;
  /** The other writer's version, current. */
  readonly theirs: string;
  readonly command: string;
  /** The targets of the keys this write set. */
  readonly targets: readonly SecretsManagerTarget[];
}

/** The refusal of a Secrets Manager write whose keys another writer set meanwhile: theirs stays current. */
export function lostSecretsManagerUpdate(lost: LostSecretsManagerUpdate): CliError {
  const { secretId, keys, mine, label, theirs, command } = lost;
  const histories = lost.targets.filter((t) => keys.includes(t.key)).map(historyCommand);
  return new CliError(
    `another writer set ${keys.map(printable).join(", ")} of ${printable(secretId)} (now version ${printable(theirs)}, current) while this ${command} ran: ` +
      `this ${command}'s value was not made current, so theirs is kept; yours is in version ${printable(mine)} (label ${printable(label)}). ` +
      `See both with ${histories.join(" and ")}; run ${command} again if yours should win`,
    EXIT.notReady,
  );
}
