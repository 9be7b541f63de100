/**
 * A stand-in for STS on loopback: GetCallerIdentity, in STS's Query protocol (a
 * form-encoded request, an XML answer), as the SDK v3 client speaks it. It says the
 * credentials belong to `accountId` (as moto's MOTO_ACCOUNT_ID does), checks every
 * request's SigV4 signature, and has the shared core's call log, error injection and
 * latency (aws-json-server.ts). Point a client at it with `endpoints.sts` or
 * AWS_ENDPOINT_URL_STS. Always `close()` it.
 */
import { ServiceError, startAwsJsonServer, type AwsJsonServer } from "./aws-json-server";

/** The actions the stand-in understands. */
export type StsAction = "GetCallerIdentity";

/** Options of {@link startStsServer}. */
export interface StsServerOptions {
  /** The account the credentials are of. @default "123456789012" (moto's) */
  readonly accountId?: string;
}

/** A running STS stand-in. */
export interface StsServer extends AwsJsonServer<StsAction> {
  /** The account GetCallerIdentity names from now on. */
  setAccount(accountId: string): void;
}

/** Starts the STS stand-in on 127.0.0.1 on a random free port. */
export async function startStsServer(options: StsServerOptions = {}): Promise<StsServer> {
  let accountId = options.accountId ?? "123456789012";
  const core = await startAwsJsonServer<StsAction>({
    signingName: "sts",
    protocol: { kind: "query", xmlNamespace: "https://sts.amazonaws.com/doc/2011-06-15/" },
    name: "STS",
    internalErrorCode: "InternalFailure",
    handle(action, request, caller) {
      if (action !== "GetCallerIdentity") return undefined;
      if (request.Version !== "2011-06-15")
        throw new ServiceError(
          "InvalidAction",
          `Could not find operation ${action} for version ${String(request.Version)}`,
        );
      return {
        Arn: `arn:aws:iam::${accountId}:user/${caller.accessKeyId}`,
        UserId: `AIDA${caller.accessKeyId.toUpperCase()}`,
        Account: accountId,
      };
    },
  });
  return {
    ...core,
    setAccount(id) {
      accountId = id;
    },
  };
}
