/**
 * A stand-in for AWS Resource Access Manager, as the AWS provider calls it for
 * `aws_ram_resource_share`, `aws_ram_resource_association` and `aws_ram_principal_association`:
 * moto 5.2.5 serves no AssociateResourceShare and refuses an SSM parameter as a shared
 * resource, so the deploy suite's recording proxy answers RAM's requests with this instead.
 *
 * It speaks RAM's REST-JSON protocol as the API reference gives it (POST /createresourceshare,
 * /getresourceshares, /associateresourceshare, ..., DELETE /deleteresourceshare), with its
 * statuses as AWS reports them: a new association is ASSOCIATING in the answer that makes it
 * and ASSOCIATED when read; a deleted share stays listed as DELETED, a removed association as
 * DISASSOCIATED. Errors carry RAM's codes (`UnknownResourceException`,
 * `InvalidParameterException`, `MalformedArnException`, `OperationNotPermittedException`) in
 * `x-amzn-ErrorType`, as the Go SDK reads them.
 */

/** A RAM error, answered with its code and HTTP status. */
export class RamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = "RamError";
  }
}

interface Tag {
  readonly key: string;
  readonly value: string;
}

interface Share {
  readonly resourceShareArn: string;
  name: string;
  readonly owningAccountId: string;
  allowExternalPrincipals: boolean;
  status: "ACTIVE" | "DELETED";
  tags: Tag[];
  readonly creationTime: number;
  lastUpdatedTime: number;
}

interface Association {
  readonly resourceShareArn: string;
  readonly associatedEntity: string;
  readonly associationType: "RESOURCE" | "PRINCIPAL";
  status: "ASSOCIATED" | "DISASSOCIATED";
  readonly external: boolean;
  readonly creationTime: number;
  lastUpdatedTime: number;
}

/** What a request asks: its method, path and query, and its parsed JSON body. */
export interface RamRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
  /** The region of its signature. */
  readonly region: string;
}

/** The resource types RAM shares that a stack of this project shares: SSM parameters. */
const SHAREABLE = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/.+$/;
const ACCOUNT = /^\d{12}$/;
// The permission RAM attaches by default to a share of parameters.
const PARAMETER_PERMISSION = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSSMParameterReadOnly";

/** The RAM of one account, in memory. */
export class RamStandIn {
  private readonly shares = new Map<string, Share>();
  private readonly associations: Association[] = [];
  private counter = 0;

  constructor(private readonly accountId: string) {}

  /** Answers one request: the response body, or a thrown {@link RamError}. */
  handle(request: RamRequest): Record<string, unknown> {
    const operation = request.path.replace(/^\/+|\/+$/g, "").toLowerCase();
    const body = request.body;
    switch (`${request.method} ${operation}`) {
      case "POST createresourceshare":
        return this.create(request);
      case "POST getresourceshares":
        return { resourceShares: this.find(body).map(describeShare) };
      case "POST updateresourceshare": {
        const share = this.shareOf(body.resourceShareArn);
        if (typeof body.name === "string") share.name = body.name;
        if (typeof body.allowExternalPrincipals === "boolean")
          share.allowExternalPrincipals = body.allowExternalPrincipals;
        share.lastUpdatedTime = now();
        return { resourceShare: describeShare(share) };
      }
      case "DELETE deleteresourceshare": {
        const share = this.shareOf(request.query.resourceShareArn);
        share.status = "DELETED";
        for (const a of this.associations.filter((a) => a.resourceShareArn === share.resourceShareArn))
          a.status = "DISASSOCIATED";
        return { returnValue: true, clientToken: request.query.clientToken };
      }
      case "POST associateresourceshare":
        return this.associate(body, "ASSOCIATED");
      case "POST disassociateresourceshare":
        return this.associate(body, "DISASSOCIATED");
      case "POST getresourceshareassociations":
        return { resourceShareAssociations: this.associationsOf(body).map((a) => this.describeAssociation(a)) };
      case "POST listresourcesharepermissions":
        this.shareOf(body.resourceShareArn);
        return { permissions: [permissionSummary()] };
      case "POST tagresource": {
        const share = this.shareOf(body.resourceShareArn);
        const tags = tagsOf(body.tags);
        share.tags = [...share.tags.filter((t) => !tags.some((n) => n.key === t.key)), ...tags];
        return {};
      }
      case "POST untagresource": {
        const share = this.shareOf(body.resourceShareArn);
        const keys = stringList(body.tagKeys, "tagKeys");
        share.tags = share.tags.filter((t) => !keys.includes(t.key));
        return {};
      }
    }
    throw new RamError("UnknownOperation", `RAM has no ${request.method} ${request.path}`, 404);
  }

