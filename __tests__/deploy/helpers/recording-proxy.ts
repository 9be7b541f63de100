/**
 * A recording reverse proxy on loopback in front of moto: the deploy policy suite points the
 * provider's endpoints (and the S3 backend's) at it, and it writes one line per AWS API
 * request the provider makes to a JSON-lines file, so a test can say which calls a real
 * apply, plan, refresh and destroy make.
 *
 * With `ramStandInAccount`, it answers AWS RAM's requests itself, with the stand-in of
 * ram-server.ts (moto 5.2.5 serves no AssociateResourceShare), recorded like the rest.
 *
 * It runs as a child process (`startRecordingProxy`), not in the test's own process: the
 * suite drives Terraform synchronously, which would block an in-process server.
 *
 * With `resignAs`, it also signs every request again with those credentials, with the
 * payload hash as a signed `X-Amz-Content-Sha256` header: moto 5.2.5 checks a bodiless
 * request's signature against a payload rebuilt from its parsed parameters, so with IAM
 * enforcement on it refuses the Go SDK's Lambda GETs (SignatureDoesNotMatch) whoever sends
 * them; the principal and the request stay the same.
 *
 * What it keeps is chosen by an allowlist of identifier fields (names, ARNs, key ids,
 * tags, flags): never a request or response body as such, so no value the provider sends
 * (the placeholder) or reads back (a decrypted parameter) reaches the file.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import type { RecordedRequest } from "../../../audit/deployer/api-calls";
import { answerRam, RamStandIn } from "../../helpers/ram-server";
import { parsedJson } from "../../helpers/json-body";

const ROOT = path.join(__dirname, "..", "..", "..");

/** Request fields that identify what is asked for, in JSON bodies and query-protocol forms. */
const IDENTIFIER_FIELDS = new Set([
  "Action",
  "AddReplicaRegions",
  "AliasName",
  "allowExternalPrincipals",
  "associationType",
  "AuthType",
  "BlockPublicPolicy",
  "Endpoint",
  "FunctionName",
  "GroupName",
  "KeyId",
  "KMSKeyArn",
  "KmsKeyId",
  "kmsKeyId",
  "logGroupIdentifiers",
  "logGroupName",
  "logGroupNamePrefix",
  "MoveToVersionId",
  "Name",
  "name",
  "Names",
  "ParameterFilters",
  "PolicyName",
  "Principal",
  "principal",
  "principals",
  "Protocol",
  "QueueName",
  "QueueUrl",
  "RemoveFromVersionId",
  "RemoveReplicaRegions",
  "Resource",
  "ResourceArn",
  "ResourceId",
  "resourceArn",
  "resourceArns",
  "resourceOwner",
  "resourceShareArn",
  "resourceShareArns",
  "ResourceType",
  "Role",
  "RoleName",
  "SecretId",
  "SourceArn",
  "StatementId",
  "SubscriptionArn",
  "TagKeys",
  "tagKeys",
  "Tags",
  "tags",
  "Target",
  "TargetKeyId",
  "TopicArn",
  "Type",
  "VersionId",
  "VersionStage",
  "WithDecryption",
]);

// Query-protocol form fields are flattened (`Tags.member.1.Key`): keep those whose first part is an identifier.
const keepFormField = (name: string) => IDENTIFIER_FIELDS.has(name.split(".")[0]!);

/**
 * Fields kept only in part or only in one form: a Scheduler target's function and role (not
 * its input), an SNS subscription's endpoint only when it is an ARN (an HTTP endpoint's URL
 * may hold a token).
 */
function identifierOnly(name: string, value: unknown): [string, unknown] | undefined {
  if (name === "Target") {
    if (typeof value !== "object" || value === null) return undefined;
    const { Arn, RoleArn } = value as { Arn?: unknown; RoleArn?: unknown };
    return [name, { Arn, RoleArn }];
  }
  if (name === "Endpoint") return typeof value === "string" && value.startsWith("arn:") ? [name, value] : undefined;
  return [name, value];
}

