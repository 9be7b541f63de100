/**
 * What a recorded AWS API request asks IAM: the deploy suite records every request the
 * provider (and Terraform's S3 backend) makes against moto, and this module turns each
 * into the IAM requests AWS would authorize for it, with the resource ARN and the context
 * keys a policy condition reads. The deploy policy is checked against that list.
 *
 * Some calls make AWS call KMS on the caller's behalf, with the caller's permissions:
 * Parameter Store encrypts and decrypts SecureStrings, Lambda encrypts the environment and
 * decrypts it for GetFunction, Secrets Manager asks for a data key. moto makes no such
 * call, so they are derived here from the recorded call, by AWS's documented rules, and
 * marked `onBehalfOf`.
 */
import type { AuditTarget } from "../target";

/** One request as the recording proxy wrote it: identifiers only, never a value. */
export interface RecordedRequest {
  readonly seq: number;
  /** SigV4 signing service (`ssm`, `lambda`, ...) and region, from the Authorization header. */
  readonly service: string;
  readonly region: string;
  readonly method: string;
  /** URL path, decoded. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** `X-Amz-Target` of JSON-protocol requests (`AmazonSSM.GetParameter`), or "". */
  readonly target: string;
  /** The identifier fields of the body (names, ARNs, key ids, tags, flags). */
  readonly body: Readonly<Record<string, unknown>>;
  readonly status: number;
  /** The ARN AWS chose for what the call created (CreateKey, CreateSecret). */
  readonly createdArn?: string;
  /** The error code of a refused request (4xx, 5xx), and the message of a denial (it names the action). */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Set when the proxy could not reach moto. */
  readonly error?: string;
}

/** One request IAM authorizes, as the policy engine evaluates it. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | string[]>>;
  /** The service that makes this request with the caller's permissions (`ssm`), if not the caller. */
  readonly onBehalfOf?: string;
}

/** A recorded call: its operation (`ssm:GetParameter`) and what it asks IAM. */
export interface AnalyzedCall {
  readonly recorded: RecordedRequest;
  readonly operation: string;
  readonly requests: readonly IamRequest[];
  /** Why the call asks IAM nothing (sts:GetCallerIdentity), if it does not. */
  readonly needsNoPermission?: string;
}

/** Raised for a recorded call this module cannot map: the check must fail, not skip it. */
export class UnmappedCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnmappedCallError";
  }
}

// Lambda's REST API: [method, path, operation]; the function is the path's `{name}` (a name or an ARN).
const LAMBDA_ROUTES: ReadonlyArray<readonly [string, RegExp, string]> = [
  ["POST", /^\/2015-03-31\/functions\/?$/, "CreateFunction"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/?$/, "GetFunction"],
  ["DELETE", /^\/2015-03-31\/functions\/([^/]+)\/?$/, "DeleteFunction"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/, "GetFunctionConfiguration"],
  ["PUT", /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/, "UpdateFunctionConfiguration"],
  ["PUT", /^\/2015-03-31\/functions\/([^/]+)\/code\/?$/, "UpdateFunctionCode"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/, "ListVersionsByFunction"],
  ["POST", /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/, "PublishVersion"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/policy\/?$/, "GetPolicy"],
  ["POST", /^\/2015-03-31\/functions\/([^/]+)\/policy\/?$/, "AddPermission"],
  ["DELETE", /^\/2015-03-31\/functions\/([^/]+)\/policy\/[^/]+$/, "RemovePermission"],
  ["GET", /^\/2017-03-31\/tags\/(.+)$/, "ListTags"],
  ["POST", /^\/2017-03-31\/tags\/(.+)$/, "TagResource"],
  ["DELETE", /^\/2017-03-31\/tags\/(.+)$/, "UntagResource"],
  ["PUT", /^\/2017-10-31\/functions\/([^/]+)\/concurrency\/?$/, "PutFunctionConcurrency"],
  ["DELETE", /^\/2017-10-31\/functions\/([^/]+)\/concurrency\/?$/, "DeleteFunctionConcurrency"],
  ["GET", /^\/2019-09-30\/functions\/([^/]+)\/concurrency\/?$/, "GetFunctionConcurrency"],
  ["GET", /^\/2020-06-30\/functions\/([^/]+)\/code-signing-config\/?$/, "GetFunctionCodeSigningConfig"],
  ["GET", /^\/2021-10-31\/functions\/([^/]+)\/url\/?$/, "GetFunctionUrlConfig"],
  ["POST", /^\/2021-10-31\/functions\/([^/]+)\/url\/?$/, "CreateFunctionUrlConfig"],
  ["PUT", /^\/2021-10-31\/functions\/([^/]+)\/url\/?$/, "UpdateFunctionUrlConfig"],
  ["DELETE", /^\/2021-10-31\/functions\/([^/]+)\/url\/?$/, "DeleteFunctionUrlConfig"],
  ["GET", /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/?$/, "GetFunctionEventInvokeConfig"],
  ["GET", /^\/2021-07-20\/functions\/([^/]+)\/runtime-management-config\/?$/, "GetRuntimeManagementConfig"],
  ["GET", /^\/2024-08-31\/functions\/([^/]+)\/recursion-config\/?$/, "GetFunctionRecursionConfig"],
];

