/**
 * Where the scanners read the stacks: a temporary directory with one folder per stack and
 * scanner, so that one process of each scanner covers every stack and each result's file
 * says which stack it belongs to.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { SynthesizedStack } from "../terraform-json";
import { checkovReadable } from "./checkov";

/** The files of one stack, as each scanner reads it. */
export interface StackFiles {
  readonly stack: string;
  readonly json: SynthesizedStack["json"];
  /** `<root>/checkov/<stack>/cdk.tf.json`: the copy Checkov can parse (see {@link checkovReadable}). */
  readonly checkovFile: string;
  /** `<root>/trivy/stacks/<stack>/cdk.tf.json`: the stack exactly as synthesized. */
  readonly trivyFile: string;
}

/** A scan's working directory; `remove()` deletes it. */
export interface ScanWorkdir {
  readonly checkovRoot: string;
  readonly trivyRoot: string;
  readonly files: readonly StackFiles[];
  remove(): void;
}

/** Writes every stack for both scanners into a new temporary directory. */
export function writeScanWorkdir(stacks: readonly SynthesizedStack[]): ScanWorkdir {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-scan-"));
  const checkovRoot = path.join(root, "checkov");
  const trivyRoot = path.join(root, "trivy");
  const files = stacks.map((stack) => {
    const checkovFile = path.join(checkovRoot, stack.name, "cdk.tf.json");
    // Under stacks/: Trivy skips a top-level folder named like a system one ("dev", "proc", "sys").
    const trivyFile = path.join(trivyRoot, "stacks", stack.name, "cdk.tf.json");
    fs.mkdirSync(path.dirname(checkovFile), { recursive: true });
    fs.mkdirSync(path.dirname(trivyFile), { recursive: true });
    fs.writeFileSync(checkovFile, JSON.stringify(checkovReadable(stack.json), null, 2));
    fs.writeFileSync(trivyFile, JSON.stringify(stack.json, null, 2));
    return { stack: stack.name, json: stack.json, checkovFile, trivyFile };
  });
  return { checkovRoot, trivyRoot, files, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}
