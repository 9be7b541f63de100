import { randomUUID } from "node:crypto";
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  ListSecretVersionIdsCommand,
  type ListSecretVersionIdsCommandOutput,
  PutSecretValueCommand,
  type SecretVersionsListEntry,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CURRENT_STAGE, isPlaceholder } from "../common/naming";
import { inBatches, parseJsonObject } from "../common/values";
import { awsErrorCode } from "../lambda-src/secrets/classify-error";
import { describeAwsError } from "./aws-errors";
import { CliError, EXIT } from "./errors";
import type { SecretState, SecretStatus } from "./status";
import { lostSecretsManagerUpdate } from "./lost-update";
import { printable } from "./printable";
import type { ImportEntry, ImportResult, PreparedImport, RollbackResult, SetResult, StoreClient } from "./store-client";
import type { SecretsManagerTarget } from "./targets";
import { chooseRollback, type ReadVersion, withoutValues } from "./versions";

/**
 * The staging label of the version `set` writes, from its PutSecretValue until AWSCURRENT
 * moves to it. A label sits on one version at a time, so it never piles up: it marks the
 * last version the CLI wrote, whether or not that version became current. Not AWSPENDING:
 * rotation refuses to start while AWSPENDING sits on a version other than AWSCURRENT.
 */
export const SET_STAGE = "SECURE-LAMBDA-SET";

/** How many times `set` writes before it gives up on a secret that keeps changing under it. */
export const MAX_SET_ATTEMPTS = 3;

// Secrets Manager's limit on a SecretString: the whole JSON, every key together.
const MAX_SECRET_BYTES = 65536;
// ListSecretVersionIds answers at most 100 versions a page; a secret keeps about 100.
const VERSIONS_PAGE = 100;
const MAX_VERSION_PAGES = 3;
// How many versions `history` reads at once: a few calls in flight, never a burst.
const PARALLEL_READS = 4;

/** The current version of a function's secret, parsed. */
interface CurrentVersion {
  readonly versionId: string;
  /** The JSON object, or undefined when the SecretString is not one. */
  readonly content: Readonly<Record<string, unknown>> | undefined;
}

/** Keys of one secret to change at once: key -> new value. */
type KeyChanges = Readonly<Record<string, string>>;

/**
 * Secrets kept as the keys of one Secrets Manager secret per function, a JSON object
 * encrypted with the function's key (Terraform sets the key on the secret, so writes name none).
 */
export function secretsManagerStoreClient(client: SecretsManagerClient): StoreClient<SecretsManagerTarget> {
  return {
    set: (target, value) =>
      setKeys(client, target.secretId, { [target.key]: value }, { command: "set", targets: [target] }),
    statuses: (targets) => keyStatuses(client, targets),
    history: async (target) => withoutValues(await readVersions(client, target)),
    rollback: (target, to) => rollbackKey(client, target, to),
    prepareImport: (entries) => prepareImport(client, entries),
  };
}

/**
 * Sets keys of the secret's JSON, keeping the others, in one new version, and returns its
 * VersionId.
 *
 * Secrets Manager has no compare-and-set on PutSecretValue, so a plain read-modify-write
 * would silently drop a key that another writer set between our read and our write. The
 * version check is done with staging labels instead:
 *  1. GetSecretValue: the current JSON and its VersionId V0 (or `start`, read just before).
 *  2. PutSecretValue of the JSON with our keys changed, under a fresh ClientRequestToken
 *     (so the SDK's own retries cannot create a second version) and only the label
 *     {@link SET_STAGE}: the new version exists, but AWSCURRENT stays on V0 and no reader
 *     sees it yet.
 *  3. UpdateSecretVersionStage moves AWSCURRENT to the new version with
 *     RemoveFromVersionId V0. The service refuses the move (InvalidParameterException)
 *     when AWSCURRENT is no longer on V0, i.e. someone else wrote since step 1; then
 *     nothing was lost: their version stays current and ours never became visible.
 *  4. On a refusal, read again: if our version is current after all (only the answer was
 *     lost), done; if AWSCURRENT is still on V0, the refusal was not a race and is
 *     reported; otherwise start again from the new JSON, {@link MAX_SET_ATTEMPTS} writes in
 *     all, then fail saying another writer kept changing the secret.
 * The secret must exist: a missing one is reported ("deploy the stack first"), never created.
 */
