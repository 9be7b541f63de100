/**
 * The deployed policies the cross-account gate decides on (cross-account-gate.ts), read from
 * moto as its owner's accounts store them after a real apply: the caller from STS, its
 * role's policies from the IAM of its account, the secret and its resource policy from the
 * Secrets Manager of the secret's account, the key policy from the KMS of that account.
 *
 * Each call names its account with `x-moto-account-id` (moto/core/responses.py
 * `get_current_account`), has a timeout and is made once (no retries): the gate is for tests.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, NotFoundException } from "@aws-sdk/client-kms";
import { DescribeSecretCommand, GetResourcePolicyCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { PolicyDocument } from "../../audit/subjects";
import type { Caller, DeployedPolicies, DeployedSecret } from "./cross-account-gate";

/** Each of the gate's reads gives up after this long. */
const CALL_TIMEOUT_MS = 10_000;

// The assumed-role session ARN STS answers: `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`.
const SESSION_ARN = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;

/** A client's settings: moto's endpoint, one attempt within the timeout, and the account header when given. */
function settings(motoUrl: string, region: string, credentials = { accessKeyId: "test", secretAccessKey: "test" }) {
  return {
    region,
    endpoint: motoUrl,
    credentials,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: CALL_TIMEOUT_MS, requestTimeout: CALL_TIMEOUT_MS },
  };
}

/** Adds `x-moto-account-id: <account>` to every request of `client`. */
export function inAccount<C extends { middlewareStack: object }>(client: C, account: string): C {
  // The one step every client has, typed here once rather than per client's input and output types.
  type Handler = (args: { request: unknown }) => Promise<unknown>;
  const stack = client.middlewareStack as unknown as {
    add(middleware: (next: Handler) => Handler, options: { step: "build"; name: string }): void;
  };
  stack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers["x-moto-account-id"] = account;
      return next(args);
    },
    { step: "build", name: "motoAccountHeader" },
  );
  return client;
}

/** moto answers an IAM policy document URL-encoded, as IAM does. */
function document(text: string | undefined): PolicyDocument {
  const raw = text ?? "{}";
  return JSON.parse(raw.trimStart().startsWith("{") ? raw : decodeURIComponent(raw)) as PolicyDocument;
}

/** The deployed policies of the accounts moto at `motoUrl` keeps apart. */
export function motoPolicies(motoUrl: string): DeployedPolicies {
  return {
    async caller(credentials, region): Promise<Caller> {
      // moto (without its IAM enforcement) finds the caller by the access key id alone and checks
      // no signature: the gate never holds the caller's secret key, and signs with one of its own.
      const sts = new STSClient(
        settings(motoUrl, region, { ...credentials, secretAccessKey: "the-gate-does-not-hold-it" }),
      );
      const { Arn, Account } = await sts.send(new GetCallerIdentityCommand({}));
      const session = SESSION_ARN.exec(Arn ?? "");
      if (!session || !Account)
        throw new Error(`the gate decides for assumed-role sessions only, and the caller is ${Arn ?? "unknown"}`);
      const iam = inAccount(new IAMClient(settings(motoUrl, region)), Account);
      const role = await iam.send(new GetRoleCommand({ RoleName: session[3]! }));
      return { arn: Arn!, account: Account, principalArn: role.Role!.Arn! };
    },

    async identityPolicies(caller, region): Promise<PolicyDocument[]> {
      const iam = inAccount(new IAMClient(settings(motoUrl, region)), caller.account);
      const RoleName = caller.principalArn.split("/").pop()!;
      const inline = (await iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? [];
      const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))).AttachedPolicies ?? [];
      const documents: PolicyDocument[] = [];
      for (const PolicyName of inline)
        documents.push(document((await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument));
      for (const { PolicyArn } of attached) {
        const policy = (await iam.send(new GetPolicyCommand({ PolicyArn }))).Policy;
        const version = await iam.send(
          new GetPolicyVersionCommand({ PolicyArn, VersionId: policy?.DefaultVersionId ?? "v1" }),
        );
        documents.push(document(version.PolicyVersion?.Document));
      }
      return documents;
    },

    async secret(secretArn): Promise<DeployedSecret> {
      const [, , , region, account] = secretArn.split(":");
      const sm = inAccount(new SecretsManagerClient(settings(motoUrl, region!)), account!);
      const described = await sm.send(new DescribeSecretCommand({ SecretId: secretArn }));
      const policy = (await sm.send(new GetResourcePolicyCommand({ SecretId: secretArn }))).ResourcePolicy;
      return {
        arn: described.ARN!,
        ...(described.KmsKeyId ? { kmsKeyId: described.KmsKeyId } : {}),
        ...(policy ? { resourcePolicy: JSON.parse(policy) as PolicyDocument } : {}),
        ...(described.VersionIdsToStages ? { versionIdsToStages: described.VersionIdsToStages } : {}),
      };
    },

    async key(keyId, account, region) {
      const kms = inAccount(new KMSClient(settings(motoUrl, region)), account);
      try {
        // An alias or an ARN resolves to the key itself; its policy is asked by the key's id.
        const metadata = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;
        const policy = await kms.send(new GetKeyPolicyCommand({ KeyId: metadata.KeyId!, PolicyName: "default" }));
        return { arn: metadata.Arn!, policy: JSON.parse(policy.Policy ?? "{}") as PolicyDocument };
      } catch (error) {
        if (error instanceof NotFoundException) return undefined;
        throw error;
      }
    },
  };
}