function sanitizedBody(contentType: string, body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const text = body.toString("utf8");
  if (contentType.includes("x-www-form-urlencoded")) {
    return Object.fromEntries(
      [...new URLSearchParams(text)]
        .filter(([name]) => keepFormField(name))
        .flatMap(([name, value]) => {
          const kept = identifierOnly(name, value);
          return kept ? [kept] : [];
        }),
    );
  }
  if (contentType.includes("json")) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
      return Object.fromEntries(
        Object.entries(parsed)
          .filter(([name]) => IDENTIFIER_FIELDS.has(name))
          .flatMap(([name, value]) => {
            const kept = identifierOnly(name, value);
            return kept ? [kept] : [];
          }),
      );
    } catch {
      return {};
    }
  }
  return {};
}

/** The signing service and region of a SigV4 `Authorization` header. */
function credentialScope(authorization: string | undefined): { service: string; region: string } {
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? "");
  return { region: scope?.[1] ?? "", service: scope?.[2] ?? "" };
}

// The ARN AWS chose for what a call created (a key id, a secret's suffix, a share's id): the one answer field kept.
function createdArn(target: string, path: string, answer: Buffer): string | undefined {
  const share = path === "/createresourceshare";
  if (!target.endsWith(".CreateKey") && !target.endsWith(".CreateSecret") && !share) return undefined;
  try {
    const parsed = JSON.parse(answer.toString("utf8")) as {
      KeyMetadata?: { Arn?: string };
      ARN?: string;
      resourceShare?: { resourceShareArn?: string };
    };
    return parsed.KeyMetadata?.Arn ?? parsed.ARN ?? parsed.resourceShare?.resourceShareArn;
  } catch {
    return undefined;
  }
}

/** The account whose RAM the proxy answers itself (ram-server.ts), when set. */
const RAM_ACCOUNT_VARIABLE = "RECORDING_PROXY_RAM_ACCOUNT";

/** Credentials to sign every request with again (the variables the parent passes them in: never arguments). */
const RESIGN_KEY_VARIABLE = "RECORDING_PROXY_RESIGN_ACCESS_KEY_ID";
const RESIGN_SECRET_VARIABLE = "RECORDING_PROXY_RESIGN_SECRET_ACCESS_KEY";

/** The headers to send upstream: as received, or signed again with the payload hash as a signed header. */
async function upstreamHeaders(
  request: http.IncomingMessage,
  body: Buffer,
  target: URL,
): Promise<http.OutgoingHttpHeaders> {
  const accessKeyId = process.env[RESIGN_KEY_VARIABLE];
  const secretAccessKey = process.env[RESIGN_SECRET_VARIABLE];
  if (!accessKeyId || !secretAccessKey || !request.headers.authorization) return request.headers;
  const { AwsV4Signer } = require("aws4fetch") as typeof import("aws4fetch");
  const { service, region } = credentialScope(request.headers.authorization);
  const unsigned = new Set([
    "authorization",
    "x-amz-date",
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
  ]);
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name, value]) => !unsigned.has(name) && typeof value === "string"),
  ) as Record<string, string>;
  headers["x-amz-content-sha256"] = createHash("sha256").update(body).digest("hex");
  const signed = await new AwsV4Signer({
    method: request.method,
    url: `${target.origin}${request.url}`,
    headers,
    body: body.length > 0 ? body : undefined,
    accessKeyId,
    secretAccessKey,
    service,
    region,
  }).sign();
  return { ...Object.fromEntries(signed.headers), host: target.host, "content-length": String(body.length) };
}

// What refused a request: its error code, and the message only of a denial (it names the
// principal and the action, nothing the request carried).
function refusal(status: number, answer: Buffer): Pick<RecordedRequest, "errorCode" | "errorMessage"> {
  if (status < 400) return {};
  const text = answer.toString("utf8");
  let code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  let message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  if (code === undefined) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      code = String(parsed.__type ?? parsed.code ?? parsed.Code ?? "");
      message = String(parsed.message ?? parsed.Message ?? "");
    } catch {
      code = "";
    }
  }
  const denial = /AccessDenied|SignatureDoesNotMatch|InvalidClientTokenId/.test(code ?? "");
  return { errorCode: code || `HTTP ${status}`, ...(denial && message ? { errorMessage: message } : {}) };
}