// EventBridge Scheduler's REST API: [method, path, operation]; the path's `{name}` is a schedule, a group, or a
// tagged resource's ARN.
const SCHEDULER_ROUTES: ReadonlyArray<readonly [string, RegExp, string]> = [
  ["POST", /^\/schedule-groups\/([^/]+)$/, "CreateScheduleGroup"],
  ["GET", /^\/schedule-groups\/([^/]+)$/, "GetScheduleGroup"],
  ["DELETE", /^\/schedule-groups\/([^/]+)$/, "DeleteScheduleGroup"],
  ["POST", /^\/schedules\/([^/]+)$/, "CreateSchedule"],
  ["GET", /^\/schedules\/([^/]+)$/, "GetSchedule"],
  ["PUT", /^\/schedules\/([^/]+)$/, "UpdateSchedule"],
  ["DELETE", /^\/schedules\/([^/]+)$/, "DeleteSchedule"],
  ["GET", /^\/tags\/(arn:.+)$/, "ListTagsForResource"],
  ["POST", /^\/tags\/(arn:.+)$/, "TagResource"],
  ["DELETE", /^\/tags\/(arn:.+)$/, "UntagResource"],
];

const routeOf = (routes: ReadonlyArray<readonly [string, RegExp, string]>, r: RecordedRequest) =>
  routes.find(([method, pattern]) => method === r.method && pattern.test(r.path));

// S3 (path style): the operation, and the IAM action AWS authorizes it with (they differ).
function s3Operation(
  r: RecordedRequest,
): { operation: string; action: string; bucket: string; key?: string } | undefined {
  const [, bucket, ...rest] = r.path.split("/");
  if (!bucket) return undefined;
  const key = rest.length > 0 && rest.join("/") !== "" ? rest.join("/") : undefined;
  if (key === undefined) {
    if (
      r.method === "GET" &&
      (r.query["list-type"] === "2" ||
        Object.keys(r.query).every((q) => ["prefix", "delimiter", "max-keys", "encoding-type"].includes(q)))
    ) {
      return {
        operation: r.query["list-type"] === "2" ? "ListObjectsV2" : "ListObjects",
        action: "s3:ListBucket",
        bucket,
      };
    }
    if (r.method === "HEAD") return { operation: "HeadBucket", action: "s3:ListBucket", bucket };
    return undefined;
  }
  const byMethod: Record<string, [string, string]> = {
    GET: ["GetObject", "s3:GetObject"],
    HEAD: ["HeadObject", "s3:GetObject"],
    PUT: ["PutObject", "s3:PutObject"],
    DELETE: ["DeleteObject", "s3:DeleteObject"],
  };
  const found = byMethod[r.method];
  return found ? { operation: found[0], action: found[1], bucket, key } : undefined;
}

