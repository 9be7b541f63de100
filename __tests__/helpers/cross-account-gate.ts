/**
 * A stand-in for AWS's authorization of a Secrets Manager read across accounts, as an HTTP
 * proxy on loopback in front of moto: the deploy suite points a reader's loader at it.
 *
 * moto 5.2.5 cannot make that decision: it serves every Secrets Manager request from the
 * backend of the caller's own account (moto/secretsmanager/responses.py:
 * `secretsmanager_backends[self.current_account]`), so a principal of another account never
 * reaches the secret; and its IAM enforcement (moto/iam/access_control.py) evaluates no
 * resource policy, key policy or condition. So the gate decides as AWS does, with the policy
 * engine the audit uses (`@cloud-copilot/iam-simulate`), on the policies as moto stores them
 * after a real apply, and lets moto serve only what it allowed:
 * - a request that is not GetSecretValue by the ARN of another account's secret passes
 *   through unchanged;
 * - GetSecretValue by the ARN of another account's secret is allowed only when the caller's
 *   identity policies and the secret's resource policy both allow `secretsmanager:GetSecretValue`,
 *   and its identity policies and the key policy both allow the `kms:Decrypt` Secrets Manager
 *   makes for it (`kms:ViaService`, `kms:CallerAccount`, the encryption context: `SecretARN`
 *   and `SecretVersionId`);
 *   allowed, it goes to moto with `x-moto-account-id: <owner>` (moto/core/responses.py
 *   `get_current_account`, which the header decides unless MOTO_ACCOUNT_ID is set);
 *   refused, the gate answers Secrets Manager's AccessDeniedException itself.
 * Any other action by the ARN of another account's secret is refused as not stood in for.
 *
 * The gate never reads a secret's value: what it forwards, moto answers to the caller
 * directly, and its own messages name principals, actions and ARNs only.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import * as http from "node:http";
import { standInContext, standInPolicy } from "../../audit/encryption-context";
import type { PolicyDocument } from "../../audit/subjects";
import { closeServer, listenOnLoopback } from "./loopback";
import { parsedJson } from "./json-body";

/** Who makes a request, as STS names it. */
export interface Caller {
  /** The ARN AWS names the caller by in a denial: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  readonly arn: string;
  readonly account: string;
  /** The IAM role behind the session, with its path: `arn:aws:iam::<account>:role/<name>`. */
  readonly principalArn: string;
}

/** A secret as its owner's Secrets Manager describes it. */
export interface DeployedSecret {
  readonly arn: string;
  /** The key it is encrypted with, as stored (an id, ARN or alias); undefined: `aws/secretsmanager`. */
  readonly kmsKeyId?: string;
  /** Its resource policy; undefined when it has none. */
  readonly resourcePolicy?: PolicyDocument;
  /** Its versions' ids, each with its stages (DescribeSecret's `VersionIdsToStages`). */
  readonly versionIdsToStages?: Readonly<Record<string, readonly string[]>>;
}

/** What the gate reads of the deployed policies (from moto: moto-policies.ts). */
export interface DeployedPolicies {
  /** The caller of a request signed with this access key. */
  caller(
    credentials: { readonly accessKeyId: string; readonly sessionToken?: string },
    region: string,
  ): Promise<Caller>;
  /** The caller's identity policies: the role's inline policies and the managed policies attached to it. */
  identityPolicies(caller: Caller, region: string): Promise<PolicyDocument[]>;
  /** The secret, in the account and region its ARN names. */
  secret(secretArn: string): Promise<DeployedSecret>;
  /** The key's ARN and key policy, in `account` and `region`; undefined when no such key exists. */
  key(keyId: string, account: string, region: string): Promise<{ arn: string; policy: PolicyDocument } | undefined>;
}

/** What the gate decided about one cross-account request (no value: there is none to keep). */
export interface GateDecision {
  readonly caller: string;
  readonly secretArn: string;
  readonly owner: string;
  readonly allowed: boolean;
  /** What refused: the secret (identity or resource policy) or its key. */
  readonly deniedBy?: "secret" | "key";
  /** The answer's message, when refused. */
  readonly message?: string;
}

// A Secrets Manager secret's ARN: partition, region, account, and the rest.
const SECRET_ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:.+$/;
const GET_SECRET_VALUE = "secretsmanager:GetSecretValue";

/**
 * Decides a GetSecretValue of `secretArn` (another account's) by `caller` as AWS does across
 * accounts: both sides of the secret, then both sides of the key, each through the engine.
 */
