/**
 * One whole-process measurement of the runtime loader: 1 cold and 100 warm invocations
 * against the loopback SSM server. Prints JSON.
 */
import { performance } from "node:perf_hooks";
import { createSecretsLoader } from "../lambda-src/secrets";
import { startSsmServer } from "../__tests__/helpers/ssm-server";

const WARM_INVOCATIONS = 100;

async function main(): Promise<void> {
  const server = await startSsmServer({ region: "eu-west-1" });
  try {
    server.putParameter("/bench/github_token", "bench-fake-token");
    server.putParameter("/bench/slack_webhook_url", "https://example.invalid/bench-fake-hook");
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: server.url,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
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
