/**
 * A fake Secrets Manager on loopback that speaks enough of the AWS JSON 1.1 protocol for
 * the SDK v3 client: GetSecretValue (by stage or VersionId), DescribeSecret,
 * ListSecretVersionIds, PutSecretValue and UpdateSecretVersionStage. Point a client (or a child process) at it with
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER=<url>` and the tests' credentials (`test` / `test`):
 * it checks every request's SigV4 signature.
 *
 * Versions and staging labels behave as in Secrets Manager: PutSecretValue creates a
 * version (idempotent per ClientRequestToken) and moves AWSCURRENT to it and AWSPREVIOUS
 * to the version that was current; UpdateSecretVersionStage moves a label only when
 * RemoveFromVersionId names the version holding it, which is how a writer detects that
 * another one got there first.
 *
 * It holds only the secrets, their versions and labels; the rest comes from the core it
 * shares with the fake SSM (aws-json-server.ts): it records every call, counts them per
 * action, measures how many overlapped, can delay its answers, can answer the next calls
 * of an action with an injected error (see {@link faults}), can run a hook when a call
 * arrives (see {@link SecretsManagerServer.beforeNext}), to play another writer at an
 * exact moment, and logs every error it answered with. Always `close()` it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { ServiceError, startAwsJsonServer, type AwsJsonServer, type InjectedError } from "./aws-json-server";

// The call log, error injection and hooks are the shared core's.
export type { AnsweredError, CallHook, InjectedError, RecordedCall } from "./aws-json-server";

/** The actions the fake understands. */
export type SecretsManagerAction =
  | "GetSecretValue"
  | "DescribeSecret"
  | "ListSecretVersionIds"
  | "PutSecretValue"
  | "UpdateSecretVersionStage";

/** The label of the version GetSecretValue returns by default. */
export const AWSCURRENT = "AWSCURRENT";
/** The label PutSecretValue and UpdateSecretVersionStage move to the version that was current. */
export const AWSPREVIOUS = "AWSPREVIOUS";

/** One version of a secret, as the fake stores it. */
export interface StoredVersion {
  readonly versionId: string;
  readonly secretString: string;
  readonly createdDate: Date;
  /** Its staging labels, e.g. `["AWSCURRENT"]`; none: a deprecated version. */
  readonly stages: readonly string[];
}

/** A secret, as the fake stores it. */
export interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly kmsKeyId: string | undefined;
  readonly description: string | undefined;
  readonly createdDate: Date;
  readonly lastChangedDate: Date;
  /** Every version, oldest first. */
  readonly versions: readonly StoredVersion[];
}

/** Options of {@link startSecretsManagerServer}. */
export interface SecretsManagerServerOptions {
  /** Region used in secret ARNs. @default "us-east-1" */
  readonly region?: string;
  /** Account used in secret ARNs. @default "000000000000" */
  readonly accountId?: string;
  /** Delay before every answer, in ms, so that concurrent calls overlap measurably. @default 0 */
  readonly latencyMs?: number;
}

/** Options of {@link SecretsManagerServer.createSecret}. */
export interface CreateSecretOptions {
  /** KMS key the secret is encrypted with. @default undefined (the service's `aws/secretsmanager` key) */
  readonly kmsKeyId?: string;
  readonly description?: string;
}

/** A running fake Secrets Manager. */
export interface SecretsManagerServer extends AwsJsonServer<SecretsManagerAction> {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  readonly url: string;
  /** Creates a secret whose first version, AWSCURRENT, holds `secretString` (no call recorded). */
  createSecret(name: string, secretString: string, options?: CreateSecretOptions): StoredSecret;
  /** Adds a version that becomes AWSCURRENT, as PutSecretValue does (no call recorded). */
  putSecretValue(secretId: string, secretString: string): StoredVersion;
  /** Moves a staging label as UpdateSecretVersionStage does, with the same checks (no call recorded). */
  updateSecretVersionStage(
    secretId: string,
    stage: string,
    moveToVersionId?: string,
    removeFromVersionId?: string,
  ): void;
  /** A stored secret, by name or ARN, or undefined. */
  getSecret(secretId: string): StoredSecret | undefined;
  /** The SecretString of the version holding `stage`, or undefined. */
  secretString(secretId: string, stage?: string): string | undefined;
  /** Deletes a deprecated version (no label), as Secrets Manager does on its own (no call recorded). */
  deleteDeprecatedVersion(secretId: string, versionId: string): void;
}