// RAM's REST API: the path names the operation (`/associateresourceshare`), in lower case.
const RAM_OPERATIONS = [
  "AssociateResourceShare",
  "CreateResourceShare",
  "DeleteResourceShare",
  "DisassociateResourceShare",
  "GetResourceShareAssociations",
  "GetResourceShares",
  "ListResourceSharePermissions",
  "TagResource",
  "UntagResource",
  "UpdateResourceShare",
];

/** The operation of a recorded request, as `<service>:<Operation>`. */
export function operationOf(r: RecordedRequest): string {
  if (r.error) throw new UnmappedCallError(`request ${r.seq} (${r.method} ${r.path}) never reached moto: ${r.error}`);
  if (r.target) return `${r.service}:${r.target.slice(r.target.lastIndexOf(".") + 1)}`;
  // REST APIs first: a Lambda permission's body names its own `Action` (lambda:InvokeFunction).
  if (r.service === "lambda") {
    const route = routeOf(LAMBDA_ROUTES, r);
    if (route) return `lambda:${route[2]}`;
  }
  if (r.service === "scheduler") {
    const route = routeOf(SCHEDULER_ROUTES, r);
    if (route) return `scheduler:${route[2]}`;
  }
  if (r.service === "ram") {
    const found = RAM_OPERATIONS.find((o) => `/${o.toLowerCase()}` === r.path.replace(/\/+$/, ""));
    if (found) return `ram:${found}`;
  }
  if (typeof r.body.Action === "string" && r.service !== "lambda") return `${r.service}:${r.body.Action}`;
  if (r.service === "s3") {
    const s3 = s3Operation(r);
    if (s3) return `s3:${s3.operation}`;
  }
  throw new UnmappedCallError(`request ${r.seq}: no operation known for ${r.service} ${r.method} ${r.path}`);
}

/** What earlier calls of the same run tell about later ones: which key encrypts what. */
class RunKnowledge {
  readonly keyTags = new Map<string, Record<string, string>>();
  readonly parameterKeys = new Map<string, string>();
  readonly functionKeys = new Map<string, string>();
  readonly secretArns = new Map<string, string>();
  readonly secretKeys = new Map<string, string>();
  readonly aliasKeys = new Map<string, string>();
  /** Resource shares by ARN: their names and tags, as created and tagged. */
  readonly shares = new Map<string, { name: string; tags: Record<string, string> }>();
}

/** Every recorded request, in order, with what it asks IAM. */
export function analyzeCalls(recorded: readonly RecordedRequest[], target: AuditTarget): AnalyzedCall[] {
  const run = new RunKnowledge();
  return [...recorded].sort((a, b) => a.seq - b.seq).map((r) => analyzeCall(r, target, run));
}

