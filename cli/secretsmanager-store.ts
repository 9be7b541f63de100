import { randomUUID } from "node:crypto";
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CURRENT_STAGE, PLACEHOLDER_VALUE } from "../constructs/naming";
import { parseJsonObject } from "../constructs/values";
import { awsErrorCode } from "../lambda-src/secrets/classify-error";
import { describeAwsError } from "./aws-errors";
import { CliError, EXIT } from "./errors";
import type { SecretState, SecretStatus } from "./status";
import type { StoreClient } from "./store";
import type { SecretsManagerTarget } from "./targets";

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

/** The current version of a function's secret, parsed. */
interface CurrentVersion {
  readonly versionId: string;
  readonly createdDate: Date | undefined;
  /** The JSON object, or undefined when the SecretString is not one. */
  readonly content: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Secrets kept as the keys of one Secrets Manager secret per function, a JSON object
 * encrypted with the function's key (Terraform sets the key on the secret, so writes name none).
 */
export function secretsManagerStore(client: SecretsManagerClient): StoreClient<SecretsManagerTarget> {
  return { set: (target, value) => setKey(client, target, value), statuses: (targets) => keyStatuses(client, targets) };
}

/**
 * Sets one key of the secret's JSON, keeping the others, and returns the new VersionId.
 *
 * Secrets Manager has no compare-and-set on PutSecretValue, so a plain read-modify-write
 * would silently drop a key that another writer set between our read and our write. The
 * version check is done with staging labels instead:
 *  1. GetSecretValue: the current JSON and its VersionId V0.
 *  2. PutSecretValue of the JSON with our key changed, under a fresh ClientRequestToken
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
async function setKey(client: SecretsManagerClient, target: SecretsManagerTarget, value: string): Promise<string> {
  let current = await readCurrent(client, target);
  for (let attempt = 1; attempt <= MAX_SET_ATTEMPTS; attempt++) {
    const content = writableContent(target, current);
    const json = JSON.stringify({ ...content, [target.key]: value });
    // The JSON carries every other secret of the function too: none of them may show in an error.
    const secrets = [json, value, ...Object.values(content).filter((v): v is string => typeof v === "string")];
    checkSize(target, json);
    const mine = await putStaged(client, target, json, secrets);
    const refusal = await promote(client, target, mine, current.versionId, secrets);
    if (refusal === undefined) return mine;
    const after = await readCurrent(client, target);
    if (after.versionId === mine) return mine;
    if (after.versionId === current.versionId) throw describeAwsError(refusal, target.secretId, { store: "secretsmanager", redact: secrets });
    current = after;
  }
  throw new CliError(
    `another writer kept changing ${target.secretId} while ${target.key} was being set (${MAX_SET_ATTEMPTS} attempts): ` +
      `${target.key} was not set and nothing was lost; run set again`,
    EXIT.notReady,
  );
}

async function readCurrent(client: SecretsManagerClient, target: SecretsManagerTarget): Promise<CurrentVersion> {
  let result: GetSecretValueCommandOutput;
  try {
    // By stage, as the function reads it: the current values, whichever version holds them.
    result = await client.send(new GetSecretValueCommand({ SecretId: target.secretId, VersionStage: CURRENT_STAGE }));
  } catch (error) {
    throw describeAwsError(error, target.secretId, { store: "secretsmanager" });
  }
  if (!result.VersionId) throw new CliError(`${target.secretId} answered without a VersionId; cannot write it safely`, EXIT.notReady);
  return { versionId: result.VersionId, createdDate: result.CreatedDate, content: parseJsonObject(result.SecretString) };
}

function writableContent(target: SecretsManagerTarget, current: CurrentVersion): Readonly<Record<string, unknown>> {
  if (current.content === undefined) {
    // Writing our one key would replace whatever is there: let a person look first.
    throw new CliError(
      `${target.secretId} does not hold a JSON object; refusing to overwrite it (restore a JSON object with one key per secret first)`,
      EXIT.notReady,
    );
  }
  return current.content;
}

function checkSize(target: SecretsManagerTarget, json: string): void {
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_SECRET_BYTES) {
    throw new CliError(
      `with this value ${target.secretId} would be ${bytes} bytes; a Secrets Manager secret holds at most ${MAX_SECRET_BYTES} (all keys together)`,
      EXIT.usage,
    );
  }
}

/** Step 2: a new version under {@link SET_STAGE} only; AWSCURRENT does not move. */
async function putStaged(client: SecretsManagerClient, target: SecretsManagerTarget, json: string, secrets: readonly string[]): Promise<string> {
  const token = randomUUID();
  try {
    const result = await client.send(
      new PutSecretValueCommand({ SecretId: target.secretId, SecretString: json, ClientRequestToken: token, VersionStages: [SET_STAGE] }),
    );
    return result.VersionId ?? token;
  } catch (error) {
    throw describeAwsError(error, target.secretId, { store: "secretsmanager", redact: secrets });
  }
}

/** Step 3: moves AWSCURRENT from `from` to `to`; returns the refusal when AWSCURRENT was not on `from`. */
async function promote(client: SecretsManagerClient, target: SecretsManagerTarget, to: string, from: string, secrets: readonly string[]): Promise<unknown> {
  try {
    await client.send(
      new UpdateSecretVersionStageCommand({ SecretId: target.secretId, VersionStage: CURRENT_STAGE, MoveToVersionId: to, RemoveFromVersionId: from }),
    );
    return undefined;
  } catch (error) {
    if (awsErrorCode(error) === "InvalidParameterException") return error;
    throw describeAwsError(error, target.secretId, { store: "secretsmanager", redact: secrets });
  }
}

/** One GetSecretValue per function (secret), however many keys it declares; secrets are read in parallel. */
async function keyStatuses(client: SecretsManagerClient, targets: readonly SecretsManagerTarget[]): Promise<SecretStatus[]> {
  const bySecret = new Map<string, SecretsManagerTarget[]>();
  for (const target of targets) bySecret.set(target.secretId, [...(bySecret.get(target.secretId) ?? []), target]);
  const results = await Promise.all([...bySecret].map(([secretId, keys]) => statusesOfSecret(client, secretId, keys)));
  return results.flat();
}

async function statusesOfSecret(client: SecretsManagerClient, secretId: string, targets: readonly SecretsManagerTarget[]): Promise<SecretStatus[]> {
  let result: GetSecretValueCommandOutput;
  try {
    result = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: CURRENT_STAGE }));
  } catch (error) {
    if (awsErrorCode(error) === "ResourceNotFoundException") return targets.map((target) => ({ target, state: "missing" }));
    throw describeAwsError(error, secretId, { store: "secretsmanager" });
  }
  const content = parseJsonObject(result.SecretString);
  return targets.map((target) => ({ target, state: stateOf(content, target.key), version: result.VersionId, lastModified: result.CreatedDate }));
}

// The runtime loader's rules: a key must be present, a string, and not the placeholder.
function stateOf(content: Readonly<Record<string, unknown>> | undefined, key: string): SecretState {
  if (content === undefined) return "invalid";
  if (!Object.hasOwn(content, key)) return "missing-key";
  const value = content[key];
  if (typeof value !== "string") return "invalid";
  return value === PLACEHOLDER_VALUE ? "placeholder" : "set";
}