  private create(request: RamRequest): Record<string, unknown> {
    const body = request.body;
    if (typeof body.name !== "string" || body.name === "")
      throw new RamError("InvalidParameterException", "name is required");
    const id = `00000000-0000-4000-8000-${String(++this.counter).padStart(12, "0")}`;
    const share: Share = {
      resourceShareArn: `arn:aws:ram:${request.region}:${this.accountId}:resource-share/${id}`,
      name: body.name,
      owningAccountId: this.accountId,
      allowExternalPrincipals: body.allowExternalPrincipals !== false,
      status: "ACTIVE",
      tags: tagsOf(body.tags ?? []),
      creationTime: now(),
      lastUpdatedTime: now(),
    };
    this.shares.set(share.resourceShareArn, share);
    this.associate({ ...body, resourceShareArn: share.resourceShareArn }, "ASSOCIATED");
    return { resourceShare: describeShare(share), clientToken: body.clientToken };
  }

  private find(body: Readonly<Record<string, unknown>>): Share[] {
    if (body.resourceOwner !== "SELF" && body.resourceOwner !== "OTHER-ACCOUNTS")
      throw new RamError("InvalidParameterException", "resourceOwner must be SELF or OTHER-ACCOUNTS");
    if (body.resourceOwner === "OTHER-ACCOUNTS") return [];
    const arns =
      body.resourceShareArns === undefined ? undefined : stringList(body.resourceShareArns, "resourceShareArns");
    for (const arn of arns ?? [])
      if (!arn.startsWith("arn:")) throw new RamError("MalformedArnException", "not an ARN");
    return [...this.shares.values()].filter(
      (s) =>
        (arns === undefined || arns.includes(s.resourceShareArn)) &&
        (body.name === undefined || body.name === s.name) &&
        (body.resourceShareStatus === undefined || body.resourceShareStatus === s.status),
    );
  }

  private shareOf(arn: unknown): Share {
    if (typeof arn !== "string") throw new RamError("InvalidParameterException", "resourceShareArn is required");
    if (!arn.startsWith("arn:")) throw new RamError("MalformedArnException", "resourceShareArn is not an ARN");
    const share = this.shares.get(arn);
    if (!share || share.status === "DELETED")
      throw new RamError("UnknownResourceException", `ResourceShare ${arn} could not be found.`);
    return share;
  }

  private associate(body: Readonly<Record<string, unknown>>, to: Association["status"]): Record<string, unknown> {
    const share = this.shareOf(body.resourceShareArn);
    const resources = body.resourceArns === undefined ? [] : stringList(body.resourceArns, "resourceArns");
    const principals = body.principals === undefined ? [] : stringList(body.principals, "principals");
    for (const arn of resources) {
      if (!SHAREABLE.test(arn))
        throw new RamError("MalformedArnException", `${arn} is not the ARN of a resource this stand-in shares`);
    }
    for (const principal of principals) {
      if (!ACCOUNT.test(principal)) throw new RamError("InvalidParameterException", `${principal} is not an account`);
      if (principal !== this.accountId && !share.allowExternalPrincipals)
        throw new RamError("OperationNotPermittedException", "the share does not allow external principals");
    }
    const changed: Association[] = [];
    const entities = [
      ...resources.map((e) => [e, "RESOURCE"] as const),
      ...principals.map((e) => [e, "PRINCIPAL"] as const),
    ];
    for (const [entity, type] of entities) {
      let association = this.associations.find(
        (a) => a.resourceShareArn === share.resourceShareArn && a.associatedEntity === entity,
      );
      if (!association) {
        if (to === "DISASSOCIATED")
          throw new RamError("UnknownResourceException", `${entity} is not associated with the share`);
        association = {
          resourceShareArn: share.resourceShareArn,
          associatedEntity: entity,
          associationType: type,
          status: to,
          external: type === "PRINCIPAL" && entity !== this.accountId,
          creationTime: now(),
          lastUpdatedTime: now(),
        };
        this.associations.push(association);
      }
      association.status = to;
      association.lastUpdatedTime = now();
      changed.push(association);
    }
    // AWS answers the change in progress; a read afterwards finds it done.
    const inProgress = to === "ASSOCIATED" ? "ASSOCIATING" : "DISASSOCIATING";
    return {
      resourceShareAssociations: changed.map((a) => ({ ...this.describeAssociation(a), status: inProgress })),
      clientToken: body.clientToken,
    };
  }

