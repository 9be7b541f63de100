/**
 * The record `SecureLambda.grantSecretsRead` leaves in its stack's `"//".metadata` for the
 * audit: which function's secrets each declared reader reads. Names only; Terraform ignores it.
 * Like `cli-record.ts`, free of cdktf and AWS SDK imports: the construct writes it, the audit reads it.
 */

/** The key of the record in a stack's `"//".metadata`. */
export const READERS_RECORD_KEY = "secureLambdaReaders";

/** One declared reader: the function and the grantee (an ARN, or a reference to a role's ARN). */
export interface ReaderRecord {
  readonly constructPath: string;
  readonly functionName: string;
  readonly grantee: string;
}