/** Errors Secrets Manager answers with, to inject with {@link SecretsManagerServer.failNext}. */
export const faults = {
  /** IAM refused: the caller's policy does not allow the action. */
  accessDeniedByIam: (action: SecretsManagerAction = "GetSecretValue"): InjectedError => ({
    code: "AccessDeniedException",
    message:
      `User: arn:aws:sts::000000000000:assumed-role/fn-role/fn is not authorized to perform: secretsmanager:${action} ` +
      `because no identity-based policy allows the secretsmanager:${action} action`,
  }),
  /** KMS refused to decrypt: how Secrets Manager reports a key policy that does not let the caller use the key. */
  accessDeniedByKms: (): InjectedError => ({ code: "AccessDeniedException", message: "Access to KMS is not allowed" }),
  /** The key could not decrypt the secret (e.g. it is disabled or the caller may not use it). */
  decryptionFailure: (): InjectedError => ({
    code: "DecryptionFailure",
    message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
  }),
  /** Throttles `times` consecutive calls. */
  throttling: (times = 1): InjectedError => ({ code: "ThrottlingException", message: "Rate exceeded", times }),
};

/** A version while the fake holds it: its labels change. */
interface Version {
  readonly versionId: string;
  readonly secretString: string;
  readonly createdDate: Date;
  readonly stages: Set<string>;
}

/** A secret while the fake holds it. */
interface Secret {
  readonly name: string;
  readonly arn: string;
  readonly kmsKeyId: string | undefined;
  readonly description: string | undefined;
  readonly createdDate: Date;
  lastChangedDate: Date;
  /** By version id, in creation order. */
  readonly versions: Map<string, Version>;
}

const NO_SUCH_SECRET = "Secrets Manager can't find the specified secret.";

