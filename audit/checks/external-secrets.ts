/**
 * Reading secrets another account or app owns (`externalSecrets`): exactly each ARN the
 * function's environment names (`<NAME>_SECRET_ARN`), Secrets Manager's AWSCURRENT only, and
 * its key only through the store of the secret's region and only for that secret. The key's
 * ARN comes from the construct's record in the stack's metadata, not from the role's policy
 * under audit. The owner's resource and key policies are outside the stack: a stand-in that
 * allows this role is given as the resource's policy, so the result is the identity side's.
 */
import { CLI_RECORD_KEY, type CliFunctionRecord } from "../../common/cli-record";
import { parseExternalArn, SECRET_ARN_SUFFIX, type ExternalArn } from "../../common/external-secret";
import { CURRENT_STAGE } from "../../common/naming";
import { isPlainObject } from "../../common/values";
import type { FunctionSubject, PolicyDocument } from "../subjects";
import { AuditError } from "../terraform-json";
import type { Check } from "./check";
import { functionAsks } from "./context";

/** The owner's side, as a stand-in: it allows this role every action on the resource. */
function ownerAllows(subject: FunctionSubject, resource: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OwnerAllowsReader",
        Effect: "Allow",
        Principal: { AWS: subject.role.arn },
        Action: "*",
        Resource: resource,
      },
    ],
  } as unknown as PolicyDocument;
}

function recordOf(subject: FunctionSubject): CliFunctionRecord | undefined {
  const meta = (subject.stack.json as Record<string, unknown>)["//"];
  const record = isPlainObject(meta) && isPlainObject(meta.metadata) ? meta.metadata[CLI_RECORD_KEY] : undefined;
  const functions = isPlainObject(record) && Array.isArray(record.functions) ? record.functions : [];
  return functions.find((fn: CliFunctionRecord) => fn.functionName === subject.functionName);
}

export function externalSecretChecks(subject: FunctionSubject): Check[] {
  const variables = Object.entries(subject.environment).filter(([name]) => name.endsWith(SECRET_ARN_SUFFIX));
  if (variables.length === 0) return [];
  const keys = new Map((recordOf(subject)?.externalSecrets ?? []).map((s) => [s.arn, s.keyArn]));
  return variables.flatMap(([variable, arn]) => {
    const target = parseExternalArn(arn);
    const keyArn = keys.get(arn);
    if (!target || keyArn === undefined)
      throw new AuditError(
        `${subject.target.stack}: ${subject.address}: ${variable} names ${arn}, which the construct's record does not list with its key: synthesize again`,
      );
    return checksOf(subject, target, keyArn);
  });
}

function checksOf(subject: FunctionSubject, target: ExternalArn, keyArn: string): Check[] {
  const ask = functionAsks(subject);
  const { arn, accountId, region, partition } = target;
  const keyAccount = keyArn.split(":")[4] ?? accountId;
  const via = `${target.store}.${region}.${subject.target.dnsSuffix}`;
  const contextKey = target.store === "ssm" ? "kms:EncryptionContext:PARAMETER_ARN" : "kms:EncryptionContext:SecretARN";
  const on = (resource: string) => ({ resourceAccount: accountId, resourcePolicy: ownerAllows(subject, resource) });
  const decrypt = (forArn: string, viaService: string | undefined) => ({
    resourceAccount: keyAccount,
    resourcePolicy: ownerAllows(subject, keyArn),
    context: {
      ...(viaService === undefined ? {} : { "kms:ViaService": viaService }),
      "kms:CallerAccount": subject.target.accountId,
      [contextKey]: forArn,
    },
  });
  const prefix = `arn:${partition}:${target.store}:${region}:${accountId}:`;
  const other =
    target.store === "ssm" ? `${prefix}parameter/other-team/token` : `${prefix}secret:other-team/token-AbCdEf`;
  const sibling = target.store === "ssm" ? `${arn}-sibling` : `${arn.slice(0, -7)}-sibling-AbCdEf`;
  const stage = (name: string) => ({ "secretsmanager:VersionStage": name });
  const reads: Check[] =
    target.store === "ssm"
      ? [
          ask(`ssm:GetParameter on external ${arn}`, "allowed", "ssm:GetParameter", arn, on(arn)),
          ask(
            `ssm:GetParameter on another parameter of account ${accountId}`,
            "denied",
            "ssm:GetParameter",
            other,
            on(other),
          ),
          ask(`ssm:GetParameter on a sibling of external ${arn}`, "denied", "ssm:GetParameter", sibling, on(sibling)),
          ask(`ssm:PutParameter on external ${arn}`, "denied", "ssm:PutParameter", arn, on(arn)),
        ]
      : [
          ask(
            `secretsmanager:GetSecretValue of AWSCURRENT on external ${arn}`,
            "allowed",
            "secretsmanager:GetSecretValue",
            arn,
            {
              ...on(arn),
              context: stage(CURRENT_STAGE),
            },
          ),
          ask(
            `secretsmanager:GetSecretValue of AWSPREVIOUS on external ${arn}`,
            "denied",
            "secretsmanager:GetSecretValue",
            arn,
            {
              ...on(arn),
              context: stage("AWSPREVIOUS"),
            },
          ),
          ask(
            `secretsmanager:GetSecretValue on another secret of account ${accountId}`,
            "denied",
            "secretsmanager:GetSecretValue",
            other,
            {
              ...on(other),
              context: stage(CURRENT_STAGE),
            },
          ),
          ask(
            `secretsmanager:PutSecretValue on external ${arn}`,
            "denied",
            "secretsmanager:PutSecretValue",
            arn,
            on(arn),
          ),
        ];
  return [
    ...reads,
    ask(
      `kms:Decrypt via ${target.store} in ${region} for external ${arn}`,
      "allowed",
      "kms:Decrypt",
      keyArn,
      decrypt(arn, via),
    ),
    ask(
      `kms:Decrypt called directly (not via ${target.store}) for external ${arn}`,
      "denied",
      "kms:Decrypt",
      keyArn,
      decrypt(arn, undefined),
    ),
    ask(
      `kms:Decrypt via ${target.store} for another secret with the external key`,
      "denied",
      "kms:Decrypt",
      keyArn,
      decrypt(other, via),
    ),
  ];
}
