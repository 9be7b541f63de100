import type { Construct } from "constructs";
import { CLI_RECORD_FORMAT, CLI_RECORD_KEY, type CliFunctionRecord, type CliStackRecord } from "../common/cli-record";
import { defaultSecretName, parameterNameFor, type SecretStore } from "../common/naming";
import { TerraformElement } from "./tf";

/** What {@link recordForCli} writes down about one SecureLambda. */
export interface CliRecordProps {
  readonly functionName: string;
  readonly store: SecretStore;
  /** Path of the parameters (store "ssm"). */
  readonly parameterPrefix: string;
  readonly secrets: readonly string[];
  /** ARN of the key the secrets are encrypted with (a token for a key the stack creates). */
  readonly kmsKey: string;
  readonly externalSecrets?: readonly {
    readonly name: string;
    readonly keyArn: string;
    readonly target: { readonly arn: string };
  }[];
  readonly replicaRegions?: readonly string[];
}

/**
 * Leaves the secrets CLI a record of the function in its stack's `"//"` metadata: the
 * function, its store and each secret's parameter name (or secret id and JSON key), from
 * the naming rule the construct itself uses. Names only: nothing here is a value.
 */
export function recordForCli(scope: Construct, props: CliRecordProps): void {
  const secrets = props.secrets.map((name) =>
    props.store === "ssm"
      ? { name, parameterName: parameterNameFor(props.parameterPrefix, name) }
      : { name, secretId: defaultSecretName(props.functionName), key: name },
  );
  new CliRecord(scope, {
    constructPath: scope.node.path,
    functionName: props.functionName,
    store: props.store,
    kmsKey: props.kmsKey,
    secrets,
    ...(props.externalSecrets?.length
      ? {
          externalSecrets: props.externalSecrets.map(({ name, keyArn, target }) => ({ name, arn: target.arn, keyArn })),
        }
      : {}),
    ...(props.replicaRegions?.length ? { replicaRegions: [...props.replicaRegions] } : {}),
  });
}

/**
 * An element that adds nothing to the Terraform configuration, only to the stack's
 * metadata. cdktf merges every element's metadata into `"//".metadata`, concatenating
 * arrays, so each SecureLambda of a stack adds its own entry to `functions`; tokens (the
 * key's ARN) resolve there to Terraform references.
 */
class CliRecord extends TerraformElement {
  constructor(
    scope: Construct,
    private readonly record: CliFunctionRecord,
  ) {
    // The id is part of no resource address: renaming it would change only the metadata.
    super(scope, "CliRecord");
  }

  override toMetadata(): Record<string, CliStackRecord> {
    return { [CLI_RECORD_KEY]: { format: CLI_RECORD_FORMAT, functions: [this.record] } };
  }
}
