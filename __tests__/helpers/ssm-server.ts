/**
 * A fake SSM on loopback that speaks enough of the AWS JSON 1.1 protocol for the SDK v3
 * client: GetParameters, GetParameter, PutParameter, DescribeParameters and
 * GetParameterHistory. Like SSM it keeps every parameter's last 100 versions, each with
 * who wrote it (LastModifiedUser, from the signing access key) and its labels. Point a client
 * (or a child process) at it with `AWS_ENDPOINT_URL_SSM=<url>` and the tests'
 * credentials (`test` / `test`): it checks every request's SigV4 signature.
 *
 * It holds only the parameters; the rest comes from the core it shares with the fake
 * Secrets Manager (aws-json-server.ts): it records every call, counts them per action,
 * measures how many overlapped, can delay its answers, can answer the next calls of an
 * action with an injected error or run a hook when they arrive, and logs every error it
 * answered with. Always `close()` it.
 */
import { ServiceError, startAwsJsonServer, type AwsJsonServer, type Caller } from "./aws-json-server";

// The call log, error injection and hooks are the shared core's.
export type {
  AnsweredError,
  CallHook,
  InjectedError,
  InjectedFault,
  RecordedCall,
  Throughput,
} from "./aws-json-server";

/** The actions the fake understands. */
export type SsmAction =
  | "GetParameters"
  | "GetParameter"
  | "PutParameter"
  | "DescribeParameters"
  | "GetParameterHistory";

/**
 * SSM keeps this many versions of a parameter; a new one beyond it deletes the oldest (or fails when that one has a
 * label).
 */
export const MAX_PARAMETER_VERSIONS = 100;

/** Parameter types SSM knows. */
export type ParameterType = "String" | "StringList" | "SecureString";

/** A parameter as the fake stores it. */
export interface StoredParameter {
  readonly name: string;
  readonly type: ParameterType;
  readonly value: string;
  /** Starts at 1, +1 on every overwrite. */
  readonly version: number;
  readonly lastModifiedDate: Date;
  /** KMS key of a SecureString (`alias/aws/ssm` when PutParameter gave none). */
  readonly keyId: string | undefined;
  readonly description: string | undefined;
  /** Who wrote this version: an IAM ARN made from the access key that signed the call. */
  readonly lastModifiedUser: string;
  /** Labels of this version (LabelParameterVersion). */
  readonly labels: readonly string[];
  /** The parameter's tier: its value holds at most 4096 bytes (Standard) or 8192 (Advanced), as AWS documents. */
  readonly tier: "Standard" | "Advanced";
}

/** Options of {@link startSsmServer}. */
export interface SsmServerOptions {
  /** Region used in parameter ARNs. @default "us-east-1" */
  readonly region?: string;
  /** Account used in parameter ARNs. @default "000000000000" */
  readonly accountId?: string;
  /** Delay before every answer, in ms, so that concurrent calls overlap measurably. @default 0 */
  readonly latencyMs?: number;
}

/** Options of {@link SsmServer.putParameter}, mirroring PutParameter. */
export interface PutOptions {
  /** @default "SecureString" */
  readonly type?: ParameterType;
  readonly keyId?: string;
  readonly description?: string;
  /** Replace an existing parameter (version + 1). @default true here (seeding), false over the wire like SSM */
  readonly overwrite?: boolean;
  /** @default the parameter's tier, else "Standard" */
  readonly tier?: "Standard" | "Advanced";
}

/** A running fake SSM. */
export interface SsmServer extends AwsJsonServer<SsmAction> {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_SSM. */
  readonly url: string;
  /** Creates or replaces a parameter directly (no call recorded). */
  putParameter(name: string, value: string, options?: PutOptions): StoredParameter;
  /** A stored parameter (its latest version), or undefined. */
  getParameter(name: string): StoredParameter | undefined;
  /** Every version SSM still keeps of a parameter, oldest first. */
  versionsOf(name: string): readonly StoredParameter[];
  /** Puts labels on one version, as LabelParameterVersion does (no call recorded). */
  labelVersion(name: string, version: number, labels: readonly string[]): void;
}

