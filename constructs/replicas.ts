/**
 * Secrets Manager replicas of a function's secret: the regions (checked at synth) and one key
 * per replica region.
 *
 * A key per region, not a multi-region key: Secrets Manager re-encrypts each replica under a
 * key of the replica's region, so the one thing a multi-region key adds (ciphertext that
 * decrypts in another region) is never used, while its replicas share key material and
 * rotation, so one region's key policy or deletion is no longer that region's alone. AWS KMS
 * recommends single-region keys unless that portability is needed.
 */
import { Construct } from "constructs";
import { REGION_NAME } from "../common/external-secret";
import { show } from "../common/show";
import type { Fail } from "../common/values";
import { SecretsKey } from "./secrets-key";
import { awsContext } from "./aws-context";
import { defaultAwsProvider } from "./default-provider";
import { Fn, Token } from "./tf";

/** One replica of a function's Secrets Manager secret. */
export interface SecretReplica {
  /** The replica's region. */
  readonly region: string;
  /** ARN of the key that encrypts the replica, in its region. */
  readonly keyArn: string;
  /** ARN of the replica: the primary's with the region replaced. */
  readonly secretArn: string;
}

/**
 * Throws unless `replicaRegions` is a list of distinct region names, none the primary's (the
 * stack's AWS provider's region, when it is written in the stack), and the store is Secrets Manager.
 */
export function checkReplicaRegions(
  fail: Fail,
  regions: unknown,
  store: string,
  primaryRegionOf: () => string | undefined,
): readonly string[] {
  if (regions === undefined) return [];
  if (store !== "secretsmanager")
    fail(
      "replicaRegions",
      `${show(regions)}: replicas need store "secretsmanager"; SSM parameters are not replicated (create a function per region)`,
    );
  if (!Array.isArray(regions)) fail("replicaRegions", `${show(regions)}: allowed is a list of region names`);
  const seen = new Set<string>();
  const primaryRegion = regions.length > 0 ? primaryRegionOf() : undefined;
  for (const [i, region] of regions.entries()) {
    const at = `replicaRegions[${i}]`;
    if (typeof region !== "string" || Token.isUnresolved(region) || !REGION_NAME.test(region))
      fail(at, `${show(region)}: allowed is a region name known at synth, such as "eu-west-1"`);
    if (seen.has(region)) fail(at, `${show(region)}: given twice`);
    if (region === primaryRegion)
      fail(at, `${show(region)} is the primary's region (the stack's AWS provider): a replica is in another region`);
    seen.add(region);
  }
  return [...seen];
}

/** The region of the stack's default AWS provider when the stack writes it, else undefined (known only at plan). */
export function primaryRegionOf(scope: Construct): string | undefined {
  const region = defaultAwsProvider(scope)?.region;
  return region === undefined || Token.isUnresolved(region) ? undefined : region;
}

/** What {@link ReplicaKeys} needs. */
export interface ReplicaKeysProps {
  readonly regions: readonly string[];
  /** The alias of every replica key (aliases are regional): the function's name. */
  readonly aliasName: string;
  readonly preventDestroy: boolean;
  readonly tags?: Record<string, string>;
}

/**
 * One key per replica region. Construct ids `Replicas/<region>` name the Terraform resources:
 * changing them would replace a key and leave its replica unreadable.
 */
export class ReplicaKeys extends Construct {
  /** The key of each replica region, by region. */
  readonly keys: Readonly<Record<string, SecretsKey>>;

  constructor(scope: Construct, id: string, props: ReplicaKeysProps) {
    super(scope, id);
    this.keys = Object.fromEntries(
      props.regions.map((region) => [
        region,
        new SecretsKey(this, region, {
          aliasName: props.aliasName,
          description: `Encrypts the ${region} replica of the secrets of ${props.aliasName}`,
          preventDestroy: props.preventDestroy,
          tags: props.tags,
          region,
        }),
      ]),
    );
  }
}

/**
 * The ARN of the secret's replica in `region`: a replica keeps the primary's name and suffix,
 * only the region differs (a Terraform expression: the primary's ARN is known at apply).
 */
export function replicaSecretArn(scope: Construct, primaryArn: string, region: string): string {
  const primary = awsContext(scope).region;
  return Fn.replace(primaryArn, `:secretsmanager:${primary}:`, `:secretsmanager:${region}:`);
}
