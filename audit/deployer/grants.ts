/**
 * What the AWS provider calls for each resource type a SecureLambda stack holds, as the
 * deploy suite recorded it against moto (apply, re-apply, plan, refresh, destroy of every
 * example environment, and an update of its code, tags, queue and key policy), and the ARNs
 * each call is scoped to. A resource type missing here has never been observed, and the
 * deploy policy refuses the stack rather than guess.
 *
 * `delete` actions are left out for a resource Terraform may not destroy (`prevent_destroy`,
 * a protected environment): IAM then refuses it too, whatever the configuration says later.
 */
import { regionStatementIdPart } from "../../common/naming";
import type { References } from "../references";
import type { AuditTarget } from "../target";
import { AuditError, bodyAt, type Body, type StackJson } from "../terraform-json";

/** One statement's worth of permission, before statements are merged by Sid. */
export interface Grant {
  /** Statement id: what it allows, and why when that is not obvious. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** The actions of one resource type, by what Terraform is doing. */
interface Calls {
  /** plan, refresh, and the read after every write. */
  readonly read: readonly string[];
  /** create and update. */
  readonly write: readonly string[];
  /** destroy (and replacement). */
  readonly delete: readonly string[];
}

/** What a resource's grants are made of. */
export interface ResourceScope {
  readonly target: AuditTarget;
  readonly references: References;
  readonly json: StackJson;
  /** The resource's tags as AWS will hold them: the provider's default_tags, then its own. */
  tagsOf(body: Body, address: string): Readonly<Record<string, string>>;
}

const arnIn = (t: AuditTarget, service: string, resource: string) =>
  `arn:${t.partition}:${service}:${t.region}:${t.accountId}:${resource}`;

/** All keys of the account and region: KMS picks key ids at create time, so tags scope them. */
const keysOf = (t: AuditTarget) => arnIn(t, "kms", "key/*");

/** The target in the region a resource names (`region`, a replica's key), or the provider's. */
function inRegionOf(scope: ResourceScope, body: Body, address: string): AuditTarget {
  return typeof body.region === "string"
    ? { ...scope.target, region: scope.references.resolve(body.region, `${address}.region`) }
    : scope.target;
}

const isProtected = (body: Body) =>
  (body.lifecycle as { prevent_destroy?: unknown } | undefined)?.prevent_destroy === true;

function actionsOf(calls: Calls, body: Body): string[] {
  return [...calls.read, ...calls.write, ...(isProtected(body) ? [] : calls.delete)];
}

/** `aws:ResourceTag/<k>` conditions for the tags of a key: the only scope a key id-less policy has. */
export function tagCondition(
  tags: Readonly<Record<string, string>>,
  prefix: "aws:ResourceTag" | "aws:RequestTag",
): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}/${k}`, v]));
}

function requireTags(tags: Readonly<Record<string, string>>, address: string): Readonly<Record<string, string>> {
  if (Object.keys(tags).length === 0) {
    throw new AuditError(
      `${address} has no tags: KMS picks key ids at create time, so the deploy policy scopes keys by their tags; give the key tags (or the provider default_tags)`,
    );
  }
  return tags;
}

const PARAMETER: Calls = {
  read: ["ssm:GetParameter", "ssm:ListTagsForResource"],
  write: ["ssm:PutParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
  delete: ["ssm:DeleteParameter"],
};
const KEY: Calls = {
  read: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
  write: ["kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:TagResource", "kms:UntagResource"],
  delete: ["kms:ScheduleKeyDeletion"],
};
const ALIAS: Calls = { read: [], write: ["kms:CreateAlias"], delete: ["kms:DeleteAlias"] };
const ROLE: Calls = {
  read: ["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"],
  write: ["iam:CreateRole", "iam:TagRole", "iam:UntagRole"],
  delete: ["iam:ListInstanceProfilesForRole", "iam:DeleteRole"],
};
const ROLE_POLICY: Calls = {
  read: ["iam:GetRolePolicy"],
  write: ["iam:PutRolePolicy"],
  delete: ["iam:DeleteRolePolicy"],
};
const LOG_GROUP: Calls = {
  read: ["logs:ListTagsForResource"],
  write: ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource"],
  delete: ["logs:DeleteLogGroup"],
};
const QUEUE: Calls = {
  read: ["sqs:GetQueueAttributes", "sqs:ListQueueTags"],
  write: ["sqs:CreateQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"],
  delete: ["sqs:DeleteQueue"],
};
const FUNCTION: Calls = {
  read: ["lambda:GetFunction", "lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig"],
  write: [
    "lambda:CreateFunction",
    "lambda:UpdateFunctionConfiguration",
    "lambda:UpdateFunctionCode",
    "lambda:PutFunctionConcurrency",
    "lambda:TagResource",
    "lambda:UntagResource",
  ],
  delete: ["lambda:DeleteFunction"],
};
const SECRET: Calls = {
  read: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
  write: ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:UntagResource"],
  delete: ["secretsmanager:DeleteSecret"],
};
const SCHEDULE_GROUP: Calls = {
  read: ["scheduler:GetScheduleGroup", "scheduler:ListTagsForResource"],
  write: ["scheduler:CreateScheduleGroup", "scheduler:TagResource", "scheduler:UntagResource"],
  delete: ["scheduler:DeleteScheduleGroup"],
};
const SCHEDULE: Calls = {
  read: ["scheduler:GetSchedule"],
  write: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule"],
  delete: ["scheduler:DeleteSchedule"],
};
/** A Lambda permission: AddPermission is granted apart, for the permission's principal only. */
const PERMISSION: Calls = { read: ["lambda:GetPolicy"], write: [], delete: ["lambda:RemovePermission"] };
/** A function URL: CreateFunctionUrlConfig is granted apart, for the URL's authorization type only. */
const FUNCTION_URL: Calls = {
  read: ["lambda:GetFunctionUrlConfig"],
  write: [],
  delete: ["lambda:DeleteFunctionUrlConfig"],
};
/** A subscription: Subscribe is granted apart, for its protocol and endpoint only. */
const SUBSCRIPTION: Calls = {
  read: ["sns:ListSubscriptionsByTopic", "sns:GetSubscriptionAttributes"],
  write: [],
  delete: ["sns:Unsubscribe"],
};
const TOPIC: Calls = {
  read: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
  write: ["sns:CreateTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource"],
  delete: ["sns:DeleteTopic"],
};
const SECRET_POLICY: Calls = {
  read: ["secretsmanager:GetResourcePolicy"],
  write: [],
  delete: ["secretsmanager:DeleteResourcePolicy"],
};
/** A share of parameters: creating it is granted apart (it has no ARN yet), for the stack's tags only. */
const RESOURCE_SHARE: Calls = {
  read: ["ram:ListResourceSharePermissions"],
  write: [],
  delete: ["ram:DeleteResourceShare"],
};
const RESOURCE_SHARE_TAGS: Calls = { read: [], write: ["ram:TagResource", "ram:UntagResource"], delete: [] };
const SHARE_ASSOCIATION: Calls = {
  read: [],
  write: ["ram:AssociateResourceShare"],
  delete: ["ram:DisassociateResourceShare"],
};
const SECRET_VERSION: Calls = {
  read: ["secretsmanager:ListSecretVersionIds"],
  write: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
  delete: [],
};

type GrantsOf = (scope: ResourceScope, address: string, body: Body) => Grant[];

function text(scope: ResourceScope, body: Body, argument: string, address: string): string {
  const value = body[argument];
  if (typeof value !== "string")
    throw new AuditError(`${address} has no ${argument}: the deploy policy cannot name what it creates`);
  return scope.references.resolve(value, `${address}.${argument}`);
}

/** `/<prefix>/*` of a parameter name (the function's namespace), or the name itself without a prefix. */
export function parameterPattern(t: AuditTarget, name: string): string {
  const slash = name.lastIndexOf("/");
  return arnIn(
    t,
    "ssm",
    slash > 0 ? `parameter${name.slice(0, slash)}/*` : `parameter${name.startsWith("/") ? "" : "/"}${name}`,
  );
}

