/**
 * The deploy policy held against what real runs did: every IAM request a recorded call
 * makes (analyzed by api-calls.ts) must be allowed by the policy, and every action the
 * policy allows must have been asked for by some run. The deploy suite records the runs;
 * this module judges them with the same policy engine as the audit.
 */
import type { Check } from "../checks/check";
import { References } from "../references";
import { evaluate } from "../simulate";
import { resourcesOf, type SynthesizedStack } from "../terraform-json";
import { analyzeCalls, type AnalyzedCall, type IamRequest, type RecordedRequest } from "./api-calls";
import type { DeployerPolicy } from "./policy";

/** A request a run made that the policy does not allow. */
export interface DeniedRequest {
  /** The recorded call it belongs to (`lambda:CreateFunction`), and its place in the recording. */
  readonly operation: string;
  readonly seq: number;
  readonly request: IamRequest;
  /** What the engine said, when it could not evaluate the request. */
  readonly error?: string;
}

/** How the policy compares with the runs. */
export interface ObservedComparison {
  readonly calls: readonly AnalyzedCall[];
  readonly denied: readonly DeniedRequest[];
  /** Actions the policy allows that no recorded call asked for, sorted. */
  readonly unexercised: readonly string[];
}

/** Compares `policy` (of `stack`) with the requests of `recorded` runs. */
export async function compareWithRuns(
  policy: DeployerPolicy,
  stack: SynthesizedStack,
  recorded: readonly RecordedRequest[],
): Promise<ObservedComparison> {
  const calls = analyzeCalls(recorded, policy.target);
  const t = policy.target;
  const principal = `arn:${t.partition}:iam::${t.accountId}:role/secure-lambda-deployer-${policy.stack}`;
  const keyPolicy = firstKeyPolicy(stack, policy);
  // The same request is made many times (every refresh reads every resource): judge each once.
  const unique = new Map<string, { operation: string; seq: number; request: IamRequest }>();
  for (const call of calls) {
    for (const request of call.requests) {
      const id = JSON.stringify([request.action, request.resource, Object.entries(request.context).sort()]);
      if (!unique.has(id)) unique.set(id, { operation: call.operation, seq: call.recorded.seq, request });
    }
  }
  const judged = await Promise.all(
    [...unique.values()].map(async (entry) => {
      const check: Check = {
        describe: `${entry.operation}: ${entry.request.action} on ${entry.request.resource}`,
        expected: "allowed",
        request: {
          principal,
          action: entry.request.action,
          resource: entry.request.resource,
          resourceAccount: t.accountId,
          context: entry.request.context,
        },
        identityPolicies: [{ name: `secure-lambda-deployer-${policy.stack}`, document: policy.document }],
        resourcePolicy:
          entry.request.action.startsWith("kms:") && entry.request.resource !== "*" ? keyPolicy : undefined,
      };
      const result = await evaluate(check);
      return { ...entry, ok: result.ok, error: result.error };
    }),
  );
  const denied = judged
    .filter((j) => !j.ok)
    .map(({ operation, seq, request, error }) => ({ operation, seq, request, ...(error ? { error } : {}) }));
  const asked = new Set(calls.flatMap((c) => c.requests.map((r) => r.action)));
  const granted = new Set(policy.document.Statement.flatMap((s) => s.Action));
  const unexercised = [...granted].filter((action) => !asked.has(action)).sort();
  return { calls, denied, unexercised };
}

// The key policy the stack gives its keys: KMS asks it as well as IAM (it delegates to IAM).
function firstKeyPolicy(stack: SynthesizedStack, policy: DeployerPolicy): Check["resourcePolicy"] {
  const [address, body] = resourcesOf(stack.json, "aws_kms_key")[0] ?? [];
  if (!address || typeof body?.policy !== "string") return undefined;
  return JSON.parse(new References(stack.json, policy.target).resolve(body.policy, `${address}.policy`));
}