async function setKeys(
  client: SecretsManagerClient,
  secretId: string,
  changes: KeyChanges,
  options: {
    readonly command: string;
    readonly start?: CurrentVersion;
    /** The targets of the keys changed, for the `history` command a conflict points at. */
    readonly targets: readonly SecretsManagerTarget[];
  },
): Promise<SetResult> {
  let current = options.start ?? (await readCurrent(client, secretId));
  const abandoned: string[] = [];
  const result = (version: string): SetResult => ({
    version,
    note:
      abandoned.length === 0
        ? undefined
        : `another writer changed other keys of ${printable(secretId)} while this ${options.command} ran, so it was written again on top of theirs; ` +
          `the earlier attempt's version ${abandoned.map(printable).join(", ")} never became current (it shows in history)`,
  });
  for (let attempt = 1; attempt <= MAX_SET_ATTEMPTS; attempt++) {
    const { json, secrets } = changedJson(secretId, current, changes);
    const mine = await putStaged(client, secretId, json, secrets);
    const refusal = await promote(client, secretId, mine, current.versionId, secrets);
    if (refusal === undefined) return result(mine);
    const after = await readCurrent(client, secretId);
    if (after.versionId === mine) return result(mine);
    if (after.versionId === current.versionId)
      throw describeAwsError(refusal, secretId, { store: "secretsmanager", redact: secrets });
    // Another writer made another version current since our read. If it changed a key this
    // write sets, writing again would replace their value unseen: a lost update. Refused;
    // our version stays as written, never current, so both values are in the history.
    const contested = Object.keys(changes).filter((key) => current.content?.[key] !== after.content?.[key]);
    if (contested.length > 0)
      throw lostSecretsManagerUpdate({
        secretId,
        keys: contested,
        mine,
        label: SET_STAGE,
        theirs: after.versionId,
        ...options,
      });
    abandoned.push(mine);
    current = after;
  }
  const keys = Object.keys(changes).join(", ");
  const were = Object.keys(changes).length === 1 ? "was" : "were";
  throw new CliError(
    `another writer kept changing ${secretId} while ${keys} ${were} being set (${MAX_SET_ATTEMPTS} attempts): ` +
      `${keys} ${were} not set and nothing was lost; run ${options.command} again`,
    EXIT.notReady,
  );
}

/**
 * The current JSON with `changes` applied, checked (a JSON object, within the size limit),
 * and every secret text it carries: the JSON holds the function's other secrets too, and
 * none of them may show in an error.
 */
function changedJson(
  secretId: string,
  current: CurrentVersion,
  changes: KeyChanges,
): { json: string; secrets: string[] } {
  const content = writableContent(secretId, current);
  const json = JSON.stringify({ ...content, ...changes });
  const secrets = [
    json,
    ...Object.values(changes),
    ...Object.values(content).filter((v): v is string => typeof v === "string"),
  ];
  checkSize(secretId, json);
  return { json, secrets };
}

async function readCurrent(client: SecretsManagerClient, secretId: string): Promise<CurrentVersion> {
  let result: GetSecretValueCommandOutput;
  try {
    // By stage, as the function reads it: the current values, whichever version holds them.
    result = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: CURRENT_STAGE }));
  } catch (error) {
    throw describeAwsError(error, secretId, { store: "secretsmanager" });
  }
  if (!result.VersionId)
    throw new CliError(`${secretId} answered without a VersionId; cannot write it safely`, EXIT.notReady);
  return { versionId: result.VersionId, content: parseJsonObject(result.SecretString) };
}

function writableContent(secretId: string, current: CurrentVersion): Readonly<Record<string, unknown>> {
  if (current.content === undefined) {
    // Writing our keys would replace whatever is there: let a person look first.
    throw new CliError(
      `${secretId} does not hold a JSON object; refusing to overwrite it (restore a JSON object with one key per secret first)`,
      EXIT.notReady,
    );
  }
  return current.content;
}