/** A secret's ARN as a pattern: Secrets Manager appends `-` and six random characters to the name. */
export function secretPattern(t: AuditTarget, name: string): string {
  return arnIn(t, "secretsmanager", `secret:${name}-??????`);
}

/** What a service does with the stack's keys on the deployer's behalf, and for what. */
interface KeyUse {
  readonly sid: string;
  readonly actions: readonly string[];
  /** The tags of the keys it uses. */
  readonly keyTags: Readonly<Record<string, string>>;
  /** The encryption context key the service sets, and the ARN pattern it must match. */
  readonly context?: readonly [string, string];
  /** For kms:CreateGrant: only a grant for an AWS resource (the function). */
  readonly grantForAwsResource?: boolean;
}

/**
 * Key use through one service only (`kms:ViaService`), for the stack's keys only (their tags),
 * in the target's region (a replica's region for its key).
 */
function keyUseThrough(t: AuditTarget, service: string, use: KeyUse): Grant {
  return {
    sid: use.sid,
    actions: use.actions,
    resources: [keysOf(t)],
    condition: {
      StringEquals: {
        ...tagCondition(use.keyTags, "aws:ResourceTag"),
        "kms:ViaService": `${service}.${t.region}.${t.dnsSuffix}`,
      },
      ...(use.context ? { StringLike: { [`kms:EncryptionContext:${use.context[0]}`]: [use.context[1]] } } : {}),
      ...(use.grantForAwsResource ? { Bool: { "kms:GrantIsForAWSResource": "true" } } : {}),
    },
  };
}

