/**
 * The leak guard's expression pass against the real Terraform (or OpenTofu): every expression
 * the unit tests hold the pass to (`__tests__/helpers/expression-cases.ts`) is asked of `console`
 * again, so that a table written by hand cannot drift from what Terraform computes.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTools, type Tools } from "../../cli/real-tools";
import { readTemplate } from "../../constructs/leak-guard/expression";
import { CONSOLE_CASES } from "../helpers/expression-cases";

let tools: Tools;
let dir: string;

beforeAll(() => {
  tools = loadTools();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-console-"));
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** What `console` prints for `jsonencode(expression)`, decoded: the JSON text of Terraform's value. */
function consoleJson(expression: string): string {
  const run = spawnSync(tools.terraform, ["console"], {
    cwd: dir,
    input: `jsonencode(${expression})\n`,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, TF_CLI_CONFIG_FILE: tools.cliConfig, CHECKPOINT_DISABLE: "1", NO_COLOR: "1" },
  });
  if (run.status !== 0) throw new Error(`console exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout.trim()) as string;
}

describe(`the expression pass agrees with ${path.basename(process.env.TERRAFORM_BINARY_NAME ?? "terraform")} console`, () => {
  test.each(CONSOLE_CASES.map((c) => [c.console, c] as const))("%s", (_, c) => {
    const printed = consoleJson(c.console);
    expect(printed).toBe(c.json);
    expect(JSON.stringify(readTemplate(c.template).value)).toBe(printed);
  });
});
