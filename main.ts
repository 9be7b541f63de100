import { environments, type EnvironmentConfig } from "./config/environments";
import { ConfigurationError, ENVIRONMENTS_VARIABLE, selectEnvironments, validateEnvironments } from "./config/validate";
import { SecretLeakError, SecureLambdaValidationError } from "./constructs/errors";
import { App } from "./constructs/tf";
import { formatSynthSummary, summarizeSynth, useColor } from "./cli/synth-summary";
import { EnvironmentStack } from "./stacks/environment-stack";

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** Where to write the Terraform JSON. @default "cdktf.out" (or what the cdktf CLI says) */
  readonly outdir?: string;
  /** The environments to build. @default every environment in config/environments.ts */
  readonly environments?: Readonly<Record<string, EnvironmentConfig>>;
  /** Names of the environments to build, comma-separated (unknown names are an error). @default all */
  readonly only?: string;
}

/**
 * The app: one stack per environment. The configuration is checked first, so a
 * mistake in it is a ConfigurationError naming the environment and field, not a
 * failure somewhere inside synthesis.
 */
export function buildApp(options: BuildAppOptions = {}): App {
  const selected = selectEnvironments(options.environments ?? environments, options.only);
  validateEnvironments(selected);
  const app = new App({ outdir: options.outdir });
  for (const [name, config] of Object.entries(selected)) {
    new EnvironmentStack(app, name, { config, projectRoot: __dirname });
  }
  return app;
}

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
    if (!(error instanceof ConfigurationError || error instanceof SecureLambdaValidationError || error instanceof SecretLeakError)) throw error;
    process.stderr.write(`${error.name}: ${error.message}\n`);
    process.exitCode = 1;
  }
}
