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
import { startSsmServer } from "../__tests__/helpers/ssm-server";

const WARM_INVOCATIONS = 100;

type CreateLoader = (secrets: readonly string[]) => { getAll(): Promise<unknown> };

function loaderModule(kind: string): CreateLoader {
  // require, not import: the other loader (and its packages) must not be loaded at all.
  if (kind === "sdk") return (require("./fixtures/sdk-loader") as typeof import("./fixtures/sdk-loader")).createSecretsLoader;
  if (kind === "aws4fetch") return (require("./fixtures/aws4fetch-loader") as typeof import("./fixtures/aws4fetch-loader")).createSecretsLoader;
  if (kind === "current") return (require("../lambda-src/secrets") as typeof import("../lambda-src/secrets")).createSecretsLoader;
  throw new Error(`unknown loader ${kind}: current, aws4fetch or sdk`);
}

async function main(): Promise<void> {
  const createSecretsLoader = loaderModule(process.argv[2] ?? "current");
  const server = await startSsmServer({ region: "eu-west-1" });
  try {
    server.putParameter("/bench/github_token", "bench-fake-token");
    server.putParameter("/bench/slack_webhook_url", "https://example.invalid/bench-fake-hook");
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: server.url,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      GITHUB_TOKEN_PARAM_NAME: "/bench/github_token",
      SLACK_WEBHOOK_URL_PARAM_NAME: "/bench/slack_webhook_url",
    });
    const secrets = createSecretsLoader(["github_token", "slack_webhook_url"]);

    let started = performance.now();
    await secrets.getAll();
    const coldMs = performance.now() - started;
    const coldCalls = server.calls.length;

    started = performance.now();
    for (let i = 0; i < WARM_INVOCATIONS; i++) await secrets.getAll();
    const warmMs = performance.now() - started;

    process.stdout.write(`${JSON.stringify({ ssmCalls: server.calls.length, warmSsmCalls: server.calls.length - coldCalls, coldMs, warmMs })}\n`);
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