function checkSize(secretId: string, json: string): void {
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_SECRET_BYTES) {
    throw new CliError(
      `with this value ${secretId} would be ${bytes} bytes; a Secrets Manager secret holds at most ${MAX_SECRET_BYTES} (all keys together)`,
      EXIT.usage,
    );
  }
}

/** Step 2: a new version under {@link SET_STAGE} only; AWSCURRENT does not move. */
async function putStaged(
  client: SecretsManagerClient,
  secretId: string,
  json: string,
  secrets: readonly string[],
): Promise<string> {
  const token = randomUUID();
  try {
    const result = await client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: json,
        ClientRequestToken: token,
        VersionStages: [SET_STAGE],
      }),
    );
    return result.VersionId ?? token;
  } catch (error) {
    throw describeAwsError(error, secretId, { store: "secretsmanager", redact: secrets });
  }
}

/** Step 3: moves AWSCURRENT from `from` to `to`; returns the refusal when AWSCURRENT was not on `from`. */
async function promote(
  client: SecretsManagerClient,
  secretId: string,
  to: string,
  from: string,
  secrets: readonly string[],
): Promise<unknown> {
  try {
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: CURRENT_STAGE,
        MoveToVersionId: to,
        RemoveFromVersionId: from,
      }),
    );
    return undefined;
  } catch (error) {
    if (awsErrorCode(error) === "InvalidParameterException") return error;
    throw describeAwsError(error, secretId, { store: "secretsmanager", redact: secrets });
  }
}

/** One GetSecretValue per function (secret), however many keys it declares; secrets are read in parallel. */
async function keyStatuses(
  client: SecretsManagerClient,
  targets: readonly SecretsManagerTarget[],
): Promise<SecretStatus[]> {
  const bySecret = new Map<string, SecretsManagerTarget[]>();
  for (const target of targets) bySecret.set(target.secretId, [...(bySecret.get(target.secretId) ?? []), target]);
  const results = await Promise.all([...bySecret].map(([secretId, keys]) => statusesOfSecret(client, secretId, keys)));
  return results.flat();
}

async function statusesOfSecret(
  client: SecretsManagerClient,
  secretId: string,
  targets: readonly SecretsManagerTarget[],
): Promise<SecretStatus[]> {
  let result: GetSecretValueCommandOutput;
  try {
    result = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: CURRENT_STAGE }));
  } catch (error) {
    if (awsErrorCode(error) === "ResourceNotFoundException")
      return targets.map((target) => ({ target, state: "missing" }));
    throw describeAwsError(error, secretId, { store: "secretsmanager" });
  }
  const content = parseJsonObject(result.SecretString);
  return targets.map((target) => ({
    target,
    state: stateOf(content, target.key),
    version: result.VersionId,
    lastModified: result.CreatedDate,
  }));
}

// The runtime loader's rules: a key must be present, a string, and not the placeholder.
function stateOf(content: Readonly<Record<string, unknown>> | undefined, key: string): SecretState {
  if (content === undefined) return "invalid";
  if (!Object.hasOwn(content, key)) return "missing-key";
  const value = content[key];
  if (typeof value !== "string") return "invalid";
  return isPlaceholder(value) ? "placeholder" : "set";
}

/**
 * Every version of the secret (deprecated ones too, while Secrets Manager keeps them),
 * oldest first, with this key's value in each: read version by version, in memory only.
 */
async function readVersions(client: SecretsManagerClient, target: SecretsManagerTarget): Promise<ReadVersion[]> {
  const entries: SecretVersionsListEntry[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_VERSION_PAGES; page++) {
    let result: ListSecretVersionIdsCommandOutput;
    try {
      result = await client.send(
        new ListSecretVersionIdsCommand({
          SecretId: target.secretId,
          IncludeDeprecated: true,
          MaxResults: VERSIONS_PAGE,
          NextToken: nextToken,
        }),
      );
    } catch (error) {
      throw describeAwsError(error, target.secretId, { store: "secretsmanager" });
    }
    entries.push(...(result.Versions ?? []));
    nextToken = result.NextToken;
    if (!nextToken) break;
  }
  entries.sort((a, b) => (a.CreatedDate?.getTime() ?? 0) - (b.CreatedDate?.getTime() ?? 0));
  const versions: ReadVersion[] = [];
  for (const batch of inBatches(entries, PARALLEL_READS))
    versions.push(...(await Promise.all(batch.map((entry) => readVersion(client, target, entry)))));
  return versions;
}

