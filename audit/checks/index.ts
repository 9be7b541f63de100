/** The check sets, each a list of requests with what they must come to. Add a set here to run it. */
import type { Check } from "./check";
import type { AuditWorld } from "./context";
import { beyondChecks } from "./beyond";
import { deadLetterChecks } from "./dead-letter";
import { environmentChecks } from "./environment";
import { externalSecretChecks } from "./external-secrets";
import { invokeChecks } from "./invoke";
import { keyChecks } from "./key";
import { logChecks } from "./logs";
import { parameterChecks } from "./parameters";
import { scheduleChecks } from "./schedule";
import { secretsManagerChecks } from "./secrets-manager";
import { tracingChecks } from "./tracing";
import { vpcChecks } from "./vpc";
import { trustChecks } from "./trust";
import type { FunctionSubject } from "../subjects";

export type { Check, AuditRequest, Expectation } from "./check";
export type { AuditWorld } from "./context";

/** A named group of checks, as the report shows it. */
export interface CheckSet {
  readonly name: string;
  checks(subject: FunctionSubject, world: AuditWorld): Check[];
}

export const CHECK_SETS: readonly CheckSet[] = [
  { name: "secrets (SSM)", checks: parameterChecks },
  { name: "secrets (Secrets Manager)", checks: secretsManagerChecks },
  { name: "secrets of others (external)", checks: externalSecretChecks },
  { name: "key", checks: keyChecks },
  { name: "environment", checks: environmentChecks },
  { name: "logs", checks: logChecks },
  { name: "tracing", checks: tracingChecks },
  { name: "dead letters", checks: deadLetterChecks },
  { name: "network (VPC)", checks: vpcChecks },
  { name: "trust", checks: trustChecks },
  { name: "invoke", checks: invokeChecks },
  { name: "invoke (schedule)", checks: scheduleChecks },
  { name: "nothing else", checks: beyondChecks },
];
