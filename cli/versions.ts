/**
 * A secret's versions, as `history` shows them and `rollback` chooses among them. The
 * stores read each version's value (decrypted: only the value tells the placeholder from a
 * real secret, and one value from another), judge it here, and keep it in memory only: a
 * {@link SecretVersion} holds no value, and nothing here prints one.
 */
import { isPlaceholder } from "../common/naming";
import { CliError, EXIT, shownArgument } from "./errors";
import type { SecretState } from "./status";

/** One version of a secret, as `history` shows it: never its value. */
export interface SecretVersion {
  /** As the store names it: the parameter version (`3`), or the Secrets Manager VersionId. */
  readonly version: string;
  readonly created: Date | undefined;
  /** Who wrote it (SSM's LastModifiedUser); Secrets Manager does not say. */
  readonly writtenBy: string | undefined;
  /** SSM parameter labels, or Secrets Manager staging labels. */
  readonly labels: readonly string[];
  /** Whether readers get this version now (SSM: the latest; Secrets Manager: AWSCURRENT). */
  readonly current: boolean;
  /**
   * What the version holds for this secret. `missing`: the version is gone (Secrets Manager deletes deprecated ones).
   */
  readonly state: SecretState;
  /** Whether it holds another value of this secret than the version before it (the first version: true). */
  readonly changed: boolean;
}

/** A version as a store read it: with this secret's value, which never leaves the process. */
export interface ReadVersion extends Omit<SecretVersion, "changed"> {
  /** This secret's value in the version; undefined when it holds none (a missing key, not a string, gone). */
  readonly value: string | undefined;
}

/** The versions, oldest first, each with whether it changed the secret's value. */
export function judgeVersions(versions: readonly ReadVersion[]): Array<ReadVersion & { readonly changed: boolean }> {
  return versions.map((version, index) => ({
    ...version,
    changed: index === 0 || versions[index - 1]!.value !== version.value,
  }));
}

/** The versions without their values, for `history`. */
export function withoutValues(versions: readonly ReadVersion[]): SecretVersion[] {
  return judgeVersions(versions).map(({ value: _, ...shown }) => shown);
}

/** The state of a version's value of an SSM parameter, or of a string key of a secret. */
export function stateOfValue(value: string): SecretState {
  return isPlaceholder(value) ? "placeholder" : "set";
}

/** What `rollback` restores: the value of `version`, or nothing when it is the current value already. */
export interface RollbackChoice {
  readonly from: ReadVersion;
  readonly current: ReadVersion;
  /** True when `from` holds the current value: nothing to write. */
  readonly unchanged: boolean;
}

/**
 * The version whose value `rollback` makes current again: the one named by `to` (`matches`
 * says whether a version is it), else the latest version before the current one that holds
 * another value ("the previous value": rolling back twice goes back and forth). Refuses the
 * placeholder (the function would refuse to run) and a version that holds no value.
 */
export function chooseRollback(
  label: string,
  versions: readonly ReadVersion[],
  to: string | undefined,
  matches: (version: ReadVersion, to: string) => boolean,
): RollbackChoice {
  const currentIndex = versions.findIndex((v) => v.current);
  const current = versions[currentIndex];
  if (!current) throw new CliError(`${label} has no current version to roll back from`, EXIT.notReady);
  let from: ReadVersion | undefined;
  if (to !== undefined) {
    from = versions.find((v) => matches(v, to));
    if (!from) {
      const known = versions.map((v) => v.version).slice(-10);
      throw new CliError(
        `${label} has no version ${shownArgument(to)}; its latest versions: ${known.join(", ")} (see history)`,
      );
    }
  } else {
    from = versions
      .slice(0, currentIndex)
      .reverse()
      .find((v) => v.value !== undefined && v.value !== current.value);
    if (!from) throw new CliError(`${label} has no earlier value to roll back to (see history)`, EXIT.notReady);
  }
  if (from.value === undefined) {
    throw new CliError(
      `version ${from.version} of ${label} holds no value for it (${from.state}): nothing to roll back to`,
      EXIT.notReady,
    );
  }
  if (isPlaceholder(from.value)) {
    throw new CliError(
      `version ${from.version} of ${label} is the placeholder: refusing to roll back to it, the function would refuse to run (set a real value instead)`,
      EXIT.usage,
    );
  }
  return { from, current, unchanged: from.value === current.value };
}
