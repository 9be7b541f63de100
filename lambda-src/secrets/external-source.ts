import { parseExternalArn, secretArnEnvVar, type ExternalArn } from "../../common/external-secret";
import { CURRENT_STAGE, isPlaceholder } from "../../common/naming";
import { isPlainObject } from "../../common/values";
import { callAwsJson, SECRETS_MANAGER_ANSWER_BYTES, SSM_ANSWER_BYTES_PER_NAME } from "./aws-json";
import type { Budget } from "./budget";
import { readThrough, SecretsCache } from "./cache";
import { awsErrorCode, classifyFetchError } from "./classify-error";
import { SECRETS_MANAGER, SSM } from "./endpoints";
import { SecretNotFoundError, SecretNotSetError, SecretsConfigError, SecretsInvalidResponseError } from "./errors";
import { functionNameOf, type Env, type SecretsSource, type SourceOptions } from "./source";

// One cache per execution environment, by ARN.
const sharedCache = new SecretsCache<string>();

/** The secrets of `secrets` that the environment names by ARN (`<NAME>_SECRET_ARN`): another account's or app's. */
export function externalSecretNames<S extends string>(secrets: readonly S[], env: Env): S[] {
  return secrets.filter((secret) => Boolean(env[secretArnEnvVar(secret)]));
}

/**
 * Secrets another account or app owns, each read whole by the ARN its `<NAME>_SECRET_ARN`
 * variable holds: a Secrets Manager secret's AWSCURRENT SecretString (GetSecretValue) or an
 * SSM parameter's decrypted value (GetParameter). Each is read in the region its ARN names
 * (the role is granted that ARN and kms:ViaService of that region), one call per ARN, all in
 * parallel, and cached by ARN like the own secrets.
 */
export function externalSource<S extends string>(options: SourceOptions<S>): SecretsSource<S> {
  const { secrets, call, policy, env } = options;
  const cache = options.ownCache ? new SecretsCache<string>() : sharedCache;
  const targets = new Map<string, ExternalArn>();
  const arnOf = new Map<S, string>();
  for (const secret of secrets) {
    const variable = secretArnEnvVar(secret);
    const arn = env[variable] ?? "";
    const target = parseExternalArn(arn);
    if (!target)
      throw new SecretsConfigError(
        variable,
        `${variable} is not a Secrets Manager secret ARN nor an SSM parameter ARN: it is set by the construct from externalSecrets`,
      );
    targets.set(arn, target);
    arnOf.set(secret, arn);
  }

  async function fetchOne(arn: string, budget: Budget): Promise<ReadonlyMap<string, string | undefined>> {
    const target = targets.get(arn)!;
    // The call goes to the ARN's own region: the secret lives there, and kms:ViaService names it.
    const regional = {
      ...call,
      awsEnv: { ...call.awsEnv, AWS_REGION: target.region, AWS_DEFAULT_REGION: target.region },
    };
    const managed = target.store === "secretsmanager";
    let response: unknown;
    try {
      response = await callAwsJson(
        managed
          ? {
              service: SECRETS_MANAGER,
              action: "GetSecretValue",
              request: { SecretId: arn, VersionStage: CURRENT_STAGE },
              budget,
              maxBodyBytes: SECRETS_MANAGER_ANSWER_BYTES,
            }
          : {
              service: SSM,
              action: "GetParameter",
              request: { Name: arn, WithDecryption: true },
              budget,
              maxBodyBytes: SSM_ANSWER_BYTES_PER_NAME + 8192,
            },
        regional,
      );
    } catch (error) {
      const code = awsErrorCode(error);
      if (code === "ResourceNotFoundException" || code === "ParameterNotFound") return new Map([[arn, undefined]]);
      throw classifyFetchError(error, [arn], target.store);
    }
    return new Map([[arn, managed ? secretValueOf(response, arn) : parameterValueOf(response, arn)]]);
  }

  function valueFor(secret: S, fetched: ReadonlyMap<string, string | undefined>): string {
    const arn = arnOf.get(secret)!;
    const target = targets.get(arn)!;
    const value = fetched.get(arn);
    if (value === undefined) throw new SecretNotFoundError(secret, arn, target.store);
    if (isPlaceholder(value)) throw new SecretNotSetError(secret, arn, functionNameOf(env), target.store);
    return value;
  }

  return {
    async fetch(read) {
      const fetched = await readThrough([...targets.keys()], read, {
        cache,
        policy,
        batchSize: 1,
        fetchBatch: ([arn], budget) => fetchOne(arn!, budget),
        keep: (value) => !isPlaceholder(value),
        describe: (keys) => `external secrets ${keys.join(", ")}`,
      });
      return (secret) => valueFor(secret, fetched);
    },
    clearCache() {
      for (const arn of targets.keys()) cache.delete(arn);
    },
  };
}

/** A GetSecretValue answer about exactly this ARN and AWSCURRENT, its SecretString. */
function secretValueOf(response: unknown, arn: string): string {
  const refuse = (problem: "bad-shape" | "not-asked") =>
    new SecretsInvalidResponseError([arn], problem, "secretsmanager");
  if (!isPlainObject(response) || typeof response.ARN !== "string") throw refuse("bad-shape");
  if (response.ARN !== arn) throw refuse("not-asked");
  const { VersionStages, SecretString } = response;
  if (VersionStages !== undefined && (!Array.isArray(VersionStages) || !VersionStages.includes(CURRENT_STAGE)))
    throw refuse("not-asked");
  // A binary secret (SecretBinary) is not a value this loader hands out as text.
  if (typeof SecretString !== "string") throw refuse("bad-shape");
  return SecretString;
}

/** A GetParameter answer about exactly this parameter (by ARN, or by the name the ARN holds), its value. */
function parameterValueOf(response: unknown, arn: string): string {
  const refuse = (problem: "bad-shape" | "not-asked") => new SecretsInvalidResponseError([arn], problem, "ssm");
  if (!isPlainObject(response) || !isPlainObject(response.Parameter)) throw refuse("bad-shape");
  const { Name, ARN, Value } = response.Parameter;
  if (typeof Value !== "string") throw refuse("bad-shape");
  if (ARN !== arn && Name !== arn) throw refuse("not-asked");
  return Value;
}
