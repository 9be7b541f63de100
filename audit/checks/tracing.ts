/** X-Ray: with tracing on, the function may send its traces and nothing more; with it off, not even that. */
import type { Check } from "./check";
import { functionAsks } from "./context";
import type { FunctionSubject } from "../subjects";

export function tracingChecks(subject: FunctionSubject): Check[] {
  // X-Ray actions have no resource-level permissions: "*" is the only resource they take.
  const ask = functionAsks(subject);
  const xray = (action: string, expected: Check["expected"], describe: string) => ask(describe, expected, action, "*");
  const sent: Check["expected"] = subject.tracingActive ? "allowed" : "denied";
  const mode = subject.tracingActive ? "tracing on" : "tracing off";
  return [
    xray("xray:PutTraceSegments", sent, `xray:PutTraceSegments (${mode})`),
    xray("xray:PutTelemetryRecords", sent, `xray:PutTelemetryRecords (${mode})`),
    xray("xray:BatchGetTraces", "denied", "xray:BatchGetTraces (reading anyone's traces)"),
  ];
}
