import type { AwsSettings } from "./aws-settings";
import { type NetworkSettings, secretsManagerClientFor, ssmClientFor } from "./clients";
import { secretsManagerStoreClient } from "./secretsmanager-store";
import { ssmStoreClient } from "./ssm-store";
import type { SecretStatus } from "./status";
import type { SecretsManagerTarget, SecretTarget, SsmTarget } from "./targets";
import type { SecretVersion } from "./versions";

/** One value `import` writes. */
export interface ImportEntry<T extends SecretTarget = SecretTarget> {
  readonly target: T;
  readonly value: string;
}

/** What one write did. */
export interface SetResult {
  /** The new version, as the store names it. */
  readonly version: string;
  /**
   * What the operator must know about the write besides its version: it was sent twice (its
   * first answer was lost) and left two versions holding the value, or an earlier attempt
   * left a version that never became current. Printed on stderr.
   */
  readonly note?: string;
}

/** What `import` did with one secret. */
export interface ImportResult {
  readonly target: SecretTarget;
  /** The new version; undefined when the store already held the value (nothing written). */
  readonly version: string | undefined;
  /** As {@link SetResult.note}. */
  readonly note?: string;
}

/** An import checked against the store and ready to write. */
export interface PreparedImport {
  /** Writes every changed value, in order, reporting each result as it is done; stops at the first failure. */
  write(report: (result: ImportResult) => void): Promise<void>;
}

/** What `rollback` did. */
export interface RollbackResult {
  /** The version whose value is current again. */
  readonly restored: string;
  /** The new version holding it; undefined when it was the current value already. */
  readonly version: string | undefined;
  /** As {@link SetResult.note}. */
  readonly note?: string;
}

/** The CLI's client of one secret store: what it does there; each store module implements it for its own targets. */
export interface StoreClient<T extends SecretTarget> {
  /**
   * Writes a secret's real value (already checked: not empty, not the placeholder) and
   * returns the new version as the store names it. Never creates what the stack has not.
   * Throws, exit code 1, when another writer wrote the secret between this write's read and
   * its write (a lost update), saying where both values are.
   */
  set(target: T, value: string): Promise<SetResult>;
  /** The state of each target, in the order given; never a value. */
  statuses(targets: readonly T[]): Promise<SecretStatus[]>;
  /** Every version of the secret, oldest first; never a value. */
  history(target: T): Promise<SecretVersion[]>;
  /**
   * Makes an earlier value current again (the one `to` names, else the previous one), without it leaving the process.
   */
  rollback(target: T, to: string | undefined): Promise<RollbackResult>;
  /**
   * Checks every entry against the store (it exists as the stack made it; the value fits)
   * before anything is written, and returns the writes; throws, having written nothing, when any fails.
   */
  prepareImport(entries: readonly ImportEntry<T>[]): Promise<PreparedImport>;
}

/** The clients of both stores, for one stack. */
export interface StoreClients {
  readonly ssm: StoreClient<SsmTarget>;
  readonly secretsmanager: StoreClient<SecretsManagerTarget>;
}

/** The clients of a stack's stores, each built for its region, endpoint and credentials. */
export function storeClientsFor(settings: AwsSettings, network?: NetworkSettings): StoreClients {
  // SDK clients make no call until used: a stack without Secrets Manager functions never
  // talks to Secrets Manager.
  return {
    ssm: ssmStoreClient(ssmClientFor(settings, network)),
    secretsmanager: secretsManagerStoreClient(secretsManagerClientFor(settings, network)),
  };
}

/** The store client of a target's store. */
export function storeClientOf<T extends SecretTarget>(clients: StoreClients, target: T): StoreClient<T> {
  return (target.store === "ssm" ? clients.ssm : clients.secretsmanager) as unknown as StoreClient<T>;
}