function serve(targetUrl: string, logFile: string): void {
  const target = new URL(targetUrl);
  const ramAccount = process.env[RAM_ACCOUNT_VARIABLE];
  const ram = ramAccount ? new RamStandIn(ramAccount) : undefined;
  let seq = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const body = Buffer.concat(chunks);
      const url = new URL(request.url ?? "/", "http://proxy");
      const scope = credentialScope(request.headers.authorization);
      const answered = (status: number, answerHeaders: http.OutgoingHttpHeaders, answerBody: Buffer) => {
        const amzTarget = String(request.headers["x-amz-target"] ?? "");
        const path = decodeURIComponent(url.pathname);
        const record: RecordedRequest = {
          seq: ++seq,
          ...scope,
          method: request.method ?? "",
          path,
          query: Object.fromEntries(url.searchParams),
          target: amzTarget,
          body: sanitizedBody(String(request.headers["content-type"] ?? ""), body),
          status,
          createdArn: createdArn(amzTarget, path, answerBody),
          ...refusal(status, answerBody),
        };
        fs.appendFileSync(logFile, `${JSON.stringify(record)}\n`);
        response.writeHead(status, answerHeaders);
        response.end(answerBody);
      };
      if (ram && scope.service === "ram") {
        const answer = answerRam(ram, {
          method: request.method ?? "",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          body: parsedJson(body),
          region: scope.region,
        });
        answered(answer.status, answer.headers, answer.body);
        return;
      }
      const headers = await upstreamHeaders(request, body, target);
      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers,
          timeout: 120_000,
        },
        (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => answerChunks.push(chunk));
          answer.on("end", () => answered(answer.statusCode ?? 502, answer.headers, Buffer.concat(answerChunks)));
        },
      );
      upstream.on("timeout", () => upstream.destroy(new Error("moto did not answer within 120 s")));
      upstream.on("error", (error) => {
        const failed: RecordedRequest = {
          seq: ++seq,
          service: "",
          region: "",
          method: request.method ?? "",
          path: request.url ?? "",
          query: {},
          target: "",
          body: {},
          status: 0,
          error: error.message,
        };
        fs.appendFileSync(logFile, `${JSON.stringify(failed)}\n`);
        if (!response.headersSent) response.writeHead(502);
        response.end();
      });
      upstream.end(body);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

/** A running recording proxy. */
export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`, to use as the AWS endpoint. */
  readonly url: string;
  readonly port: number;
  /** Every request recorded so far, in order. */
  recorded(): RecordedRequest[];
  stop(): Promise<void>;
}

/** Options of {@link startRecordingProxy}. */
export interface RecordingProxyOptions {
  /** Sign every request again with these credentials (for moto's IAM enforcement; see above). */
  readonly resignAs?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * Answer RAM's requests with the stand-in of this account (ram-server.ts) instead of moto, which
   * serves no AssociateResourceShare.
   */
  readonly ramStandInAccount?: string;
}

/** Starts the proxy in front of `targetUrl`, recording into `logFile` (created empty). */
export async function startRecordingProxy(
  targetUrl: string,
  logFile: string,
  options: RecordingProxyOptions = {},
): Promise<RecordingProxy> {
  fs.writeFileSync(logFile, "");
  const resign = options.resignAs
    ? {
        [RESIGN_KEY_VARIABLE]: options.resignAs.accessKeyId,
        [RESIGN_SECRET_VARIABLE]: options.resignAs.secretAccessKey,
      }
    : {};
  const ram = options.ramStandInAccount ? { [RAM_ACCOUNT_VARIABLE]: options.ramStandInAccount } : {};
  const child = spawn(
    process.execPath,
    ["-r", path.join(ROOT, "scripts", "register.cjs"), __filename, targetUrl, logFile],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...resign, ...ram },
    },
  );
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the recording proxy did not start within 20 s: ${output}`));
    }, 20_000);
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the recording proxy exited with ${code}: ${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    recorded: () =>
      fs
        .readFileSync(logFile, "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as RecordedRequest),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

if (require.main === module) {
  const [targetUrl, logFile] = process.argv.slice(2);
  if (!targetUrl || !logFile) {
    process.stderr.write("usage: recording-proxy.ts <target url> <log file>\n");
    process.exit(2);
  }
  serve(targetUrl, logFile);
}
