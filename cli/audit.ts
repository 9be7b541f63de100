/**
 * `secure-lambda audit`: the audit (audit/cli.ts) on the app's synthesized output, found as the
 * CLI's other commands find it (`--synthesized <dir>`, else cdktf.json's "output", else cdktf.out).
 *
 * The IAM policy engine it runs, `@cloud-copilot/iam-simulate`, is licensed AGPL-3.0: it is an
 * optional peer dependency, never imported by the constructs or the runtime, and loaded here
 * only once it is known to be installed; when it is not, the command says what to install.
 */
import * as path from "node:path";
import type { CliIo } from "./session";
import { defaultOutput } from "./synthesis";

/** The engine's package, as the command names it when it is missing. */
export const ENGINE = "@cloud-copilot/iam-simulate";

/** Runs `secure-lambda audit <args>` and returns its exit code. */
export async function runAuditCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  if (!engineInstalled(cwd)) {
    io.stderr.write(
      `error: secure-lambda audit needs the IAM policy engine ${ENGINE}, which is not installed.\n` +
        `It is an optional peer dependency (licensed AGPL-3.0-or-later, so it is kept out of the constructs and the\n` +
        `runtime, and never bundled into a function): install it beside secure-lambda to run the audit:\n\n` +
        `  npm install --save-dev ${ENGINE}\n`,
    );
    return 3;
  }
  // Loaded only now: the engine is imported by the audit's modules.
  const { runAuditCli } = require("../audit/program") as typeof import("../audit/program");
  const { readSynthesizedStacks } = require("../audit/terraform-json") as typeof import("../audit/terraform-json");
  const output = defaultOutput(cwd);
  return runAuditCli(argv, io, {
    command: "secure-lambda audit",
    defaultSource: `reads ${output}/ (cdktf.json's "output", else cdktf.out), as the other commands do`,
    read: (synthesized) => readSynthesizedStacks(path.resolve(cwd, synthesized ?? output)),
    scan:
      "the posture scanners (Checkov, Trivy) come with the secure-lambda repository's npm run tools; " +
      "run npm run scan there on this output, or pass --no-scan",
  });
}

function engineInstalled(cwd: string): boolean {
  for (const from of [__dirname, cwd]) {
    try {
      require.resolve(ENGINE, { paths: [from] });
      return true;
    } catch {
      // Not reachable from there.
    }
  }
  return false;
}
