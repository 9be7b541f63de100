import { ConfigurationError, ENVIRONMENTS_VARIABLE } from "./config/validate";
import { SecretLeakError, SecureLambdaValidationError } from "./constructs/errors";
import { formatSynthSummary, summarizeSynth, useColor } from "./cli/synth-summary";
import { buildApp } from "./stacks/app";

// The app (stacks/app.ts) lives beside the stacks, so the CLI's `npm run local` builds it
// without importing this entry point; the tests import it from here or from there.
export { buildApp, type BuildAppOptions } from "./stacks/app";

if (require.main === module) {
  try {
    // `cdktf synth` builds every stack; SECURE_LAMBDA_ENVIRONMENTS=dev,prod builds only those.
    const app = buildApp({ only: process.env[ENVIRONMENTS_VARIABLE] });
    app.synth();
    // What was written, and the warnings cdktf keeps only in manifest.json (a key from SecretsKey.fromKeyArn, ...).
    const { stdout, stderr } = formatSynthSummary(summarizeSynth(app.outdir), useColor(process.stderr));
    process.stdout.write(stdout);
    process.stderr.write(stderr);
  } catch (error) {
    // A user's mistake gets its message, not a stack trace through cdktf internals.
    if (
      !(
        error instanceof ConfigurationError ||
        error instanceof SecureLambdaValidationError ||
        error instanceof SecretLeakError
      )
    )
      throw error;
    process.stderr.write(`${error.name}: ${error.message}\n`);
    process.exitCode = 1;
  }
}