/**
 * What the construct can make that no deploy run has recorded yet, by resource type, and the
 * prop or construct that makes it: the deploy policy refuses a stack holding one, naming it.
 */
export const NOT_OBSERVED: Readonly<Record<string, string>> = {
  aws_secretsmanager_secret_rotation: "SecureLambda's rotation",
  aws_security_group: "SecretsEndpoints",
  aws_vpc_endpoint: "SecretsEndpoints",
  aws_vpc_security_group_ingress_rule: "SecretsEndpoints",
};

/**
 * Function arguments no run has set, each changing what the deployer is asked for (Lambda
 * checks the caller's ec2:Describe* for a VPC, and the provider calls the code-signing APIs).
 */
const UNOBSERVED_FUNCTION_ARGUMENTS: Readonly<Record<string, string>> = {
  vpc_config: "SecureLambda's vpc",
  code_signing_config_arn: "SecureLambda's codeSigningConfigArn",
};

/** The grants of each resource type the deploy suite has observed. */
export const RESOURCE_GRANTS: Readonly<Record<string, GrantsOf>> = {
  aws_ssm_parameter: (scope, address, body) => {
    const t = scope.target;
    const pattern = parameterPattern(t, text(scope, body, "name", address));
    const keyTags = keyTagsFor(scope, body.key_id, `${address}.key_id`);
    return [
      { sid: "OwnParameters", actions: actionsOf(PARAMETER, body), resources: [pattern] },
      // Parameter Store encrypts the placeholder and decrypts on every refresh with the deployer's
      // permission: the provider's Read asks for decryption even for a write-only value (#42849).
      keyUseThrough(t, "ssm", {
        sid: "ParameterStoreUsesOwnKeysForOwnParameters",
        actions: ["kms:Encrypt", "kms:Decrypt"],
        keyTags,
        context: ["PARAMETER_ARN", pattern],
      }),
    ];
  },
  aws_kms_key: (scope, address, body) => {
    const tags = requireTags(scope.tagsOf(body, address), address);
    const t = inRegionOf(scope, body, address);
    return [
      {
        sid: "CreateKeysTaggedForThisEnvironment",
        actions: ["kms:CreateKey"],
        resources: ["*"],
        condition: { StringEquals: tagCondition(tags, "aws:RequestTag") },
      },
      {
        sid: "OwnKeys",
        actions: actionsOf(KEY, body),
        resources: [keysOf(t)],
        condition: { StringEquals: tagCondition(tags, "aws:ResourceTag") },
      },
    ];
  },
  aws_kms_alias: (scope, address, body) => {
    const t = inRegionOf(scope, body, address);
    const keyTags = keyTagsFor(scope, body.target_key_id, `${address}.target_key_id`);
    const actions = actionsOf(ALIAS, body);
    return [
      { sid: "OwnKeyAliases", actions, resources: [arnIn(t, "kms", text(scope, body, "name", address))] },
      // An alias call is authorized on the alias and on its key alike.
      {
        sid: "OwnKeys",
        actions,
        resources: [keysOf(t)],
        condition: { StringEquals: tagCondition(keyTags, "aws:ResourceTag") },
      },
    ];
  },
  aws_iam_role: (scope, address, body) => {
    const role = scope.references.attribute(address, "arn", address);
    const grants: Grant[] = [{ sid: "OwnRoles", actions: actionsOf(ROLE, body), resources: [role] }];
    // Each role only to the service the stack passes it to: the function's role to Lambda, the
    // schedule's role to Scheduler; not to an EC2 instance or another service, nor each other's.
    for (const { service, sid } of PASSED_TO) {
      if (!rolePassedBy(scope.json, address, service)) continue;
      grants.push({
        sid,
        actions: ["iam:PassRole"],
        resources: [role],
        condition: { StringEquals: { "iam:PassedToService": `${service}.${scope.target.dnsSuffix}` } },
      });
    }
    return grants;
  },
  aws_iam_role_policy: (scope, address, body) => {
    const roleName = text(scope, body, "role", address);
    return [
      {
        sid: "OwnRoles",
        actions: actionsOf(ROLE_POLICY, body),
        resources: [`arn:${scope.target.partition}:iam::${scope.target.accountId}:role/${roleName}`],
      },
    ];
  },
  aws_cloudwatch_log_group: (scope, address, body) => {
    const group = arnIn(scope.target, "logs", `log-group:${text(scope, body, "name", address)}`);
    return [{ sid: "OwnLogGroups", actions: actionsOf(LOG_GROUP, body), resources: [group, `${group}:*`] }];
  },
  aws_sqs_queue: (scope, address, body) => [
    {
      sid: "OwnQueues",
      actions: actionsOf(QUEUE, body),
      resources: [arnIn(scope.target, "sqs", text(scope, body, "name", address))],
    },
  ],
  aws_lambda_function: (scope, address, body) => {
    const t = scope.target;
    for (const [argument, what] of Object.entries(UNOBSERVED_FUNCTION_ARGUMENTS)) {
      if (body[argument] !== undefined)
        throw new AuditError(
          `${address} has ${argument} (${what}): no deploy run has recorded what the provider and Lambda ask of the deployer for it, so the deploy policy cannot cover it`,
        );
    }
    const fn = arnIn(t, "lambda", `function:${text(scope, body, "function_name", address)}`);
    const grants: Grant[] = [{ sid: "OwnFunctions", actions: actionsOf(FUNCTION, body), resources: [fn, `${fn}:*`] }];
    if (typeof body.kms_key_arn === "string") {
      const keyTags = keyTagsFor(scope, body.kms_key_arn, `${address}.kms_key_arn`);
      // Lambda encrypts the environment with the function's key when it is set, and decrypts
      // it for GetFunction, with the deployer's permission (it holds names only).
      grants.push(
        keyUseThrough(t, "lambda", {
          sid: "LambdaUsesOwnKeysForOwnFunctions",
          actions: ["kms:Encrypt", "kms:Decrypt"],
          keyTags,
          context: ["aws:lambda:FunctionArn", fn],
        }),
        keyUseThrough(t, "lambda", {
          sid: "LambdaGrantsOwnKeysToOwnFunctions",
          actions: ["kms:CreateGrant"],
          keyTags,
          grantForAwsResource: true,
        }),
      );
    }
    return grants;
  },
  aws_scheduler_schedule_group: (scope, address, body) => [
    {
      sid: "OwnScheduleGroups",
      actions: actionsOf(SCHEDULE_GROUP, body),
      resources: [arnIn(scope.target, "scheduler", `schedule-group/${text(scope, body, "name", address)}`)],
    },
  ],
  aws_scheduler_schedule: (scope, address, body) => [
    {
      sid: "OwnSchedules",
      actions: actionsOf(SCHEDULE, body),
      resources: [scope.references.attribute(address, "arn", address)],
    },
  ],
  aws_lambda_permission: (scope, address, body) => {
    const fn = functionArnOf(scope, text(scope, body, "function_name", address));
    return [
      { sid: "OwnFunctions", actions: actionsOf(PERMISSION, body), resources: [fn, `${fn}:*`] },
      // Only for the principal the stack names (sns.amazonaws.com): never a permission for "*" or
      // another account.
      {
        sid: "AddPermissionsToOwnFunctionsForTheirTriggersOnly",
        actions: ["lambda:AddPermission"],
        resources: [fn],
        condition: { StringEquals: { "lambda:Principal": text(scope, body, "principal", address) } },
      },
    ];
  },
  aws_lambda_function_url: (scope, address, body) => {
    const fn = functionArnOf(scope, text(scope, body, "function_name", address));
    return [
      { sid: "OwnFunctions", actions: actionsOf(FUNCTION_URL, body), resources: [fn, `${fn}:*`] },
      // Only with the stack's authorization type (AWS_IAM): never a public URL ("NONE") that bypasses IAM.
      {
        sid: "CreateOwnFunctionUrlsWithTheirAuthTypeOnly",
        actions: ["lambda:CreateFunctionUrlConfig"],
        resources: [fn],
        condition: {
          StringEquals: { "lambda:FunctionUrlAuthType": text(scope, body, "authorization_type", address) },
        },
      },
    ];
  },
  aws_sns_topic_subscription: (scope, address, body) => {
    const topic = text(scope, body, "topic_arn", address);
    return [
      // Authorized on the topic (the only resource type the subscription actions have).
      { sid: "OwnSubscriptions", actions: actionsOf(SUBSCRIPTION, body), resources: [topic] },
      // Only the stack's own endpoint, by the stack's own protocol: not another function or an HTTP endpoint.
      {
        sid: "SubscribeOwnEndpointsToTheirTopicsOnly",
        actions: ["sns:Subscribe"],
        resources: [topic],
        condition: {
          StringEquals: {
            "sns:Protocol": text(scope, body, "protocol", address),
            "sns:Endpoint": text(scope, body, "endpoint", address),
          },
        },
      },
    ];
  },
  aws_sns_topic: (scope, address, body) => {
    if (body.kms_master_key_id !== undefined) {
      throw new AuditError(
        `${address} is encrypted (kms_master_key_id): no run has observed what SNS asks KMS for on the deployer's behalf, so the deploy policy cannot cover it`,
      );
    }
    return [
      {
        sid: "OwnTopics",
        actions: actionsOf(TOPIC, body),
        resources: [arnIn(scope.target, "sns", text(scope, body, "name", address))],
      },
    ];
  },
  aws_secretsmanager_secret: (scope, address, body) => {
    const t = scope.target;
    const name = text(scope, body, "name", address);
    const secret = secretPattern(t, name);
    const keyTags = keyTagsFor(scope, body.kms_key_id, `${address}.kms_key_id`);
    const grants: Grant[] = [
      { sid: "OwnSecrets", actions: actionsOf(SECRET, body), resources: [secret] },
      // Secrets Manager asks KMS for a data key of each new version with the deployer's
      // permission; reading the value needs secretsmanager:GetSecretValue, which it never gets.
      keyUseThrough(t, "secretsmanager", {
        sid: "SecretsManagerUsesOwnKeysForOwnSecrets",
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        keyTags,
        context: ["SecretARN", secret],
      }),
    ];
    const replicas = [body.replica ?? []].flat() as Body[];
    if (replicas.length === 0) return grants;
    const regions = replicas.map((replica, i) => text(scope, replica, "region", `${address}.replica[${i}]`));
    grants.push(
      // The provider replicates on create and when a replica is missing, and removes one before
      // deleting the secret: to the configured regions only.
      {
        sid: "ReplicateOwnSecretsToTheirRegionsOnly",
        actions: ["secretsmanager:ReplicateSecretToRegions"],
        resources: [secret],
        condition: { "ForAllValues:StringEquals": { "secretsmanager:AddReplicaRegions": regions } },
      },
      { sid: "OwnSecrets", actions: ["secretsmanager:RemoveRegionsFromReplication"], resources: [secret] },
    );
    replicas.forEach((replica, i) => {
      const region = regions[i]!;
      const inReplicaRegion = { ...t, region };
      // Secrets Manager encrypts the replica under the replica region's key, as the caller.
      grants.push(
        keyUseThrough(inReplicaRegion, "secretsmanager", {
          sid: `SecretsManagerUsesOwnReplicaKeysIn${regionStatementIdPart(region)}`,
          actions: ["kms:GenerateDataKey", "kms:Encrypt"],
          keyTags: keyTagsFor(scope, replica.kms_key_id, `${address}.replica[${i}].kms_key_id`),
          context: ["SecretARN", secretPattern(inReplicaRegion, name)],
        }),
      );
    });
    return grants;
  },
  aws_secretsmanager_secret_policy: (scope, address, body) => {
    const secret = secretPattern(scope.target, secretNameOf(text(scope, body, "secret_arn", address)));
    return [
      { sid: "OwnSecrets", actions: actionsOf(SECRET_POLICY, body), resources: [secret] },
      // Only a policy Secrets Manager has checked lets no one in publicly, when the stack asks for that check.
      {
        sid:
          body.block_public_policy === true ? "PutOwnSecretPoliciesBlockingPublicAccessOnly" : "PutOwnSecretPolicies",
        actions: ["secretsmanager:PutResourcePolicy"],
        resources: [secret],
        ...(body.block_public_policy === true
          ? { condition: { Bool: { "secretsmanager:BlockPublicPolicy": "true" } } }
          : {}),
      },
    ];
  },
  aws_ram_resource_share: (scope, address, body): Grant[] => {
    const t = inRegionOf(scope, body, address);
    const tags = requireTags(scope.tagsOf(body, address), address);
    const shares = arnIn(t, "ram", "resource-share/*");
    return [
      // A share that does not exist has no ARN: only with this environment's tags, and only as external as configured.
      {
        sid: "CreateResourceSharesTaggedForThisEnvironment",
        actions: ["ram:CreateResourceShare"],
        resources: ["*"],
        condition: {
          StringEquals: tagCondition(tags, "aws:RequestTag"),
          Bool: { "ram:RequestedAllowsExternalPrincipals": String(body.allow_external_principals === true) },
        },
      },
      {
        sid: "OwnResourceShares",
        actions: actionsOf(RESOURCE_SHARE, body),
        resources: [shares],
        condition: { StringEquals: { "ram:ResourceShareName": text(scope, body, "name", address) } },
      },
      // TagResource and UntagResource know no share name: the share's tags scope them.
      {
        sid: "TagOwnResourceShares",
        actions: actionsOf(RESOURCE_SHARE_TAGS, body),
        resources: [shares],
        condition: { StringEquals: tagCondition(tags, "aws:ResourceTag") },
      },
    ];
  },
  aws_ram_resource_association: (scope, address, body) => [
    {
      sid: "ShareOwnParametersThroughOwnSharesOnly",
      actions: actionsOf(SHARE_ASSOCIATION, body),
      resources: [shareArnPattern(scope, body, address)],
      condition: {
        StringEquals: {
          "ram:ResourceShareName": shareNameOf(scope, body, address),
          "ram:ResourceArn": text(scope, body, "resource_arn", address),
        },
      },
    },
  ],
  aws_ram_principal_association: (scope, address, body) => [
    {
      sid: "ShareOwnSharesWithTheirReadersOnly",
      actions: actionsOf(SHARE_ASSOCIATION, body),
      resources: [shareArnPattern(scope, body, address)],
      condition: {
        StringEquals: {
          "ram:ResourceShareName": shareNameOf(scope, body, address),
          "ram:Principal": text(scope, body, "principal", address),
        },
      },
    },
  ],
  aws_secretsmanager_secret_version: (scope, address, body) => {
    const secretId = text(scope, body, "secret_id", address);
    return [
      {
        sid: "OwnSecrets",
        actions: actionsOf(SECRET_VERSION, body),
        resources: [secretPattern(scope.target, secretNameOf(secretId))],
      },
    ];
  },
};