async function readVersion(
  client: SecretsManagerClient,
  target: SecretsManagerTarget,
  entry: SecretVersionsListEntry,
): Promise<ReadVersion> {
  const labels = entry.VersionStages ?? [];
  const base = {
    version: entry.VersionId ?? "",
    created: entry.CreatedDate,
    writtenBy: undefined,
    labels,
    current: labels.includes(CURRENT_STAGE),
  };
  let result: GetSecretValueCommandOutput;
  try {
    result = await client.send(new GetSecretValueCommand({ SecretId: target.secretId, VersionId: entry.VersionId }));
  } catch (error) {
    // Secrets Manager deletes deprecated versions (no label) when it likes: listed, then gone.
    if (awsErrorCode(error) === "ResourceNotFoundException" && labels.length === 0)
      return { ...base, state: "missing", value: undefined };
    throw describeAwsError(error, target.secretId, { store: "secretsmanager" });
  }
  const content = parseJsonObject(result.SecretString);
  const state = stateOf(content, target.key);
  const value = content?.[target.key];
  return { ...base, state, value: typeof value === "string" ? value : undefined };
}

/**
 * Makes an earlier value of this one key current again: a new version holding that value
 * and every other key as it is now, moved to AWSCURRENT with the same version check as
 * `set` (the other secrets of the function are never rolled back with it).
 */
async function rollbackKey(
  client: SecretsManagerClient,
  target: SecretsManagerTarget,
  to: string | undefined,
): Promise<RollbackResult> {
  const versions = await readVersions(client, target);
  const label = `${target.secretId} key ${target.key}`;
  // A version by its VersionId, or by a staging label (AWSPREVIOUS).
  const choice = chooseRollback(label, versions, to, (v, wanted) => v.version === wanted || v.labels.includes(wanted));
  if (choice.unchanged) return { restored: choice.from.version, version: undefined };
  const { version, note } = await setKeys(
    client,
    target.secretId,
    { [target.key]: choice.from.value! },
    { command: "rollback", targets: [target] },
  );
  return { restored: choice.from.version, version, note };
}

/**
 * Checks every secret before anything is written: it exists, holds a JSON object, and
 * stays within the size limit with all its new values. Then one new version per secret,
 * holding all its changed keys; a secret whose keys all hold their value already is not written.
 */
async function prepareImport(
  client: SecretsManagerClient,
  entries: readonly ImportEntry<SecretsManagerTarget>[],
): Promise<PreparedImport> {
  const bySecret = new Map<string, ImportEntry<SecretsManagerTarget>[]>();
  for (const entry of entries)
    bySecret.set(entry.target.secretId, [...(bySecret.get(entry.target.secretId) ?? []), entry]);
  const plans = await Promise.all(
    [...bySecret].map(async ([secretId, ofSecret]) => {
      const current = await readCurrent(client, secretId);
      const content = writableContent(secretId, current);
      const changed = ofSecret.filter((e) => content[e.target.key] !== e.value);
      const changes: KeyChanges = Object.fromEntries(changed.map((e) => [e.target.key, e.value]));
      if (changed.length > 0) changedJson(secretId, current, changes);
      return { secretId, ofSecret, current, changes, changed: changed.length > 0 };
    }),
  );
  return {
    async write(report: (result: ImportResult) => void): Promise<void> {
      for (const plan of plans) {
        const written = plan.changed
          ? await setKeys(client, plan.secretId, plan.changes, {
              command: "import",
              start: plan.current,
              targets: plan.ofSecret.map((e) => e.target),
            })
          : undefined;
        let note = written?.note;
        for (const { target } of plan.ofSecret) {
          if (!Object.hasOwn(plan.changes, target.key)) report({ target, version: undefined });
          else {
            // One note per version, on its first key.
            report({ target, version: written?.version, note });
            note = undefined;
          }
        }
      }
    },
  };
}
