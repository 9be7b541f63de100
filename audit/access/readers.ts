/**
 * The declared readers: the roles and users `SecureLambda.grantSecretsRead` let read a
 * function's secrets. The construct records each in its stack's metadata
 * (`"//".metadata.secureLambdaReaders`: the function and the grantee, nothing else); what a
 * reader may do is not taken from that record but fixed here, by the function's store, and
 * only under the conditions the construct writes:
 * - the secret: `secretsmanager:GetSecretValue` of `AWSCURRENT`;
 * - the parameters: `ssm:GetParameter` and `ssm:GetParameters`;
 * - the key: `kms:Decrypt` through the store (`kms:ViaService`) for this function's secrets
 *   (the encryption context).
 * Any other action, any request without those conditions, and any reader not recorded for
 * the function (a grant written by hand beside the construct) stays a finding.
 */
import { CURRENT_STAGE } from "../../common/naming";
import { READERS_RECORD_KEY } from "../../common/readers-record";
import { isPlainObject } from "../../common/values";
import { type FunctionSubject, functionSubjects } from "../subjects";
import type { StackJson } from "../terraform-json";
import type { Candidate, Protected } from "./model";
import type { Context } from "./documents";

/** One access a declared reader was let to, as the engine allowed it. */
export interface ReaderAccess {
  /** `<stack> / <function>`. */
  readonly function: string;
  readonly principal: string;
  readonly action: string;
  /** `<kind> <ARN>`. */
  readonly resource: string;
}

/** What a declared reader reads, per function of a stack: the grantee's ARNs, resolved. */
const cache = new WeakMap<StackJson, ReadonlyMap<string, readonly string[]>>();

/** The resolved grantee ARNs of each function of the owner's stack, by function name. */
function readersOfStack(owner: FunctionSubject): ReadonlyMap<string, readonly string[]> {
  const json = owner.stack.json;
  const cached = cache.get(json);
  if (cached) return cached;
  const found = new Map<string, string[]>();
  const metadata = (json as { "//"?: { metadata?: Record<string, unknown> } })["//"]?.metadata;
  const records = metadata?.[READERS_RECORD_KEY];
  for (const record of Array.isArray(records) ? records : []) {
    if (!isPlainObject(record) || typeof record.functionName !== "string" || typeof record.grantee !== "string")
      continue;
    const arn = owner.references.resolve(record.grantee, `"//".metadata.${READERS_RECORD_KEY}`);
    found.set(record.functionName, [...(found.get(record.functionName) ?? []), arn]);
  }
  cache.set(json, found);
  return found;
}

/** The functions of the owner's stack (for a key shared by several). */
const subjectsCache = new WeakMap<StackJson, readonly FunctionSubject[]>();
function subjectsOf(owner: FunctionSubject): readonly FunctionSubject[] {
  const cached = subjectsCache.get(owner.stack.json);
  if (cached) return cached;
  const subjects = functionSubjects(owner.stack, owner.references);
  subjectsCache.set(owner.stack.json, subjects);
  return subjects;
}

/** Whether `candidate` is a declared reader of `subject`. */
function readsFor(subject: FunctionSubject, owner: FunctionSubject, candidate: Candidate): boolean {
  const readers = readersOfStack(owner).get(subject.functionName) ?? [];
  return readers.some((arn) => arn === candidate.arn || arn === candidate.identity?.arn);
}

/** The reason every declared reader's intended access gives. */
export const DECLARED_READER = "a reader declared with grantSecretsRead";

const READ_PARAMETERS = ["ssm:GetParameter", "ssm:GetParameters"];

/** Why a declared reader's access is intended, or undefined. */
export function declaredReaderBecause(
  candidate: Candidate,
  resource: Protected,
  action: string,
  context: Context,
): string | undefined {
  const owner = resource.owner;
  const value = (key: string) =>
    Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
  const because = DECLARED_READER;
  if (resource.kind === "secret" && action === "secretsmanager:GetSecretValue")
    return readsFor(owner, owner, candidate) && value("secretsmanager:VersionStage") === CURRENT_STAGE
      ? because
      : undefined;
  if (resource.kind === "parameter" && READ_PARAMETERS.includes(action))
    return readsFor(owner, owner, candidate) ? because : undefined;
  if (resource.kind !== "key" || action !== "kms:Decrypt") return undefined;
  // The key may be shared: the reader of any function of the stack that uses it, for that function's secrets.
  const { region, dnsSuffix } = owner.target;
  const via = value("kms:ViaService");
  for (const subject of subjectsOf(owner)) {
    if (!readsFor(subject, owner, candidate)) continue;
    const named = (key: string, arns: readonly string[]) => {
      const given = value(`kms:EncryptionContext:${key}`);
      const list = Array.isArray(given) ? given : given === undefined ? [] : [given];
      return list.length > 0 && list.every((arn) => arns.some((own) => sameSecret(arn, own)));
    };
    if (
      subject.secret?.key.arn === resource.arn &&
      via === `secretsmanager.${region}.${dnsSuffix}` &&
      named("SecretARN", [subject.secret.arn])
    )
      return because;
    // A replica: its own region's key, through Secrets Manager there, for the replica.
    for (const replica of subject.secret?.replicas ?? []) {
      if (
        replica.key.arn === resource.arn &&
        via === `secretsmanager.${replica.region}.${dnsSuffix}` &&
        named("SecretARN", [replica.arn])
      )
        return because;
    }
    const parameters = subject.parameters.filter((p) => p.key.arn === resource.arn).map((p) => p.arn);
    if (parameters.length > 0 && via === `ssm.${region}.${dnsSuffix}` && named("PARAMETER_ARN", parameters))
      return because;
  }
  return undefined;
}

/**
 * The same secret: the same ARN, or (a Secrets Manager secret, which the key policy can name only
 * as `<name>-??????`, since the secret depends on the key) the same name with another six-character suffix.
 */
function sameSecret(given: string, own: string): boolean {
  if (given === own) return true;
  return own.includes(":secretsmanager:") && given.length === own.length && given.slice(0, -6) === own.slice(0, -6);
}