/** The services a role of the stack may be passed to, and the statement that allows each. */
const PASSED_TO: ReadonlyArray<{ readonly service: string; readonly sid: string }> = [
  { service: "lambda", sid: "PassOwnRolesToLambdaOnly" },
  { service: "scheduler", sid: "PassOwnScheduleRolesToSchedulerOnly" },
];

/**
 * True when a resource of the stack passes the role at `address` to `service`: a function its
 * role, a schedule its target's role.
 */
function rolePassedBy(json: StackJson, address: string, service: string): boolean {
  const reference = `\${${address}.arn}`;
  if (service === "lambda")
    return Object.values(json.resource?.aws_lambda_function ?? {}).some((fn) => fn.role === reference);
  return Object.values(json.resource?.aws_scheduler_schedule ?? {}).some((schedule) =>
    [schedule.target].flat().some((t) => (t as Body | undefined)?.role_arn === reference),
  );
}

/** A function's ARN from the name (or ARN) a permission refers to it by. */
function functionArnOf(scope: ResourceScope, name: string): string {
  return name.startsWith("arn:") ? name : arnIn(scope.target, "lambda", `function:${name}`);
}

/** The share an association refers to (`${aws_ram_resource_share.x.arn}`): its address. */
function shareAddressOf(body: Body, address: string): string {
  const reference = body.resource_share_arn;
  const match =
    typeof reference === "string" ? /^\$\{(aws_ram_resource_share\.[A-Za-z0-9_-]+)\.(arn|id)\}$/.exec(reference) : null;
  if (!match) {
    throw new AuditError(
      `${address}.resource_share_arn is ${JSON.stringify(reference)}, not a share of this stack: the deploy policy scopes associations by the stack's own shares' names`,
    );
  }
  return match[1]!;
}