function analyzeCall(r: RecordedRequest, t: AuditTarget, run: RunKnowledge): AnalyzedCall {
  const operation = operationOf(r);
  const name = operation.slice(operation.indexOf(":") + 1);
  // The region a request was signed for: a replica's key is another region's.
  const region = r.region || t.region;
  const arn = (service: string, resource: string) =>
    `arn:${t.partition}:${service}:${region}:${t.accountId}:${resource}`;
  const keyArn = (id: string) => (id.startsWith("arn:") ? id : arn("kms", `key/${id}`));
  const keyContext = (key: string): Record<string, string> =>
    Object.fromEntries(Object.entries(run.keyTags.get(keyArn(key)) ?? {}).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
  const via = (service: string, inRegion = region) => `${service}.${inRegion}.${t.dnsSuffix}`;
  const ask = (
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
    onBehalfOf?: string,
  ): IamRequest => ({
    action,
    resource,
    context,
    onBehalfOf,
  });
  const done = (requests: IamRequest[]): AnalyzedCall => ({ recorded: r, operation, requests });
  const str = (field: string): string => {
    const value = r.body[field];
    if (typeof value !== "string") throw new UnmappedCallError(`request ${r.seq} (${operation}) has no ${field}`);
    return value;
  };

  switch (r.service) {
    case "sts":
      if (name === "GetCallerIdentity") {
        return {
          recorded: r,
          operation,
          requests: [],
          needsNoPermission: "GetCallerIdentity needs no permission, and an explicit deny cannot stop it (AWS STS)",
        };
      }
      break;
    case "ssm": {
      const parameterArn = (n: string) => arn("ssm", `parameter${n.startsWith("/") ? "" : "/"}${n}`);
      if (name === "DescribeParameters") return done([ask("ssm:DescribeParameters", "*")]);
      if (name === "ListTagsForResource" || name === "AddTagsToResource" || name === "RemoveTagsFromResource") {
        return done([ask(`ssm:${name}`, parameterArn(str("ResourceId")))]);
      }
      const parameter = str("Name");
      const requests = [ask(`ssm:${name}`, parameterArn(parameter))];
      const kmsContext = (key: string) => ({
        ...keyContext(key),
        "kms:ViaService": via("ssm"),
        "kms:CallerAccount": t.accountId,
        "kms:EncryptionContext:PARAMETER_ARN": parameterArn(parameter),
      });
      if (name === "PutParameter" && r.body.Type === "SecureString" && typeof r.body.KeyId === "string") {
        run.parameterKeys.set(parameter, r.body.KeyId);
        // A standard-tier SecureString: Parameter Store encrypts the value with kms:Encrypt, as the caller.
        requests.push(ask("kms:Encrypt", keyArn(r.body.KeyId), kmsContext(r.body.KeyId), "ssm"));
      }
      const key = run.parameterKeys.get(parameter);
      if (
        (name === "GetParameter" || name === "GetParameters") &&
        r.body.WithDecryption === true &&
        key !== undefined
      ) {
        requests.push(ask("kms:Decrypt", keyArn(key), kmsContext(key), "ssm"));
      }
      return done(requests);
    }
    case "kms": {
      if (name === "CreateKey") {
        const tags = Object.fromEntries(
          ((r.body.Tags as Array<{ TagKey: string; TagValue: string }> | undefined) ?? []).map((tag) => [
            tag.TagKey,
            tag.TagValue,
          ]),
        );
        if (r.createdArn) run.keyTags.set(r.createdArn, tags);
        return done([
          ask("kms:CreateKey", "*", {
            ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
            "aws:TagKeys": Object.keys(tags),
          }),
        ]);
      }
      if (name === "ListAliases") return done([ask("kms:ListAliases", "*")]);
      if (name === "CreateAlias" || name === "UpdateAlias" || name === "DeleteAlias") {
        const alias = str("AliasName");
        // Aliases are regional: a replica's key may have the primary's alias name.
        const known = `${region} ${alias}`;
        const key = name === "DeleteAlias" ? run.aliasKeys.get(known) : str("TargetKeyId");
        if (key === undefined)
          throw new UnmappedCallError(`request ${r.seq} (${operation}): no key known for ${alias} in ${region}`);
        run.aliasKeys.set(known, key);
        return done([ask(`kms:${name}`, arn("kms", alias)), ask(`kms:${name}`, keyArn(key), keyContext(key))]);
      }
      const key = str("KeyId");
      return done([ask(`kms:${name}`, keyArn(key), { ...keyContext(key), "kms:CallerAccount": t.accountId })]);
    }
    case "iam":
      // IAM is global: no region in its ARNs.
      return done([ask(`iam:${name}`, `arn:${t.partition}:iam::${t.accountId}:role/${str("RoleName")}`)]);
    case "logs": {
      if (name === "DescribeLogGroups") return done([ask("logs:DescribeLogGroups", "*")]);
      const group =
        typeof r.body.resourceArn === "string"
          ? r.body.resourceArn.replace(/:\*$/, "")
          : arn("logs", `log-group:${str("logGroupName")}`);
      return done([ask(`logs:${name}`, group)]);
    }
    case "sqs": {
      const queueName =
        typeof r.body.QueueUrl === "string"
          ? r.body.QueueUrl.slice(r.body.QueueUrl.lastIndexOf("/") + 1)
          : str("QueueName");
      return done([ask(`sqs:${name}`, arn("sqs", queueName))]);
    }
    case "secretsmanager": {
      const id = name === "CreateSecret" ? str("Name") : str("SecretId");
      if (name === "CreateSecret" && r.createdArn) {
        run.secretArns.set(id, r.createdArn);
        if (typeof r.body.KmsKeyId === "string") run.secretKeys.set(r.createdArn, r.body.KmsKeyId);
      }
      const secret = id.startsWith("arn:") ? id : run.secretArns.get(id);
      if (secret === undefined)
        throw new UnmappedCallError(
          `request ${r.seq} (${operation}): the ARN of secret ${id} is not known from an earlier CreateSecret`,
        );
      const requests = [
        ask(
          `secretsmanager:${name}`,
          secret,
          name === "PutResourcePolicy"
            ? { "secretsmanager:BlockPublicPolicy": String(r.body.BlockPublicPolicy === true) }
            : {},
        ),
      ];
      const key = run.secretKeys.get(secret);
      const keyUse = (key: string, secretArn: string, inRegion: string) => ({
        ...keyContext(key),
        "kms:ViaService": via("secretsmanager", inRegion),
        "kms:CallerAccount": t.accountId,
        "kms:EncryptionContext:SecretARN": secretArn,
      });
      if (name === "PutSecretValue" && key !== undefined) {
        // Secrets Manager asks KMS for a data key for the new version, as the caller.
        const context = keyUse(key, secret, region);
        requests.push(
          ask("kms:GenerateDataKey", keyArn(key), context, "secretsmanager"),
          ask("kms:Decrypt", keyArn(key), context, "secretsmanager"),
        );
      }
      const replicas = (r.body.AddReplicaRegions as Array<{ Region?: unknown; KmsKeyId?: unknown }> | undefined) ?? [];
      if (replicas.length > 0) {
        // A new replica (CreateSecret or ReplicateSecretToRegions): IAM asks for
        // ReplicateSecretToRegions with the regions, and Secrets Manager uses the keys as the
        // caller: kms:Decrypt of the primary's, kms:GenerateDataKey and kms:Encrypt of each
        // replica's (the API reference's "Required permissions" of ReplicateSecretToRegions).
        const regions = replicas.map((replica) => String(replica.Region));
        const context = { "secretsmanager:AddReplicaRegions": regions };
        if (name === "CreateSecret") requests.push(ask("secretsmanager:ReplicateSecretToRegions", secret, context));
        else requests[0] = ask(`secretsmanager:${name}`, secret, context);
        if (key !== undefined)
          requests.push(ask("kms:Decrypt", keyArn(key), keyUse(key, secret, region), "secretsmanager"));
        for (const replica of replicas) {
          if (typeof replica.KmsKeyId !== "string" || typeof replica.Region !== "string")
            throw new UnmappedCallError(`request ${r.seq} (${operation}) has a replica without a region or a key`);
          const replicaSecret = secret.replace(`:${region}:`, `:${replica.Region}:`);
          const context = keyUse(replica.KmsKeyId, replicaSecret, replica.Region);
          requests.push(
            ask("kms:GenerateDataKey", replica.KmsKeyId, context, "secretsmanager"),
            ask("kms:Encrypt", replica.KmsKeyId, context, "secretsmanager"),
          );
        }
      }
      return done(requests);
    }
    case "lambda": {
      const route = routeOf(LAMBDA_ROUTES, r)!;
      const named = route[1].exec(r.path)?.[1] ?? str("FunctionName");
      const functionName = named.startsWith("arn:") ? named.split(":")[6]! : named;
      const functionArn = arn("lambda", `function:${functionName}`);
      // What a permission or a URL lets in is a condition key: AddPermission's principal (lambda:Principal), a
      // URL's authorization type (lambda:FunctionUrlAuthType).
      const context: Record<string, string> =
        name === "AddPermission"
          ? { "lambda:Principal": str("Principal") }
          : name === "CreateFunctionUrlConfig" || name === "UpdateFunctionUrlConfig"
            ? { "lambda:FunctionUrlAuthType": str("AuthType") }
            : {};
      const requests = [ask(`lambda:${name}`, functionArn, context)];
      if (name === "CreateFunction" || name === "UpdateFunctionConfiguration") {
        if (typeof r.body.Role === "string") {
          requests.push(ask("iam:PassRole", r.body.Role, { "iam:PassedToService": `lambda.${t.dnsSuffix}` }));
        }
        if (typeof r.body.KMSKeyArn === "string" && r.body.KMSKeyArn !== "") {
          run.functionKeys.set(functionName, r.body.KMSKeyArn);
          // The environment is encrypted with the function's key, through Lambda, as the caller.
          const context = {
            ...keyContext(r.body.KMSKeyArn),
            "kms:ViaService": via("lambda"),
            "kms:CallerAccount": t.accountId,
          };
          requests.push(
            ask(
              "kms:Encrypt",
              r.body.KMSKeyArn,
              { ...context, "kms:EncryptionContext:aws:lambda:FunctionArn": functionArn },
              "lambda",
            ),
            ask("kms:CreateGrant", r.body.KMSKeyArn, { ...context, "kms:GrantIsForAWSResource": "true" }, "lambda"),
          );
        }
      }
      const key = run.functionKeys.get(functionName);
      if ((name === "GetFunction" || name === "GetFunctionConfiguration") && key !== undefined && r.status < 300) {
        // Lambda decrypts the environment it returns, with the caller's permission.
        const context = {
          ...keyContext(key),
          "kms:ViaService": via("lambda"),
          "kms:CallerAccount": t.accountId,
          "kms:EncryptionContext:aws:lambda:FunctionArn": functionArn,
        };
        requests.push(ask("kms:Decrypt", key, context, "lambda"));
      }
      return done(requests);
    }
    case "scheduler": {
      const route = routeOf(SCHEDULER_ROUTES, r)!;
      const named = route[1].exec(r.path)![1]!;
      if (name.endsWith("ScheduleGroup"))
        return done([ask(`scheduler:${name}`, arn("scheduler", `schedule-group/${named}`))]);
      if (named.startsWith("arn:")) return done([ask(`scheduler:${name}`, named)]);
      // A schedule's ARN holds its group: from the query (Get, Delete) or the body (Create, Update).
      const group =
        r.query.groupName ?? (typeof r.body.GroupName === "string" ? r.body.GroupName : undefined) ?? "default";
      const requests = [ask(`scheduler:${name}`, arn("scheduler", `schedule/${group}/${named}`))];
      const role = (r.body.Target as { RoleArn?: unknown } | undefined)?.RoleArn;
      if ((name === "CreateSchedule" || name === "UpdateSchedule") && typeof role === "string") {
        // Scheduler takes the target's role: the caller passes it.
        requests.push(ask("iam:PassRole", role, { "iam:PassedToService": `scheduler.${t.dnsSuffix}` }));
      }
      return done(requests);
    }
    case "sns": {
      if (name === "CreateTopic") return done([ask("sns:CreateTopic", arn("sns", str("Name")))]);
      if (name === "Subscribe") {
        return done([
          ask("sns:Subscribe", str("TopicArn"), { "sns:Protocol": str("Protocol"), "sns:Endpoint": str("Endpoint") }),
        ]);
      }
      // A subscription's ARN is its topic's followed by `:<id>`; the Service Authorization Reference gives the
      // subscription actions the topic as their only resource type, so IAM is asked about the topic.
      const resource =
        typeof r.body.SubscriptionArn === "string"
          ? r.body.SubscriptionArn.slice(0, r.body.SubscriptionArn.lastIndexOf(":"))
          : typeof r.body.ResourceArn === "string"
            ? r.body.ResourceArn
            : str("TopicArn");
      return done([ask(`sns:${name}`, resource)]);
    }
    case "ram":
      return done(ramRequests(r, operation, name, run, ask, str));
    case "s3": {
      const s3 = s3Operation(r)!;
      return done([ask(s3.action, `arn:${t.partition}:s3:::${s3.bucket}${s3.key === undefined ? "" : `/${s3.key}`}`)]);
    }
  }
  throw new UnmappedCallError(`request ${r.seq}: ${operation} is not one this module knows what to ask IAM for`);
}

type Ask = (action: string, resource: string, context?: Record<string, string | string[]>) => IamRequest;

/**
 * What a RAM call asks IAM (the Service Authorization Reference): creating a share and listing
 * shares or associations take no resource; every other call is on the share, with its name
 * (`ram:ResourceShareName`) and tags, and an association with each resource (`ram:ResourceArn`)
 * or principal (`ram:Principal`) it adds or removes, one request each.
 */
function ramRequests(
  r: RecordedRequest,
  operation: string,
  name: string,
  run: RunKnowledge,
  ask: Ask,
  str: (field: string) => string,
): IamRequest[] {
  const tagList = (value: unknown) =>
    Object.fromEntries(
      ((value as Array<{ key: string; value: string }> | undefined) ?? []).map((t) => [t.key, t.value]),
    );
  if (name === "CreateResourceShare") {
    const tags = tagList(r.body.tags);
    if (!r.createdArn) throw new UnmappedCallError(`request ${r.seq} (${operation}): the share's ARN was not recorded`);
    run.shares.set(r.createdArn, { name: str("name"), tags });
    return [
      ask("ram:CreateResourceShare", "*", {
        ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
        "aws:TagKeys": Object.keys(tags),
        "ram:RequestedAllowsExternalPrincipals": String(r.body.allowExternalPrincipals === true),
      }),
    ];
  }
  if (name === "GetResourceShares" || name === "GetResourceShareAssociations") return [ask(`ram:${name}`, "*")];
  const shareArn = name === "DeleteResourceShare" ? r.query.resourceShareArn : str("resourceShareArn");
  const share = shareArn === undefined ? undefined : run.shares.get(shareArn);
  if (shareArn === undefined || share === undefined)
    throw new UnmappedCallError(
      `request ${r.seq} (${operation}): the share is not known from an earlier CreateResourceShare`,
    );
  const resourceTags = Object.fromEntries(Object.entries(share.tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
  // ram:ResourceShareName is a key of the calls on a share, but not of TagResource and UntagResource.
  const onShare = { "ram:ResourceShareName": share.name, ...resourceTags };
  if (name === "TagResource") {
    const tags = tagList(r.body.tags);
    Object.assign(share.tags, tags);
    return [
      ask("ram:TagResource", shareArn, {
        ...resourceTags,
        ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
        "aws:TagKeys": Object.keys(tags),
      }),
    ];
  }
  if (name === "UntagResource") {
    const keys = (r.body.tagKeys as string[] | undefined) ?? [];
    for (const key of keys) delete share.tags[key];
    return [ask("ram:UntagResource", shareArn, { ...resourceTags, "aws:TagKeys": keys })];
  }
  if (name === "AssociateResourceShare" || name === "DisassociateResourceShare") {
    const resources = (r.body.resourceArns as string[] | undefined) ?? [];
    const principals = (r.body.principals as string[] | undefined) ?? [];
    if (resources.length + principals.length === 0)
      throw new UnmappedCallError(`request ${r.seq} (${operation}) names no resource and no principal`);
    return [
      ...resources.map((arn) => ask(`ram:${name}`, shareArn, { ...onShare, "ram:ResourceArn": arn })),
      ...principals.map((principal) => ask(`ram:${name}`, shareArn, { ...onShare, "ram:Principal": principal })),
    ];
  }
  return [ask(`ram:${name}`, shareArn, onShare)];
}
