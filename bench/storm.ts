/**
 * A cold-start storm: N loaders start at once in this process, each with a cache of its
 * own (a cold execution environment), against a loopback SSM that enforces SSM's default
 * throughput (a token bucket of 40, refilled at 40 a second, answering ThrottlingException
 * beyond it). Prints JSON: how many got their secrets, the p50 and p99 time to secrets of
 * those that did, and what the others failed with.
 *
 *   node -r ./scripts/register.cjs bench/storm.ts <current|previous|aws4fetch|sdk> <N>
 *
 * `current` is lambda-src/secrets with the 9 s budget the construct gives a 10 s function;
 * `previous` is the same loader with the retry policy it had before (bench/fixtures/
 * previous-retry-policy.ts); `aws4fetch` and `sdk` are the loaders it replaced (bench/fixtures).
 * Each loader is given its own `send`: its own cache and retry policy, a cold execution
 * environment that cannot talk to the others. All N share one event loop and one machine with
 * the stand-in, as N functions share an account's quota.
 */
import { SSMClient } from "@aws-sdk/client-ssm";
import { startBenchSsm } from "./bench-ssm";

const TRANSACTIONS_PER_SECOND = 40;
const BUDGET_MS = 9000;

type Loader = { getAll(): Promise<unknown> };

function loaderFactory(kind: string): () => Loader {
  const secrets = ["github_token", "slack_webhook_url"];
  if (kind === "current") {
    const { createSecretsLoader } = require("../lambda-src/secrets") as typeof import("../lambda-src/secrets");
    const { sendHttp } = require("../lambda-src/secrets/http-send") as typeof import("../lambda-src/secrets/http-send");
    return () => createSecretsLoader(secrets, { send: sendHttp, timeoutMs: BUDGET_MS });
  }
  if (kind === "previous") {
    const { loaderWithRetry } =
      require("../lambda-src/secrets/loader") as typeof import("../lambda-src/secrets/loader");
    const { sendHttp } = require("../lambda-src/secrets/http-send") as typeof import("../lambda-src/secrets/http-send");
    const { previousRetry } =
      require("./fixtures/previous-retry-policy") as typeof import("./fixtures/previous-retry-policy");
    return () => loaderWithRetry(secrets, { send: sendHttp, timeoutMs: BUDGET_MS }, previousRetry());
  }
  if (kind === "aws4fetch") {
    const { createSecretsLoader } =
      require("./fixtures/aws4fetch-loader") as typeof import("./fixtures/aws4fetch-loader");
    return () => createSecretsLoader(secrets, { fetch: (url, init) => fetch(url, init) });
  }
  if (kind === "sdk") {
    const { createSecretsLoader } = require("./fixtures/sdk-loader") as typeof import("./fixtures/sdk-loader");
    // One client each: an execution environment's own connections and retry quota.
    return () => createSecretsLoader(secrets, { client: new SSMClient({}) });
  }
  throw new Error(`unknown loader ${kind}: current, previous, aws4fetch or sdk`);
}

function percentile(sorted: readonly number[], p: number): number | undefined {
  return sorted.length === 0
    ? undefined
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const [kind = "current", count = "200"] = process.argv.slice(2);
  const n = Number(count);
  const { server, env } = await startBenchSsm();
  try {
    Object.assign(process.env, env);
    const create = loaderFactory(kind);
    const loaders = Array.from({ length: n }, create);
    server.setThroughput({ perSecond: TRANSACTIONS_PER_SECOND, burst: TRANSACTIONS_PER_SECOND });
    const started = performance.now();
    const outcomes = await Promise.all(
      loaders.map((loader) =>
        loader.getAll().then(
          () => ({ ms: performance.now() - started }),
          (error: unknown) => ({ error: (error as Error).name }),
        ),
      ),
    );
    const served = outcomes.flatMap((o) => ("ms" in o ? [o.ms] : [])).sort((a, b) => a - b);
    const errors: Record<string, number> = {};
    for (const o of outcomes) if ("error" in o) errors[o.error] = (errors[o.error] ?? 0) + 1;
    process.stdout.write(
      `${JSON.stringify({ kind, n, served: served.length, p50Ms: percentile(served, 50), p99Ms: percentile(served, 99), lastMs: served.at(-1), errors, calls: server.calls.length })}\n`,
    );
  } finally {
    await server.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
