/** Runs every check set on every function of the synthesized stacks (posture is the scan's: `audit/scan/`). */
import { type AccessReport, analyseAccess } from "./access/analysis";
import { type AppPolicies, appReferences, gatherApp } from "./access/app-policies";
import { type Unread, unreadGrants } from "./access/fail-closed";
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
  /** Who the app's policies let in beyond the intended readers (audit/access/). */
  readonly access: AccessReport;
  /** Resources that could grant access and that the analysis does not read: each fails the audit. */
  readonly unread: readonly Unread[];
  readonly ok: boolean;
}

/**
 * Audits the functions of the stacks named in `only` (every stack when absent). Every
 * stack's functions are known to the others' checks: a function is probed against its
 * neighbours' parameters and log groups, also across environments.
 */
export async function auditStacks(stacks: readonly SynthesizedStack[], only?: readonly string[]): Promise<AuditReport> {
  const errors: Array<{ stack: string; message: string }> = [];
  const references = appReferences(stacks);
  const byStack = new Map<string, FunctionSubject[]>();
  for (const stack of stacks) {
    try {
      byStack.set(stack.name, functionSubjects(stack, references.get(stack.name)));
    } catch (error) {
      if (!(error instanceof AuditError)) throw error;
      errors.push({ stack: stack.name, message: error.message });
    }
  }
  // Every policy of every stack: one that cannot be read fails the whole audit, as it may reach any function.
  let app: AppPolicies | undefined;
  let appError: { stack: string; message: string } | undefined;
  try {
    app = gatherApp(stacks, references);
  } catch (error) {
    if (!(error instanceof AuditError)) throw error;
    appError = {
      stack: stacks.find((s) => error.message.startsWith(`${s.name}: `))?.name ?? APP,
      message: error.message,
    };
  }
  const all = [...byStack.values()].flat().map((subject) => (app ? withAppPolicies(subject, app) : subject));
  const world: AuditWorld = { functions: all };
  const audited = world.functions.filter((subject) => only === undefined || only.includes(subject.target.stack));
  const functions = await Promise.all(audited.map((subject) => auditFunction(subject, world)));
  const access = app ? await analyseAccess(audited, app) : { findings: [], requests: 0 };
  const unread = app ? unreadGrants(stacks, all, app) : [];
  const selectedErrors = errors.filter((error) => only === undefined || only.includes(error.stack));
  // Without every policy of the app there is no analysis: that fails every audit, of any stack. A stack whose
  // own functions the unreadable policy reaches already says why.
  if (appError && !selectedErrors.some((error) => error.stack === appError.stack)) selectedErrors.push(appError);
  return {
    functions,
    errors: selectedErrors,
    access,
    unread,
    ok:
      selectedErrors.length === 0 &&
      functions.every((f) => f.ok) &&
      access.findings.length === 0 &&
      unread.length === 0,
  };
}

/** How the errors of the app as a whole (a policy no stack's function owns) are reported. */
const APP = "(the app)";

/** The subject with every policy that reaches its role from any stack of the app (another stack may attach one). */
function withAppPolicies(subject: FunctionSubject, app: AppPolicies): FunctionSubject {
  const role = app.identities.find((identity) => identity.kind === "role" && identity.arn === subject.role.arn);
  if (!role) return subject;
  return {
    ...subject,
    role: {
      ...subject.role,
      policies: role.policies.map((source) => ({ name: source.address, document: source.document })),
    },
  };
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
