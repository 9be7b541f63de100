/**
 * What a scan reports: one result per check and resource, from Checkov, Trivy or one of
 * the project's own posture rules, in one shape so that one table and one skip list serve
 * all three.
 */

/** Who ran a check. `secure-lambda` is a rule of `audit/posture/rules/`: no scanner has it. */
export type Scanner = "checkov" | "trivy" | "secure-lambda";

/** One check on one resource. */
export interface ScanResult {
  readonly scanner: Scanner;
  /** The check id: `CKV_AWS_7`, `AVD-AWS-0065`, or a posture rule's file name. */
  readonly id: string;
  /**
   * Terraform address (`aws_kms_key.notifier-dev_Key_598EB60E`), or the stack's name when a rule judged the stack as a
   * whole.
   */
  readonly resource: string;
  readonly result: "passed" | "failed";
  /** What the check wants, in the scanner's words. */
  readonly title: string;
}

/** A failed result the skip list accepts, with the skip's reason. */
export interface SkippedResult extends ScanResult {
  readonly reason: string;
}

/** A stack the scanners could not read fully: never a pass. */
export class ScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScanError";
  }
}
