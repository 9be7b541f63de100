/**
 * The cold path against its floor, in fresh processes side by side: for each bundle given,
 * `pairs` pairs of (a) bench/floor.cjs, one bare signed node:http(s) request, and (b)
 * bench/cold-read.cjs, which loads the bundle and makes its first read; both against the
 * same loopback SSM (which verifies every signature), with the minimal environment Lambda
 * gives a function. Which of a pair goes first alternates. Prints JSON: per bundle, the
 * medians of the time to secrets (from process start) and of the pairs' ratios.
 *
 *   node -r ./scripts/register.cjs bench/cold-path.ts <pairs> <name>=<bundle/index.js> ...
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { BENCH_PARAMETERS, startBenchSsm } from "./bench-ssm";
import { median } from "./measure";

/** Runs one fresh `node` and returns what it printed as JSON. */
function run(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; loadMs?: number; readMs?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout.trim().split("\n").pop()!));
      else reject(new Error(`node ${args.join(" ")} exited ${code}: ${stderr.slice(-1000)}`));
    });
  });
}

async function main(): Promise<void> {
  const [pairsArg, ...bundles] = process.argv.slice(2);
  const pairs = Number(pairsArg);
  const { server, env: ssmEnv } = await startBenchSsm();
  try {
    // What Lambda gives a function, and the construct's variables: nothing else.
    const env = {
      ...ssmEnv,
      PATH: process.env.PATH,
      AWS_SESSION_TOKEN: "bench-session-token",
      AWS_LAMBDA_FUNCTION_NAME: "bench",
      SECRETS_LOADER_TIMEOUT_MS: "9000",
    };
    const floor = [path.join(__dirname, "floor.cjs"), ...BENCH_PARAMETERS];
    const results: Record<string, unknown> = {};
    for (const entry of bundles) {
      const [name, bundle] = entry.split("=") as [string, string];
      const cold = [path.join(__dirname, "cold-read.cjs"), bundle];
      const measured: { floor: number; cold: number; loadMs: number; readMs: number }[] = [];
      for (let i = 0; i < pairs; i++) {
        const first = i % 2 === 0 ? floor : cold;
        const a = await run(first, env);
        const b = await run(first === floor ? cold : floor, env);
        const [f, c] = first === floor ? [a, b] : [b, a];
        measured.push({ floor: f.ms, cold: c.ms, loadMs: c.loadMs ?? 0, readMs: c.readMs ?? 0 });
      }
      results[name] = {
        floorMs: median(measured.map((m) => m.floor)),
        coldMs: median(measured.map((m) => m.cold)),
        loadMs: median(measured.map((m) => m.loadMs)),
        readMs: median(measured.map((m) => m.readMs)),
        ratio: median(measured.map((m) => m.cold / m.floor)),
      };
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = 1;
});