  private associationsOf(body: Readonly<Record<string, unknown>>): Association[] {
    const type = body.associationType;
    if (type !== "RESOURCE" && type !== "PRINCIPAL")
      throw new RamError("InvalidParameterException", "associationType must be RESOURCE or PRINCIPAL");
    if (type === "RESOURCE" && body.principal !== undefined)
      throw new RamError("InvalidParameterException", "a principal cannot be given for associationType RESOURCE");
    if (type === "PRINCIPAL" && body.resourceArn !== undefined)
      throw new RamError("InvalidParameterException", "a resourceArn cannot be given for associationType PRINCIPAL");
    const arns =
      body.resourceShareArns === undefined ? undefined : stringList(body.resourceShareArns, "resourceShareArns");
    const entity = type === "RESOURCE" ? body.resourceArn : body.principal;
    return this.associations.filter(
      (a) =>
        a.associationType === type &&
        (arns === undefined || arns.includes(a.resourceShareArn)) &&
        (entity === undefined || a.associatedEntity === entity) &&
        (body.associationStatus === undefined || body.associationStatus === a.status),
    );
  }

  private describeAssociation(a: Association): Record<string, unknown> {
    return {
      resourceShareArn: a.resourceShareArn,
      resourceShareName: this.shares.get(a.resourceShareArn)?.name,
      associatedEntity: a.associatedEntity,
      associationType: a.associationType,
      status: a.status,
      external: a.external,
      creationTime: a.creationTime,
      lastUpdatedTime: a.lastUpdatedTime,
    };
  }
}

const now = () => Date.now() / 1000;

function describeShare(s: Share): Record<string, unknown> {
  return {
    resourceShareArn: s.resourceShareArn,
    name: s.name,
    owningAccountId: s.owningAccountId,
    allowExternalPrincipals: s.allowExternalPrincipals,
    status: s.status,
    tags: s.tags,
    creationTime: s.creationTime,
    lastUpdatedTime: s.lastUpdatedTime,
    featureSet: "STANDARD",
  };
}

function permissionSummary(): Record<string, unknown> {
  return {
    arn: PARAMETER_PERMISSION,
    version: "1",
    defaultVersion: true,
    name: "AWSRAMDefaultPermissionSSMParameterReadOnly",
    resourceType: "ssm:Parameter",
    status: "ATTACHABLE",
    isResourceTypeDefault: true,
    permissionType: "AWS_MANAGED",
  };
}

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw new RamError("InvalidParameterException", `${field} must be a list of strings`);
  return value;
}

function tagsOf(value: unknown): Tag[] {
  if (!Array.isArray(value)) throw new RamError("InvalidParameterException", "tags must be a list");
  return value.map((t: { key?: unknown; value?: unknown }) => {
    if (typeof t?.key !== "string") throw new RamError("InvalidParameterException", "a tag needs a key");
    return { key: t.key, value: typeof t.value === "string" ? t.value : "" };
  });
}

/** The HTTP answer of `handle`, as RAM sends it: JSON, and the error type in `x-amzn-ErrorType`. */
export function answerRam(
  ram: RamStandIn,
  request: RamRequest,
): { status: number; headers: Record<string, string>; body: Buffer } {
  try {
    const answer = ram.handle(request);
    return { status: 200, headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify(answer)) };
  } catch (error) {
    const e = error instanceof RamError ? error : new RamError("ServerInternalException", String(error), 500);
    return {
      status: e.status,
      headers: { "content-type": "application/json", "x-amzn-errortype": e.code },
      body: Buffer.from(JSON.stringify({ __type: e.code, message: e.message })),
    };
  }
}
