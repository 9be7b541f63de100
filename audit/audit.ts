/** Runs every check set on every function of the synthesized stacks, and the posture rules on every stack. */
import { CHECK_SETS, type AuditWorld } from "./checks";
import { checkPosture, type PostureFinding, type PostureRule } from "./posture";
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

/** What the posture rules found in one stack. */
export interface StackPosture {
  readonly stack: string;
  readonly results: ReadonlyArray<{ readonly rule: PostureRule; readonly findings: readonly PostureFinding[] }>;
  /** True when no rule that is enforced by default found anything (opt-in rules inform only). */
  readonly ok: boolean;
}

/** Everything one audit run found. */
export interface AuditReport {
  readonly functions: readonly FunctionAudit[];
  /** The posture rules' results, per audited stack. */
  readonly posture: readonly StackPosture[];
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
  const posture = stacks.filter((stack) => only === undefined || only.includes(stack.name)).map(stackPosture);
  return { functions, posture, errors: selectedErrors, ok: selectedErrors.length === 0 && functions.every((f) => f.ok) && posture.every((p) => p.ok) };
}

async function auditFunction(subject: FunctionSubject, world: AuditWorld): Promise<FunctionAudit> {
  const sets = await Promise.all(
    CHECK_SETS.map(async (set) => ({ name: set.name, results: await Promise.all(set.checks(subject, world).map(evaluate)) })),
  );
  const nonEmpty = sets.filter((set) => set.results.length > 0);
  return { subject, sets: nonEmpty, ok: nonEmpty.every((set) => set.results.every((r) => r.ok)) };
}

function stackPosture(stack: SynthesizedStack): StackPosture {
  const results = checkPosture(stack.json);
  return { stack: stack.name, results, ok: results.every(({ rule, findings }) => rule.optIn !== undefined || findings.length === 0) };
}