function shareNameOf(scope: ResourceScope, body: Body, address: string): string {
  return scope.references.attribute(shareAddressOf(body, address), "name", `${address}.resource_share_arn`);
}

/** Every share of the share's account and region: RAM picks share ids at create time, so names scope them. */
function shareArnPattern(scope: ResourceScope, body: Body, address: string): string {
  const share = shareAddressOf(body, address);
  return arnIn(inRegionOf(scope, bodyAt(scope.json, share)!, share), "ram", "resource-share/*");
}

/** A secret's name from the ARN (or name) a version refers to it by. */
function secretNameOf(secretId: string): string {
  const match = /:secret:(.+)-[A-Za-z0-9]{6}$/.exec(secretId);
  return match ? match[1]! : secretId;
}

/** The tags of the stack's key a reference points at (`${aws_kms_key.x.arn}`). */
function keyTagsFor(scope: ResourceScope, reference: unknown, where: string): Readonly<Record<string, string>> {
  const match =
    typeof reference === "string" ? /^\$\{(aws_kms_key\.[A-Za-z0-9_-]+)\.(arn|key_id|id)\}$/.exec(reference) : null;
  if (!match) {
    throw new AuditError(
      `${where} is ${JSON.stringify(reference)}, not a key of this stack: the deploy policy scopes key use by the stack's own keys' tags`,
    );
  }
  const address = match[1]!;
  const body = bodyAt(scope.json, address);
  if (!body) throw new AuditError(`${where}: ${address} is not in the stack`);
  return requireTags(scope.tagsOf(body, address), address);
}
