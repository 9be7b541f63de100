/**
 * A fake SSM on loopback that speaks enough of the AWS JSON 1.1 protocol for the SDK v3
 * client: GetParameters, GetParameter, PutParameter, DescribeParameters. Point a client
 * (or a child process) at it with `AWS_ENDPOINT_URL_SSM=<url>` and any credentials; it
 * does not check signatures.
 *
 * It records every call, counts them per action, measures how many overlapped, and can
 * answer the next calls of an action with an injected error. Always `close()` it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "./loopback";

/** The actions the fake understands. */
export type SsmAction = "GetParameters" | "GetParameter" | "PutParameter" | "DescribeParameters";

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
}

/** One request the fake received. */
export interface RecordedCall {
  readonly action: string;
  /** The parsed JSON request body. */
  readonly request: Readonly<Record<string, unknown>>;
  /** When the request arrived (ms since epoch). */
  readonly receivedAt: number;
}

/** An error to answer with instead of handling the request. */
export interface InjectedError {
  /** The AWS error code, e.g. `ThrottlingException`, `AccessDeniedException`. */
  readonly code: string;
  /** @default "injected <code>" */
  readonly message?: string;
  /** HTTP status. @default 400 */
  readonly status?: number;
  /** How many consecutive calls fail. @default 1 */
  readonly times?: number;
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
}

/** A running fake SSM. */
export interface SsmServer {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_SSM. */
  readonly url: string;
  /** Every call so far, in arrival order. */
  readonly calls: readonly RecordedCall[];
  /** Number of calls of an action so far. */
  callCount(action: SsmAction): number;
  /** Most calls of an action that were in progress at the same time. */
  maxConcurrent(action: SsmAction): number;
  /** Forgets the recorded calls and concurrency (keeps parameters and injected errors). */
  resetCalls(): void;
  /** Creates or replaces a parameter directly (no call recorded). */
  putParameter(name: string, value: string, options?: PutOptions): StoredParameter;
  /** A stored parameter, or undefined. */
  getParameter(name: string): StoredParameter | undefined;
  /** Delays every answer by `ms` from now on (0: none), so that concurrent calls overlap measurably. */
  setLatency(ms: number): void;
  /** Answers the next call(s) of `action` with `error`. Injections queue up in order. */
  failNext(action: SsmAction, error: InjectedError): void;
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>;
}

