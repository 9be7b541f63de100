import * as path from "node:path";
import { environments, type EnvironmentConfig } from "../config/environments";
import { selectEnvironments, validateEnvironments } from "../config/validate";
import { App } from "../constructs/tf";
import { EnvironmentStack } from "./environment-stack";

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
    new EnvironmentStack(app, name, { config, projectRoot: path.join(__dirname, "..") });
  }
  return app;
}
