/**
 * One whole-process measurement of a runtime loader: 1 cold and 100 warm invocations
 * against the loopback SSM server (which checks signatures). Prints JSON.
 *
 *   node -r ./scripts/register.cjs bench/loader.ts [current|aws4fetch|sdk]
 *
 * `current` (default) is lambda-src/secrets; `aws4fetch` and `sdk` the loaders it replaced,
 * kept as bench fixtures (bench/fixtures/aws4fetch-loader, bench/fixtures/sdk-loader). Only
 * the chosen one is loaded.
 */
import { performance } from "node:perf_hooks";
import { startBenchSsm } from "./bench-ssm";

const WARM_INVOCATIONS = 100;

type CreateLoader = (secrets: readonly string[]) => { getAll(): Promise<unknown> };

function loaderModule(kind: string): CreateLoader {
  // require, not import: the other loader (and its packages) must not be loaded at all.
  if (kind === "sdk")
    return (require("./fixtures/sdk-loader") as typeof import("./fixtures/sdk-loader")).createSecretsLoader;
  if (kind === "aws4fetch")
    return (require("./fixtures/aws4fetch-loader") as typeof import("./fixtures/aws4fetch-loader")).createSecretsLoader;
  if (kind === "current")
    return (require("../lambda-src/secrets") as typeof import("../lambda-src/secrets")).createSecretsLoader;
  throw new Error(`unknown loader ${kind}: current, aws4fetch or sdk`);
}

async function main(): Promise<void> {
  const createSecretsLoader = loaderModule(process.argv[2] ?? "current");
  const { server, env } = await startBenchSsm();
  try {
    Object.assign(process.env, env);
    const secrets = createSecretsLoader(["github_token", "slack_webhook_url"]);

    let started = performance.now();
    await secrets.getAll();
    const coldMs = performance.now() - started;
    const coldCalls = server.calls.length;

    started = performance.now();
    for (let i = 0; i < WARM_INVOCATIONS; i++) await secrets.getAll();
    const warmMs = performance.now() - started;

    process.stdout.write(
      `${JSON.stringify({ ssmCalls: server.calls.length, warmSsmCalls: server.calls.length - coldCalls, coldMs, warmMs })}\n`,
    );
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