class ParameterError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Starts a fake SSM on 127.0.0.1 on a random free port. */
export async function startSsmServer(options: SsmServerOptions = {}): Promise<SsmServer> {
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "000000000000";
  const parameters = new Map<string, StoredParameter>();
  const calls: RecordedCall[] = [];
  const injected = new Map<string, InjectedError[]>();
  const active = new Map<string, number>();
  const peak = new Map<string, number>();
  let latencyMs = options.latencyMs ?? 0;

  function put(name: string, value: string, put: PutOptions & { overwrite: boolean }): StoredParameter {
    const existing = parameters.get(name);
    if (existing && !put.overwrite) {
      throw new ParameterError("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
    }
    const type = put.type ?? existing?.type ?? "SecureString";
    const stored: StoredParameter = {
      name,
      type,
      value,
      version: (existing?.version ?? 0) + 1,
      lastModifiedDate: new Date(),
      keyId: type === "SecureString" ? (put.keyId ?? existing?.keyId ?? "alias/aws/ssm") : undefined,
      description: put.description ?? existing?.description,
    };
    parameters.set(name, stored);
    return stored;
  }

  function wire(parameter: StoredParameter, decrypt: boolean): Record<string, unknown> {
    return {
      Name: parameter.name,
      Type: parameter.type,
      // Like SSM: a SecureString read without decryption is ciphertext, never the value.
      Value: parameter.type === "SecureString" && !decrypt ? `AQICAHfakeciphertext${parameter.version}` : parameter.value,
      Version: parameter.version,
      LastModifiedDate: parameter.lastModifiedDate.getTime() / 1000,
      ARN: `arn:aws:ssm:${region}:${accountId}:parameter/${parameter.name.replace(/^\//, "")}`,
      DataType: "text",
    };
  }

  function handle(action: string, request: Record<string, unknown>): Record<string, unknown> {
    const decrypt = request.WithDecryption === true;
    switch (action) {
      case "GetParameters": {
        const names = Array.isArray(request.Names) ? (request.Names as string[]) : [];
        if (names.length === 0 || names.length > 10) {
          throw new ParameterError("ValidationException", `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`);
        }
        const found = names.flatMap((name) => parameters.get(name) ?? []);
        return { Parameters: found.map((p) => wire(p, decrypt)), InvalidParameters: names.filter((name) => !parameters.has(name)) };
      }
      case "GetParameter": {
        const parameter = parameters.get(String(request.Name));
        if (!parameter) throw new ParameterError("ParameterNotFound", "");
        return { Parameter: wire(parameter, decrypt) };
      }
      case "PutParameter": {
        const stored = put(String(request.Name), String(request.Value), {
          type: request.Type as ParameterType | undefined,
          keyId: request.KeyId as string | undefined,
          description: request.Description as string | undefined,
          overwrite: request.Overwrite === true,
        });
        return { Version: stored.version, Tier: "Standard" };
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
            Tier: "Standard",
          })),
        };
      }
      default:
        throw new ParameterError("UnknownOperationException", `the fake SSM does not implement ${action}`);
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers["x-amz-target"] ?? "");
    const action = target.startsWith("AmazonSSM.") ? target.slice("AmazonSSM.".length) : target;
    const text = Buffer.concat(chunks).toString("utf8");
    const request = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    calls.push({ action, request, receivedAt: Date.now() });
    active.set(action, (active.get(action) ?? 0) + 1);
    peak.set(action, Math.max(peak.get(action) ?? 0, active.get(action) ?? 0));
    try {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      const failure = takeInjected(action);
      if (failure) return send(res, failure.status ?? 400, { __type: failure.code, message: failure.message ?? `injected ${failure.code}` });
      send(res, 200, handle(action, request));
    } catch (error) {
      if (error instanceof ParameterError) return send(res, 400, { __type: error.code, message: error.message });
      send(res, 500, { __type: "InternalServerError", message: "the fake SSM failed" });
    } finally {
      active.set(action, (active.get(action) ?? 1) - 1);
    }
  }

  function takeInjected(action: string): InjectedError | undefined {
    const queue = injected.get(action);
    const next = queue?.[0];
    if (!queue || !next) return undefined;
    const remaining = (next.times ?? 1) - 1;
    if (remaining > 0) queue[0] = { ...next, times: remaining };
    else queue.shift();
    return next;
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch(() => send(res, 500, { __type: "InternalServerError" }));
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    calls,
    callCount: (action) => calls.filter((call) => call.action === action).length,
    maxConcurrent: (action) => peak.get(action) ?? 0,
    resetCalls() {
      calls.length = 0;
      peak.clear();
    },
    putParameter: (name, value, put_ = {}) => put(name, value, { ...put_, overwrite: put_.overwrite ?? true }),
    getParameter: (name) => parameters.get(name),
    setLatency(ms) {
      latencyMs = ms;
    },
    failNext(action, error) {
      injected.set(action, [...(injected.get(action) ?? []), error]);
    },
    close: () => closeServer(server),
  };
}

function matchesFilter(parameter: StoredParameter, filter: { Key?: string; Option?: string; Values?: string[] }): boolean {
  const values = filter.Values ?? [];
  if (filter.Key === "Name") {
    return filter.Option === "BeginsWith" ? values.some((v) => parameter.name.startsWith(v)) : values.includes(parameter.name);
  }
  if (filter.Key === "Type") return values.includes(parameter.type);
  if (filter.Key === "Path") {
    return values.some((path) => {
      const prefix = path.endsWith("/") ? path : `${path}/`;
      return parameter.name.startsWith(prefix) && (filter.Option === "Recursive" || !parameter.name.slice(prefix.length).includes("/"));
    });
  }
  return true;
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(payload),
    "x-amzn-requestid": `fake-${Math.random().toString(16).slice(2)}`,
  });
  res.end(payload);
}
