/** Runs every check set on every function of the synthesized stacks (posture is the scan's: `audit/scan/`). */
import { CHECK_SETS, type AuditWorld } from "./checks";
import { evaluate, type CheckResult } from "./simulate";
import { functionSubjects, type FunctionSubject } from "./subjects";
import { AuditError, type SynthesizedStack } from "./terraform-json";

/** The results of one function, by check set. */
export interface FunctionAudit {
  readonly subject: FunctionSubject;
  readonly sets: ReadonlyArray<{ readonly name: string; readonly results: readonly CheckResult[] }>;
  /** True when every result is the expectation. */
  readonly ok: boolean;
}

/** Everything one audit run found. */
export interface AuditReport {
  readonly functions: readonly FunctionAudit[];
  /** Stacks the audit could not evaluate, and why. */
  readonly errors: ReadonlyArray<{ readonly stack: string; readonly message: string }>;
  readonly ok: boolean;
}

/**
 * Audits the functions of the stacks named in `only` (every stack when absent). Every
 * stack's functions are known to the others' checks: a function is probed against its
 * neighbours' parameters and log groups, also across environments.
 */
export async function auditStacks(stacks: readonly SynthesizedStack[], only?: readonly string[]): Promise<AuditReport> {
  const errors: Array<{ stack: string; message: string }> = [];
  const byStack = new Map<string, FunctionSubject[]>();
  for (const stack of stacks) {
    try {
      byStack.set(stack.name, functionSubjects(stack));
    } catch (error) {
      if (!(error instanceof AuditError)) throw error;
      errors.push({ stack: stack.name, message: error.message });
    }
  }
  const world: AuditWorld = { functions: [...byStack.values()].flat() };
  const audited = world.functions.filter((subject) => only === undefined || only.includes(subject.target.stack));
  const functions = await Promise.all(audited.map((subject) => auditFunction(subject, world)));
  const selectedErrors = errors.filter((error) => only === undefined || only.includes(error.stack));
  return { functions, errors: selectedErrors, ok: selectedErrors.length === 0 && functions.every((f) => f.ok) };
}

async function auditFunction(subject: FunctionSubject, world: AuditWorld): Promise<FunctionAudit> {
  const sets = await Promise.all(
    CHECK_SETS.map(async (set) => ({
      name: set.name,
      results: await Promise.all(set.checks(subject, world).map(evaluate)),
    })),
  );
  const nonEmpty = sets.filter((set) => set.results.length > 0);
  return { subject, sets: nonEmpty, ok: nonEmpty.every((set) => set.results.every((r) => r.ok)) };
}
