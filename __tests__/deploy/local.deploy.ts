/**
 * CONTRIBUTING.md's local loop, as a user runs it: `npm run local -- up`, `npm run secrets --
 * set local ...`, `npm run local -- down`, on moto at 127.0.0.1:4566. Each command is taken
 * from the page's block and run as written by bash (`npm run tools` is this suite's precondition).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { loadTools } from "../../cli/real-tools";
import { docBlocks, shellCommands } from "../helpers/doc-blocks";

const ROOT = path.join(__dirname, "..", "..");
const TOKEN = "fake-gh-token-local-loop-3c9d";

const LOOP = docBlocks().filter((b) => b.file === "CONTRIBUTING.md" && b.detail.includes("local.deploy.ts"));

/** The page's command that matches, run as written, with $TOKEN set to the test's value. */
function documented(pattern: RegExp) {
  const commands = LOOP.flatMap((b) => shellCommands(b.body)).filter((c) => pattern.test(c));
  if (commands.length !== 1) throw new Error(`CONTRIBUTING.md's local loop has ${commands.length} commands ${pattern}`);
  const result = spawnSync("bash", ["-euo", "pipefail", "-c", commands[0]!], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", TOKEN },
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

function npm(args: string[], input?: string) {
  const result = spawnSync("npm", ["run", "-s", ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => socket.end(() => resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

beforeAll(() => {
  loadTools(); // says how to get the tools when they are missing
});

afterAll(() => {
  // Whatever happened, leave no moto behind.
  if (fs.existsSync(path.join(ROOT, ".tools", "moto-local.pid"))) npm(["local", "--", "down"]);
});

test("up starts moto on 4566 and applies the local stack, printing how to set each secret", async () => {
  expect(await listening(4566)).toBe(false);
  const up = documented(/npm run local -- up/);
  expect([up.code, up.out]).toEqual([0, expect.stringContaining("Apply complete! Resources: 9 added")]);
  expect(up.out).toContain("npm run secrets -- set local notifier-local github_token");
  expect(await listening(4566)).toBe(true);
});

test("npm run secrets -- set local then status reads it back as set", () => {
  expect(documented(/ set local notifier-local github_token/).code).toBe(0);
  const status = documented(/status local/);
  expect(status.out).toMatch(/notifier-local\s+github_token\s+set\s+v2/);
  expect(status.out).toMatch(/slack_webhook_url\s+placeholder/);
  expect(status.out).not.toContain(TOKEN);
});

test("down destroys the stack and stops moto", async () => {
  const down = documented(/npm run local -- down/);
  expect([down.code, down.out]).toEqual([0, expect.stringContaining("Destroy complete! Resources: 9 destroyed")]);
  expect(down.out).toMatch(/stopped moto/);
  // SIGTERM is asynchronous: give the server a moment to close its socket.
  for (let i = 0; i < 50 && (await listening(4566)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await listening(4566)).toBe(false);
});
