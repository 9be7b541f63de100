import {
  DescribeParametersCommand,
  type DescribeParametersCommandOutput,
  GetParameterHistoryCommand,
  type GetParameterHistoryCommandOutput,
  GetParametersCommand,
  type GetParametersCommandOutput,
  type Parameter,
  PutParameterCommand,
  type ParameterMetadata,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { inBatches } from "../common/values";
import { MAX_NAMES_PER_CALL } from "../lambda-src/secrets/loader";
import { describeAwsError } from "./aws-errors";
import { CliError, EXIT } from "./errors";
import { judgeSsmWrite } from "./lost-update";
import { printable } from "./printable";
import type { SecretStatus } from "./status";
import type { ImportEntry, ImportResult, PreparedImport, RollbackResult, StoreClient } from "./store-client";
import type { SsmTarget } from "./targets";
import { chooseRollback, type ReadVersion, stateOfValue, withoutValues } from "./versions";

/**
 * The most a parameter's value holds, by tier, as AWS documents it ("Managing parameter
 * tiers": 4 KB standard, 8 KB advanced), counted in UTF-8 bytes. The tier is the
 * parameter's own (DescribeParameters), which the CLI writes back unchanged: a longer value
 * never silently moves a parameter to the paid advanced tier.
 */
export const MAX_VALUE_BYTES = { Standard: 4096, Advanced: 8192 } as const;
// GetParameterHistory answers at most 50 versions a page; SSM keeps at most 100 versions.
const HISTORY_PAGE = 50;
const MAX_HISTORY_PAGES = 4;
// How many parameters `import` describes at once: a few calls in flight, never a burst.
const PARALLEL_CALLS = 5;

/** Secrets kept as one SSM SecureString parameter each, encrypted with the function's key. */
export function ssmStoreClient(ssm: SSMClient): StoreClient<SsmTarget> {
  return {
    set: async (target, value) => {
      const current = await describeParameter(ssm, target);
      checkSize(target, value, current.Tier);
      const version = await putParameter(ssm, target, value, current);
      return { version, note: await checkNoOtherWriter(ssm, target, value, current.Version, version, "set") };
    },
    statuses: (targets) => parameterStatuses(ssm, targets),
    history: async (target) => withoutValues(await readHistory(ssm, target)),
    rollback: (target, to) => rollbackParameter(ssm, target, to),
    prepareImport: (entries) => prepareImport(ssm, entries),
  };
}

/** Refuses a value the parameter's tier cannot hold (`tier` undefined: the largest any tier holds). */
function checkSize(target: SsmTarget, value: string, tier: string | undefined): void {
  const bytes = Buffer.byteLength(value);
  const advanced = tier === undefined || tier === "Advanced";
  const limit = advanced ? MAX_VALUE_BYTES.Advanced : MAX_VALUE_BYTES.Standard;
  if (bytes > limit) {
    throw new CliError(
      `the value for ${printable(target.parameterName)} is ${bytes} bytes; ${
        tier === undefined ? "an SSM parameter" : `this ${advanced ? "Advanced" : "Standard"}-tier SSM parameter`
      } holds at most ${limit}${advanced ? " (use store secretsmanager for up to 65536)" : " (an Advanced-tier one 8192)"}; nothing was written`,
      EXIT.usage,
    );
  }
}

/**
 * SSM has no compare-and-set: the write read version `before` and wrote `after`; anything but
 * `before + 1` means versions were written in between, read back here (history, decrypted, in
 * memory only) for {@link judgeSsmWrite} to judge.
 */
async function checkNoOtherWriter(
  ssm: SSMClient,
  target: SsmTarget,
  value: string,
  before: number | undefined,
  after: string,
  command: string,
): Promise<string | undefined> {
  if (before !== undefined && Number(after) === before + 1) return undefined;
  return judgeSsmWrite({ target, value, before, after: Number(after), command }, await readHistory(ssm, target));
}

/**
 * Writes a secret's value and returns the parameter's new version.
 *
 * The parameter must exist (Terraform creates it): writing one that does not would create
 * it outside Terraform, and the next deploy would fail on it. Everything but the value is
 * written back exactly as the parameter has it (`current`: key, description, tier, pattern,
 * data type), which is what the stack configured: a write that changed one of them would
 * make the next apply plan an in-place update, which the provider cannot make for a
 * write-only parameter.
 */
async function putParameter(
  ssm: SSMClient,
  target: SsmTarget,
  value: string,
  current: ParameterMetadata,
): Promise<string> {
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
    found = await ssm.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [target.parameterName] }],
      }),
    );
  } catch (error) {
    throw describeAwsError(error, target.parameterName);
  }
  const parameter = found.Parameters?.find((p) => p.Name === target.parameterName);
  if (!parameter) {
    throw new CliError(
      `${target.parameterName} does not exist: deploy the stack first (npx cdktf deploy <stack>)`,
      EXIT.notReady,
    );
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

/** The current parameters, decrypted, by name (absent: not deployed); batches run in parallel. */
async function currentParameters(ssm: SSMClient, targets: readonly SsmTarget[]): Promise<Map<string, Parameter>> {
  const batches = await Promise.all(inBatches(targets, MAX_NAMES_PER_CALL).map((batch) => readBatch(ssm, batch)));
  return new Map(batches.flat().map((p) => [p.Name ?? "", p]));
}

async function readBatch(ssm: SSMClient, batch: readonly SsmTarget[]): Promise<Parameter[]> {
  let found: GetParametersCommandOutput;
  try {
    found = await ssm.send(
      new GetParametersCommand({ Names: batch.map((t) => t.parameterName), WithDecryption: true }),
    );
  } catch (error) {
    throw describeAwsError(error, batch.map((t) => t.parameterName).join(", "));
  }
  return found.Parameters ?? [];
}

/**
 * Reads every secret (decrypted, since only the value tells a placeholder from a real
 * secret) and keeps only whether it is the placeholder.
 */
async function parameterStatuses(ssm: SSMClient, targets: readonly SsmTarget[]): Promise<SecretStatus[]> {
  const byName = await currentParameters(ssm, targets);
  return targets.map((target): SecretStatus => {
    const parameter = byName.get(target.parameterName);
    if (!parameter) return { target, state: "missing" };
    return {
      target,
      state: typeof parameter.Value === "string" ? stateOfValue(parameter.Value) : "invalid",
      version: parameter.Version === undefined ? undefined : `v${parameter.Version}`,
      lastModified: parameter.LastModifiedDate,
    };
  });
}

/**
 * Every version SSM keeps of the parameter, oldest first, with its value: GetParameterHistory
 * with decryption returns them all, so they stay in this process's memory, for judging only.
 */
async function readHistory(ssm: SSMClient, target: SsmTarget): Promise<ReadVersion[]> {
  const versions: ReadVersion[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    let result: GetParameterHistoryCommandOutput;
    try {
      result = await ssm.send(
        new GetParameterHistoryCommand({
          Name: target.parameterName,
          WithDecryption: true,
          MaxResults: HISTORY_PAGE,
          NextToken: nextToken,
        }),
      );
    } catch (error) {
      throw describeAwsError(error, target.parameterName);
    }
    for (const entry of result.Parameters ?? []) {
      versions.push({
        version: String(entry.Version ?? 0),
        created: entry.LastModifiedDate,
        writtenBy: entry.LastModifiedUser,
        labels: entry.Labels ?? [],
        current: false,
        state: entry.Value === undefined ? "invalid" : stateOfValue(entry.Value),
        value: entry.Value,
      });
    }
    nextToken = result.NextToken;
    if (!nextToken) break;
  }
  versions.sort((a, b) => Number(a.version) - Number(b.version));
  // SSM's current version is its latest.
  return versions.map((v, i) => (i === versions.length - 1 ? { ...v, current: true } : v));
}

/**
 * Writes the chosen version's value as a new version, with the parameter's own settings as
 * `set` does. SSM has no compare-and-set: a write by someone else in the meantime is
 * noticed (the new version is not the next one) and reported, never hidden.
 */
async function rollbackParameter(ssm: SSMClient, target: SsmTarget, to: string | undefined): Promise<RollbackResult> {
  const versions = await readHistory(ssm, target);
  const choice = chooseRollback(
    target.parameterName,
    versions,
    to,
    (v, wanted) => v.version === wanted.replace(/^v/, ""),
  );
  if (choice.unchanged) return { restored: choice.from.version, version: undefined };
  const value = choice.from.value!;
  const current = await describeParameter(ssm, target);
  checkSize(target, value, current.Tier);
  const version = await putParameter(ssm, target, value, current);
  // Against the version the choice was made on: a writer since then is found, as for set.
  const before = Number(choice.current.version);
  return {
    restored: choice.from.version,
    version,
    note: await checkNoOtherWriter(ssm, target, value, before, version, "rollback"),
  };
}

/**
 * Checks every parameter before anything is written: the value fits, the parameter exists
 * as a SecureString with its key (its settings are then written back as `set` does), and
 * whether it already holds the value (then nothing is written for it).
 */
async function prepareImport(ssm: SSMClient, entries: readonly ImportEntry<SsmTarget>[]): Promise<PreparedImport> {
  for (const { target, value } of entries) checkSize(target, value, undefined);
  const current = await currentParameters(
    ssm,
    entries.map((e) => e.target),
  );
  const missing = entries.filter((e) => !current.has(e.target.parameterName)).map((e) => e.target.parameterName);
  if (missing.length > 0) {
    throw new CliError(
      `${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not exist: deploy the stack first (npx cdktf deploy <stack>)`,
      EXIT.notReady,
    );
  }
  const changed = entries.filter((e) => current.get(e.target.parameterName)?.Value !== e.value);
  const settings = new Map<SsmTarget, ParameterMetadata>();
  for (const batch of inBatches(changed, PARALLEL_CALLS)) {
    const described = await Promise.all(batch.map((e) => describeParameter(ssm, e.target)));
    batch.forEach((e, i) => {
      checkSize(e.target, e.value, described[i]!.Tier);
      settings.set(e.target, described[i]!);
    });
  }
  return {
    async write(report: (result: ImportResult) => void): Promise<void> {
      for (const { target, value } of entries) {
        const metadata = settings.get(target);
        if (!metadata) {
          report({ target, version: undefined });
          continue;
        }
        const version = await putParameter(ssm, target, value, metadata);
        // Against the version described before the import began: any writer since then is found.
        let note: string | undefined;
        let conflict: unknown;
        try {
          note = await checkNoOtherWriter(ssm, target, value, metadata.Version, version, "import");
        } catch (error) {
          conflict = error;
        }
        // Written either way: reported as done before the conflict stops the import.
        report({ target, version, note });
        if (conflict) throw conflict;
      }
    },
  };
}
