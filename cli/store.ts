import type { EnvironmentConfig } from "../config/environments";
import { secretsManagerClientFor, ssmClientFor } from "./clients";
import { secretsManagerStore } from "./secretsmanager-store";
import { ssmStore } from "./ssm-store";
import type { SecretStatus } from "./status";
import type { SecretsManagerTarget, SecretTarget, SsmTarget } from "./targets";

/** The CLI's client of one secret store: what it does there; each store module implements it for its own targets. */
export interface StoreClient<T extends SecretTarget> {
  /**
   * Writes a secret's real value (already checked: not empty, not the placeholder) and
   * returns the new version as the store names it. Never creates what the stack has not.
   */
  set(target: T, value: string): Promise<string>;
  /** The state of each target, in the order given; never a value. */
  statuses(targets: readonly T[]): Promise<SecretStatus[]>;
}

/** Both stores of one environment. */
export interface Stores {
  readonly ssm: StoreClient<SsmTarget>;
  readonly secretsmanager: StoreClient<SecretsManagerTarget>;
}

/** The stores of an environment, each with a client built for its region, endpoint and credentials. */
export function storesFor(environment: EnvironmentConfig, env: NodeJS.ProcessEnv): Stores {
  // SDK clients make no call until used: an environment without Secrets Manager
  // functions never talks to Secrets Manager.
  return {
    ssm: ssmStore(ssmClientFor(environment, env)),
    secretsmanager: secretsManagerStore(secretsManagerClientFor(environment, env)),
  };
}
