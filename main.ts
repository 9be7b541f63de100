import * as path from "node:path";
import { environments, type EnvironmentConfig } from "./config/environments";
import { App } from "./constructs/tf";
import { EnvironmentStack } from "./stacks/environment-stack";

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** Where to write the Terraform JSON. @default "cdktf.out" (or what the cdktf CLI says) */
  readonly outdir?: string;
  /** The environments to build. @default every environment in config/environments.ts */
  readonly environments?: Readonly<Record<string, EnvironmentConfig>>;
}

/** The app: one stack per environment. */
export function buildApp(options: BuildAppOptions = {}): App {
  const app = new App({ outdir: options.outdir });
  for (const [name, config] of Object.entries(options.environments ?? environments)) {
    new EnvironmentStack(app, name, { config, projectRoot: __dirname });
  }
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