/** Starts a fake SSM on 127.0.0.1 on a random free port. */
export async function startSsmServer(options: SsmServerOptions = {}): Promise<SsmServer> {
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "000000000000";
  const parameters = new Map<string, StoredParameter>();
  const history = new Map<string, StoredParameter[]>();

  function put(
    name: string,
    value: string,
    put: PutOptions & { overwrite: boolean },
    user = `arn:aws:iam::${accountId}:user/seed`,
  ): StoredParameter {
    const existing = parameters.get(name);
    if (existing && !put.overwrite) {
      throw new ServiceError(
        "ParameterAlreadyExists",
        "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
      );
    }
    const type = put.type ?? existing?.type ?? "SecureString";
    // Like SSM: a parameter never moves back from Advanced, and its tier bounds its value.
    const tier = existing?.tier === "Advanced" ? "Advanced" : (put.tier ?? existing?.tier ?? "Standard");
    const limit = tier === "Advanced" ? 8192 : 4096;
    if (Buffer.byteLength(value) > limit) {
      throw new ServiceError(
        "ValidationException",
        tier === "Advanced"
          ? "Advanced tier parameters support a maximum parameter value of 8192 characters."
          : "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.",
      );
    }
    const stored: StoredParameter = {
      name,
      type,
      value,
      version: (existing?.version ?? 0) + 1,
      lastModifiedDate: new Date(),
      keyId: type === "SecureString" ? (put.keyId ?? existing?.keyId ?? "alias/aws/ssm") : undefined,
      description: put.description ?? existing?.description,
      lastModifiedUser: user,
      labels: [],
      tier,
    };
    const versions = history.get(name) ?? [];
    if (versions.length >= MAX_PARAMETER_VERSIONS) {
      if (versions[0]!.labels.length > 0) {
        throw new ServiceError(
          "ParameterMaxVersionLimitExceeded",
          `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${versions[0]!.version}, the oldest version, can't be deleted because it has a label associated with it.`,
        );
      }
      versions.shift();
    }
    history.set(name, [...versions, stored]);
    parameters.set(name, stored);
    return stored;
  }

  function wire(parameter: StoredParameter, decrypt: boolean): Record<string, unknown> {
    return {
      Name: parameter.name,
      Type: parameter.type,
      // Like SSM: a SecureString read without decryption is ciphertext, never the value.
      Value:
        parameter.type === "SecureString" && !decrypt ? `AQICAHfakeciphertext${parameter.version}` : parameter.value,
      Version: parameter.version,
      LastModifiedDate: parameter.lastModifiedDate.getTime() / 1000,
      ARN: `arn:aws:ssm:${region}:${accountId}:parameter/${parameter.name.replace(/^\//, "")}`,
      DataType: "text",
    };
  }

  function handle(
    action: string,
    request: Record<string, unknown>,
    caller: Caller,
  ): Record<string, unknown> | undefined {
    const decrypt = request.WithDecryption === true;
    switch (action) {
      case "GetParameters": {
        const names = Array.isArray(request.Names) ? (request.Names as string[]) : [];
        if (names.length === 0 || names.length > 10) {
          throw new ServiceError(
            "ValidationException",
            `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
          );
        }
        const found = names.flatMap((name) => parameters.get(name) ?? []);
        return {
          Parameters: found.map((p) => wire(p, decrypt)),
          InvalidParameters: names.filter((name) => !parameters.has(name)),
        };
      }
      case "GetParameter": {
        const parameter = parameters.get(String(request.Name));
        if (!parameter) throw new ServiceError("ParameterNotFound", "");
        return { Parameter: wire(parameter, decrypt) };
      }
      case "PutParameter": {
        const stored = put(
          String(request.Name),
          String(request.Value),
          {
            type: request.Type as ParameterType | undefined,
            keyId: request.KeyId as string | undefined,
            description: request.Description as string | undefined,
            overwrite: request.Overwrite === true,
            tier: request.Tier as "Standard" | "Advanced" | undefined,
          },
          `arn:aws:iam::${accountId}:user/${caller.accessKeyId}`,
        );
        return { Version: stored.version, Tier: stored.tier };
      }
      case "DescribeParameters": {
        const filters = (request.ParameterFilters ?? []) as { Key?: string; Option?: string; Values?: string[] }[];
        const matches = [...parameters.values()].filter((p) => filters.every((filter) => matchesFilter(p, filter)));
        return {
          Parameters: matches.map((p) => ({
            Name: p.name,
            Type: p.type,
            KeyId: p.keyId,
            Description: p.description,
            Version: p.version,
            LastModifiedDate: p.lastModifiedDate.getTime() / 1000,
            ARN: wire(p, false).ARN,
            DataType: "text",
            Tier: p.tier,
          })),
        };
      }
      case "GetParameterHistory": {
        const name = String(request.Name);
        const versions = history.get(name);
        if (!versions) throw new ServiceError("ParameterNotFound", `Parameter ${name} not found.`);
        const max = request.MaxResults === undefined ? 50 : Number(request.MaxResults);
        if (!Number.isInteger(max) || max < 1 || max > 50) {
          throw new ServiceError(
            "ValidationException",
            "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50",
          );
        }
        const start = request.NextToken === undefined ? 0 : Number(request.NextToken);
        const page = versions.slice(start, start + max);
        return {
          Parameters: page.map((p) => ({
            ...wire(p, decrypt),
            KeyId: p.keyId,
            Description: p.description,
            LastModifiedUser: p.lastModifiedUser,
            Labels: p.labels,
            Tier: p.tier,
            Policies: [],
          })),
          NextToken: start + max < versions.length ? String(start + max) : undefined,
        };
      }
      default:
        return undefined;
    }
  }

  const core = await startAwsJsonServer<SsmAction>({
    signingName: "ssm",
    targetPrefix: "AmazonSSM",
    name: "SSM",
    internalErrorCode: "InternalServerError",
    latencyMs: options.latencyMs,
    handle,
  });

  return {
    ...core,
    putParameter: (name, value, put_ = {}) => put(name, value, { ...put_, overwrite: put_.overwrite ?? true }),
    getParameter: (name) => parameters.get(name),
    versionsOf: (name) => history.get(name) ?? [],
    labelVersion(name, version, labels) {
      const versions = history.get(name) ?? [];
      const index = versions.findIndex((v) => v.version === version);
      if (index === -1) throw new Error(`${name} has no version ${version}`);
      versions[index] = { ...versions[index]!, labels: [...versions[index]!.labels, ...labels] };
      if (index === versions.length - 1) parameters.set(name, versions[index]!);
    },
  };
}

function matchesFilter(
  parameter: StoredParameter,
  filter: { Key?: string; Option?: string; Values?: string[] },
): boolean {
  const values = filter.Values ?? [];
  if (filter.Key === "Name") {
    return filter.Option === "BeginsWith"
      ? values.some((v) => parameter.name.startsWith(v))
      : values.includes(parameter.name);
  }
  if (filter.Key === "Type") return values.includes(parameter.type);
  if (filter.Key === "Path") {
    return values.some((path) => {
      const prefix = path.endsWith("/") ? path : `${path}/`;
      return (
        parameter.name.startsWith(prefix) &&
        (filter.Option === "Recursive" || !parameter.name.slice(prefix.length).includes("/"))
      );
    });
  }
  return true;
}