export async function authorizeCrossAccountRead(
  request: {
    readonly caller: Caller;
    readonly secretArn: string;
    readonly versionStage?: string;
    readonly versionId?: string;
  },
  policies: DeployedPolicies,
): Promise<GateDecision> {
  const { caller, secretArn } = request;
  const [, partition, region, owner] = SECRET_ARN.exec(secretArn) ?? [];
  if (!partition || !region || !owner) throw new Error(`${secretArn} is not the ARN of a Secrets Manager secret`);
  const decided = { caller: caller.arn, secretArn, owner };
  const identity = await policies.identityPolicies(caller, region);
  const secret = await policies.secret(secretArn);
  const principal = {
    "aws:PrincipalArn": caller.principalArn,
    "aws:PrincipalAccount": caller.account,
    // AWS is reached over TLS only; the gate itself is on loopback HTTP.
    "aws:SecureTransport": "true",
    "aws:RequestedRegion": region,
  };
  const read = await simulate({
    caller,
    action: GET_SECRET_VALUE,
    resource: secret.arn,
    owner,
    context: request.versionStage ? { ...principal, "secretsmanager:VersionStage": request.versionStage } : principal,
    identity,
    resourcePolicy: secret.resourcePolicy,
  });
  if (read.result !== "allowed") {
    const missing = read.identityAllowed ? "resource-based" : "identity-based";
    return {
      ...decided,
      allowed: false,
      deniedBy: "secret",
      message:
        `User: ${caller.arn} is not authorized to perform: ${GET_SECRET_VALUE} on resource: ${secretArn} ` +
        `because no ${missing} policy allows the ${GET_SECRET_VALUE} action`,
    };
  }
  // Without a key of its own, a secret is encrypted with aws/secretsmanager, whose key policy
  // no other account can be named in: AWS refuses the read.
  const key = secret.kmsKeyId === undefined ? undefined : await policies.key(secret.kmsKeyId, owner, region);
  const decrypt =
    key &&
    (await simulate({
      caller,
      action: "kms:Decrypt",
      resource: key.arn,
      owner,
      context: {
        ...principal,
        "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
        "kms:CallerAccount": caller.account,
        ...encryptionContext(secret, request),
      },
      identity,
      resourcePolicy: key.policy,
    }));
  if (decrypt?.result !== "allowed")
    return {
      ...decided,
      allowed: false,
      deniedBy: "key",
      message: "Access to KMS is not allowed",
    };
  return { ...decided, allowed: true };
}

/**
 * The encryption context Secrets Manager decrypts a version with: the secret's ARN and the
 * version's id (as audit/checks/secrets-manager.ts asks it), the version being the one asked
 * for by id, or by stage (AWSCURRENT when neither is named).
 */
function encryptionContext(
  secret: DeployedSecret,
  request: { readonly versionStage?: string; readonly versionId?: string },
): Record<string, string | string[]> {
  const stage = request.versionStage ?? "AWSCURRENT";
  const versionId =
    request.versionId ??
    Object.entries(secret.versionIdsToStages ?? {}).find(([, stages]) => stages.includes(stage))?.[0];
  return versionId === undefined
    ? { "kms:EncryptionContext:SecretARN": secret.arn, "kms:EncryptionContextKeys": ["SecretARN"] }
    : {
        "kms:EncryptionContext:SecretARN": secret.arn,
        "kms:EncryptionContext:SecretVersionId": versionId,
        "kms:EncryptionContextKeys": ["SecretARN", "SecretVersionId"],
      };
}

interface Simulation {
  readonly caller: Caller;
  readonly action: string;
  readonly resource: string;
  readonly owner: string;
  readonly context: Readonly<Record<string, string | string[]>>;
  readonly identity: readonly PolicyDocument[];
  readonly resourcePolicy?: PolicyDocument;
}

