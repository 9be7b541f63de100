import {
  DescribeParametersCommand,
  type DescribeParametersCommandOutput,
  GetParametersCommand,
  type GetParametersCommandOutput,
  PutParameterCommand,
  type ParameterMetadata,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { PLACEHOLDER_VALUE } from "../constructs/naming";
import { inBatches } from "../constructs/values";
import { MAX_NAMES_PER_CALL } from "../lambda-src/secrets/loader";
import { describeAwsError } from "./aws-errors";
import { CliError, EXIT } from "./errors";
import type { SecretStatus } from "./status";
import type { StoreClient } from "./store";
import type { SsmTarget } from "./targets";

// The standard tier's limit; a longer value would silently need the paid advanced tier.
const MAX_VALUE_BYTES = 4096;

/** Secrets kept as one SSM SecureString parameter each, encrypted with the function's key. */
export function ssmStore(ssm: SSMClient): StoreClient<SsmTarget> {
  return { set: (target, value) => setParameter(ssm, target, value), statuses: (targets) => parameterStatuses(ssm, targets) };
}

/**
 * Writes a secret's real value and returns the parameter's new version.
 *
 * The parameter must exist (Terraform creates it): writing one that does not would create
 * it outside Terraform, and the next deploy would fail on it. Everything but the value is
 * written back exactly as the parameter has it (key, description, tier, pattern, data type),
 * which is what the stack configured: a write that changed one of them would make the next
 * apply plan an in-place update, which the provider cannot make for a write-only parameter.
 */
async function setParameter(ssm: SSMClient, target: SsmTarget, value: string): Promise<string> {
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_VALUE_BYTES) {
    throw new CliError(`the value for ${target.parameterName} is ${bytes} bytes; a standard SSM parameter holds at most ${MAX_VALUE_BYTES}`, EXIT.usage);
  }
  const current = await describeParameter(ssm, target);
  try {
    const result = await ssm.send(
      new PutParameterCommand({
        Name: target.parameterName,
        Value: value,
        Type: "SecureString",
        KeyId: current.KeyId,
        Description: current.Description,
        Tier: current.Tier,
        AllowedPattern: current.AllowedPattern,
        DataType: current.DataType,
        Overwrite: true,
      }),
    );
    return String(result.Version ?? 0);
  } catch (error) {
    throw describeAwsError(error, target.parameterName, { redact: [value] });
  }
}

/** The parameter's settings as SSM has them; refuses one that is missing or not a SecureString with a key. */
async function describeParameter(ssm: SSMClient, target: SsmTarget): Promise<ParameterMetadata> {
  let found: DescribeParametersCommandOutput;
  try {
    found = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [target.parameterName] }] }));
  } catch (error) {
    throw describeAwsError(error, target.parameterName);
  }
  const parameter = found.Parameters?.find((p) => p.Name === target.parameterName);
  if (!parameter) {
    throw new CliError(`${target.parameterName} does not exist: deploy the stack first (npx cdktf deploy <env>)`, EXIT.notReady);
  }
  // Not what the stack creates: a secret written into it would be stored unencrypted or with a key nobody chose.
  if (parameter.Type !== "SecureString") {
    throw new CliError(
      `${target.parameterName} is a ${parameter.Type ?? "parameter of unknown type"}, not the SecureString the stack creates; refusing to write a secret into it`,
      EXIT.notReady,
    );
  }
  if (!parameter.KeyId) {
    throw new CliError(
      `${target.parameterName} names no KMS key, unlike the SecureString the stack creates; refusing to write a secret into it`,
      EXIT.notReady,
    );
  }
  return parameter;
}

/**
 * Reads every secret (decrypted, since only the value tells a placeholder from a real
 * secret) and keeps only whether it is the placeholder. Batches run in parallel.
 */
async function parameterStatuses(ssm: SSMClient, targets: readonly SsmTarget[]): Promise<SecretStatus[]> {
  const results = await Promise.all(inBatches(targets, MAX_NAMES_PER_CALL).map((batch) => statusOfBatch(ssm, batch)));
  return results.flat();
}

async function statusOfBatch(ssm: SSMClient, batch: readonly SsmTarget[]): Promise<SecretStatus[]> {
  let found: GetParametersCommandOutput;
  try {
    found = await ssm.send(new GetParametersCommand({ Names: batch.map((t) => t.parameterName), WithDecryption: true }));
  } catch (error) {
    throw describeAwsError(error, batch.map((t) => t.parameterName).join(", "));
  }
  const byName = new Map((found.Parameters ?? []).map((p) => [p.Name, p]));
  return batch.map((target): SecretStatus => {
    const parameter = byName.get(target.parameterName);
    if (!parameter) return { target, state: "missing" };
    return {
      target,
      state: parameter.Value === PLACEHOLDER_VALUE ? "placeholder" : "set",
      version: parameter.Version === undefined ? undefined : `v${parameter.Version}`,
      lastModified: parameter.LastModifiedDate,
    };
  });
}