/** Starts a fake Secrets Manager on 127.0.0.1 on a random free port. */
export async function startSecretsManagerServer(
  options: SecretsManagerServerOptions = {},
): Promise<SecretsManagerServer> {
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "000000000000";
  const secrets = new Map<string, Secret>();

  /** A secret by name or full ARN, as the service accepts in SecretId. */
  function find(secretId: unknown): Secret | undefined {
    if (typeof secretId !== "string") return undefined;
    return secrets.get(secretId) ?? [...secrets.values()].find((secret) => secret.arn === secretId);
  }

  function mustFind(secretId: unknown): Secret {
    const secret = find(secretId);
    if (!secret) throw new ServiceError("ResourceNotFoundException", NO_SUCH_SECRET);
    return secret;
  }

  function holderOf(secret: Secret, stage: string): Version | undefined {
    return [...secret.versions.values()].find((version) => version.stages.has(stage));
  }

  /**
   * Attaches `stage` to `target`, taking it from whichever version held it; moving AWSCURRENT makes the old holder
   * AWSPREVIOUS.
   */
  function moveStage(secret: Secret, stage: string, target: Version): void {
    const holder = holderOf(secret, stage);
    if (holder === target) return;
    holder?.stages.delete(stage);
    target.stages.add(stage);
    if (stage === AWSCURRENT && holder) moveStage(secret, AWSPREVIOUS, holder);
  }

  function create(name: string, secretString: string, settings: CreateSecretOptions): Secret {
    if (secrets.has(name))
      throw new ServiceError(
        "ResourceExistsException",
        `The operation failed because the secret ${name} already exists.`,
      );
    const now = new Date();
    const secret: Secret = {
      name,
      // Like the service: the name plus a dash and 6 random characters.
      arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${randomBytes(3).toString("hex")}`,
      kmsKeyId: settings.kmsKeyId,
      description: settings.description,
      createdDate: now,
      lastChangedDate: now,
      versions: new Map(),
    };
    secrets.set(name, secret);
    put(secret, secretString, randomUUID(), [AWSCURRENT]);
    return secret;
  }

  function put(secret: Secret, secretString: string, token: string, stages: readonly string[]): Version {
    const existing = secret.versions.get(token);
    if (existing) {
      // A retried request (same token, same value) succeeds without a new version.
      if (existing.secretString === secretString) return existing;
      throw new ServiceError(
        "ResourceExistsException",
        "You can't modify an existing version, you can only create a new version.",
      );
    }
    const version: Version = { versionId: token, secretString, createdDate: new Date(), stages: new Set() };
    secret.versions.set(token, version);
    for (const stage of stages) moveStage(secret, stage, version);
    secret.lastChangedDate = version.createdDate;
    return version;
  }

  function updateStage(
    secret: Secret,
    stage: string,
    moveTo: string | undefined,
    removeFrom: string | undefined,
  ): void {
    const holder = holderOf(secret, stage);
    const target = moveTo === undefined ? undefined : secret.versions.get(moveTo);
    if (moveTo !== undefined && !target)
      throw new ServiceError(
        "ResourceNotFoundException",
        `Secrets Manager can't find the specified secret value for VersionId: ${moveTo}`,
      );
    if (moveTo === undefined && removeFrom === undefined) {
      throw new ServiceError(
        "InvalidParameterException",
        "You must specify MoveToVersionId, RemoveFromVersionId, or both.",
      );
    }
    // The optimistic-concurrency check: whoever moves a label must say where it is now.
    if (holder && holder !== target && removeFrom !== holder.versionId) {
      throw new ServiceError(
        "InvalidParameterException",
        removeFrom === undefined
          ? `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`
          : `Staging label ${stage} is currently attached to version ${holder.versionId}, not to version ${removeFrom}.`,
      );
    }
    if (removeFrom !== undefined && holder?.versionId !== removeFrom) {
      throw new ServiceError(
        "InvalidParameterException",
        `Staging label ${stage} is not attached to version ${removeFrom}.`,
      );
    }
    if (target) {
      moveStage(secret, stage, target);
      return;
    }
    if (stage === AWSCURRENT) {
      throw new ServiceError(
        "InvalidParameterException",
        "You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.",
      );
    }
    holder?.stages.delete(stage);
  }

  function handle(action: string, request: Record<string, unknown>): Record<string, unknown> | undefined {
    switch (action) {
      case "GetSecretValue": {
        const secret = mustFind(request.SecretId);
        const versionId = request.VersionId as string | undefined;
        const stage =
          (request.VersionStage as string | undefined) ?? (versionId === undefined ? AWSCURRENT : undefined);
        const version =
          versionId === undefined ? holderOf(secret, stage ?? AWSCURRENT) : secret.versions.get(versionId);
        if (!version || (stage !== undefined && !version.stages.has(stage))) {
          const what = versionId === undefined ? `staging label: ${stage}` : `VersionId: ${versionId}`;
          throw new ServiceError(
            "ResourceNotFoundException",
            `Secrets Manager can't find the specified secret value for ${what}`,
          );
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: version.versionId,
          SecretString: version.secretString,
          VersionStages: [...version.stages],
          CreatedDate: epochSeconds(version.createdDate),
        };
      }
      case "DescribeSecret": {
        const secret = mustFind(request.SecretId);
        return {
          ARN: secret.arn,
          Name: secret.name,
          Description: secret.description,
          KmsKeyId: secret.kmsKeyId,
          CreatedDate: epochSeconds(secret.createdDate),
          LastChangedDate: epochSeconds(secret.lastChangedDate),
          // Like the service: only versions that hold a label are listed.
          VersionIdsToStages: Object.fromEntries(
            [...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.versionId, [...v.stages]]),
          ),
        };
      }
      case "ListSecretVersionIds": {
        const secret = mustFind(request.SecretId);
        const max = request.MaxResults === undefined ? 100 : Number(request.MaxResults);
        if (!Number.isInteger(max) || max < 1 || max > 100) {
          throw new ServiceError(
            "ValidationException",
            "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
          );
        }
        // Like the service: versions without a label (deprecated) only when asked for.
        const listed = [...secret.versions.values()].filter(
          (v) => request.IncludeDeprecated === true || v.stages.size > 0,
        );
        const start = request.NextToken === undefined ? 0 : Number(request.NextToken);
        return {
          ARN: secret.arn,
          Name: secret.name,
          Versions: listed.slice(start, start + max).map((v) => ({
            VersionId: v.versionId,
            VersionStages: [...v.stages],
            CreatedDate: epochSeconds(v.createdDate),
            KmsKeyIds: [secret.kmsKeyId ?? "DefaultEncryptionKey"],
          })),
          NextToken: start + max < listed.length ? String(start + max) : undefined,
        };
      }
      case "PutSecretValue": {
        const secret = mustFind(request.SecretId);
        if (typeof request.SecretString !== "string") {
          throw new ServiceError(
            "InvalidParameterException",
            "You must provide SecretString (the fake does not store SecretBinary).",
          );
        }
        // The SDK fills ClientRequestToken with a UUID when the caller gives none.
        const token = (request.ClientRequestToken as string | undefined) ?? randomUUID();
        if (token.length < 32 || token.length > 64) {
          throw new ServiceError(
            "ValidationException",
            "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64",
          );
        }
        const stages = Array.isArray(request.VersionStages) ? (request.VersionStages as string[]) : [AWSCURRENT];
        const version = put(secret, request.SecretString, token, stages);
        return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: [...version.stages] };
      }
      case "UpdateSecretVersionStage": {
        const secret = mustFind(request.SecretId);
        updateStage(
          secret,
          String(request.VersionStage),
          request.MoveToVersionId as string | undefined,
          request.RemoveFromVersionId as string | undefined,
        );
        secret.lastChangedDate = new Date();
        return { ARN: secret.arn, Name: secret.name };
      }
      default:
        return undefined;
    }
  }

  const core = await startAwsJsonServer<SecretsManagerAction>({
    signingName: "secretsmanager",
    targetPrefix: "secretsmanager",
    name: "Secrets Manager",
    internalErrorCode: "InternalServiceError",
    latencyMs: options.latencyMs,
    handle,
  });

  return {
    ...core,
    createSecret: (name, secretString, settings = {}) => snapshot(create(name, secretString, settings)),
    putSecretValue: (secretId, secretString) =>
      snapshotVersion(put(mustFind(secretId), secretString, randomUUID(), [AWSCURRENT])),
    updateSecretVersionStage(secretId, stage, moveToVersionId, removeFromVersionId) {
      const secret = mustFind(secretId);
      updateStage(secret, stage, moveToVersionId, removeFromVersionId);
      secret.lastChangedDate = new Date();
    },
    getSecret(secretId) {
      const secret = find(secretId);
      return secret && snapshot(secret);
    },
    secretString(secretId, stage = AWSCURRENT) {
      const secret = find(secretId);
      return secret && holderOf(secret, stage)?.secretString;
    },
    deleteDeprecatedVersion(secretId, versionId) {
      const secret = mustFind(secretId);
      if ((secret.versions.get(versionId)?.stages.size ?? 1) > 0)
        throw new Error(`${versionId} is not a deprecated version of ${secretId}`);
      secret.versions.delete(versionId);
    },
  };
}

/** A copy callers cannot change the fake through. */
function snapshot(secret: Secret): StoredSecret {
  return { ...secret, versions: [...secret.versions.values()].map(snapshotVersion) };
}

function snapshotVersion(version: Version): StoredVersion {
  return { ...version, stages: [...version.stages] };
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