/** One request to the engine; a context key it ignored, or an error, is thrown, never read as a denial. */
async function simulate(s: Simulation): Promise<{ result: "allowed" | "denied"; identityAllowed: boolean }> {
  const outcome = await runSimulation(
    {
      request: {
        principal: s.caller.arn,
        action: s.action,
        resource: { resource: s.resource, accountId: s.owner },
        contextVariables: standInContext(s.context),
      },
      identityPolicies: s.identity.map((policy, index) => ({
        name: `identity${index}`,
        policy: standInPolicy(policy),
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: s.resourcePolicy === undefined ? undefined : standInPolicy(s.resourcePolicy),
    },
    {},
  );
  if (outcome.resultType === "error")
    throw new Error(`the engine could not evaluate ${s.action}: ${outcome.errors.message}`);
  const results = outcome.resultType === "single" ? [outcome.result] : outcome.results;
  const ignored = results.flatMap((r) => r.ignoredContextKeys ?? []);
  if (ignored.length > 0) throw new Error(`the engine ignored the context keys ${ignored.join(", ")} of ${s.action}`);
  return {
    result: outcome.overallResult === "Allowed" ? "allowed" : "denied",
    identityAllowed: results.some((r) => r.analysis?.identityAnalysis?.result === "Allowed"),
  };
}

/** Options of {@link startCrossAccountGate}. */
export interface CrossAccountGateOptions {
  /** moto's URL: where every request the gate lets through goes. */
  readonly upstream: string;
  /** Where the deployed policies are read. */
  readonly policies: DeployedPolicies;
  /** How long the gate waits for moto's answer to a forwarded request. @default 30_000 */
  readonly timeoutMs?: number;
}

/** A running gate. */
export interface CrossAccountGate {
  /** `http://127.0.0.1:<port>`, to use as the Secrets Manager endpoint. */
  readonly url: string;
  /** Every cross-account decision so far, in order. */
  decisions(): readonly GateDecision[];
  stop(): Promise<void>;
}

/** The largest request body the gate reads (a GetSecretValue request is a few hundred bytes). */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** Starts the gate on loopback, in this process. */
export async function startCrossAccountGate(options: CrossAccountGateOptions): Promise<CrossAccountGate> {
  const decisions: GateDecision[] = [];
  const timeoutMs = options.timeoutMs ?? 30_000;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) request.destroy();
      else chunks.push(chunk);
    });
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      route(request, body, options, decisions)
        .then((route) => {
          if ("answer" in route) answer(response, route.answer.status, route.answer.type, route.answer.message);
          else forward(request, body, response, options.upstream, route.account, timeoutMs);
        })
        .catch((error: unknown) =>
          // A failure of the gate's own reads: named as the gate's, never taken for AWS's answer.
          answer(response, 500, "CrossAccountGateError", error instanceof Error ? error.message : String(error)),
        );
    });
  });
  const url = await listenOnLoopback(server);
  return { url, decisions: () => [...decisions], stop: () => closeServer(server) };
}

type Route = { account?: string } | { answer: { status: number; type: string; message: string } };

/** What to do with one request: forward it (as another account when allowed across), or answer it. */
async function route(
  request: http.IncomingMessage,
  body: Buffer,
  options: CrossAccountGateOptions,
  decisions: GateDecision[],
): Promise<Route> {
  const target = String(request.headers["x-amz-target"] ?? "");
  if (!target.startsWith("secretsmanager.")) return {};
  const fields = parsedJson(body);
  const secretArn = typeof fields.SecretId === "string" ? fields.SecretId : "";
  const owner = SECRET_ARN.exec(secretArn)?.[3];
  if (!owner) return {};
  const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(String(request.headers.authorization ?? ""));
  if (!scope) return { answer: { status: 403, type: "MissingAuthenticationTokenException", message: "not signed" } };
  const token = request.headers["x-amz-security-token"];
  const caller = await options.policies.caller(
    { accessKeyId: scope[1]!, ...(typeof token === "string" ? { sessionToken: token } : {}) },
    scope[2]!,
  );
  if (caller.account === owner) return {};
  const action = target.slice("secretsmanager.".length);
  if (action !== "GetSecretValue")
    return {
      answer: {
        status: 501,
        type: "CrossAccountGateUnsupported",
        message: `the gate stands in for GetSecretValue across accounts only, not ${action}`,
      },
    };
  const decision = await authorizeCrossAccountRead(
    {
      caller,
      secretArn,
      ...(typeof fields.VersionStage === "string" ? { versionStage: fields.VersionStage } : {}),
      ...(typeof fields.VersionId === "string" ? { versionId: fields.VersionId } : {}),
    },
    options.policies,
  );
  decisions.push(decision);
  if (!decision.allowed)
    return { answer: { status: 400, type: "AccessDeniedException", message: decision.message ?? "" } };
  return { account: owner };
}

/** Answers as Secrets Manager answers an error: JSON 1.1, its code in the body and in `x-amzn-ErrorType`. */
function answer(response: http.ServerResponse, status: number, type: string, message: string): void {
  const body = Buffer.from(JSON.stringify({ __type: type, Message: message }));
  response.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "x-amzn-errortype": type,
    "x-amzn-requestid": "00000000-0000-4000-8000-000000000000",
    "content-length": String(body.length),
  });
  response.end(body);
}

/** Sends the request on to moto as it came, as `account` when set, and moto's answer back as it came. */
function forward(
  request: http.IncomingMessage,
  body: Buffer,
  response: http.ServerResponse,
  upstream: string,
  account: string | undefined,
  timeoutMs: number,
): void {
  const target = new URL(upstream);
  const headers: http.OutgoingHttpHeaders = { ...request.headers, host: target.host };
  if (account) headers["x-moto-account-id"] = account;
  const outgoing = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers,
      timeout: timeoutMs,
    },
    (answered) => {
      response.writeHead(answered.statusCode ?? 502, answered.headers);
      answered.pipe(response);
    },
  );
  outgoing.on("timeout", () => outgoing.destroy(new Error(`moto did not answer within ${timeoutMs} ms`)));
  outgoing.on("error", (error) => {
    if (!response.headersSent) answer(response, 502, "CrossAccountGateError", error.message);
    else response.destroy();
  });
  outgoing.end(body);
}
