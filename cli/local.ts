/**
 * `npm run local -- up|down|status`: the `local` environment on this machine, without Docker.
 *
 *   up      starts moto's server on 127.0.0.1:4566 (unless something, e.g. LocalStack,
 *           already listens there), synthesizes the `local` stack and applies it
 *   down    destroys the stack and stops the moto server `up` started
 *   status  says whether the endpoint answers and what the stack holds
 *
 * Needs `npm run tools` first (terraform or tofu, the AWS provider mirror, moto).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { environments } from "../config/environments";
import { buildApp } from "../stacks/app";
import { fakeAwsEnvironment, loadTools, pinMirroredProvider, terraform, type Tools } from "./real-tools";
import { findStack, readSynthesis } from "./synthesis";
import { secretTargets } from "./targets";

const ROOT = path.join(__dirname, "..");
const ENV = "local";
const OUTDIR = path.join(ROOT, "cdktf.out");
const STACK_DIR = path.join(OUTDIR, "stacks", ENV);
const PID_FILE = path.join(ROOT, ".tools", "moto-local.pid");
const LOG_FILE = path.join(ROOT, ".tools", "moto-local.log");

const USAGE = `Usage: npm run local -- up|down|status

  up      start moto on ${environments.local.localstackEndpoint} (unless something listens there already,
          e.g. LocalStack), synthesize the local stack into cdktf.out/ and apply it
  down    destroy the local stack and stop the moto server that up started
  status  whether the endpoint answers, and the stack's resources

Run npm run tools once first.
`;

function endpoint(): URL {
  return new URL(environments.local.localstackEndpoint);
}

function listening(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname === "localhost" ? "127.0.0.1" : url.hostname);
    socket.once("connect", () => socket.end(() => resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

async function startMotoInBackground(tools: Tools, url: URL): Promise<void> {
  const log = fs.openSync(LOG_FILE, "a");
  // Detached: it outlives this command, until `down`.
  const child = spawn(tools.motoServer, ["-H", "127.0.0.1", "-p", url.port], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  child.unref();
  fs.writeFileSync(PID_FILE, String(child.pid));
  const deadline = Date.now() + 30_000;
  while (!(await listening(url))) {
    if (Date.now() > deadline) throw new Error(`moto did not start on ${url.origin} within 30 s; see ${LOG_FILE}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function run(tools: Tools, args: string[]): number {
  process.stdout.write(`$ ${path.basename(tools.terraform)} ${args.join(" ")}\n`);
  const result = terraform(tools, STACK_DIR, args, fakeAwsEnvironment(endpoint().origin, path.join(ROOT, ".tools")));
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.code;
}

async function up(tools: Tools): Promise<number> {
  const url = endpoint();
  if (await listening(url)) {
    process.stdout.write(`${url.origin} already answers (LocalStack or an earlier up): using it\n`);
  } else {
    await startMotoInBackground(tools, url);
    process.stdout.write(
      `started moto ${tools.motoVersion} on ${url.origin} (log: ${path.relative(ROOT, LOG_FILE)})\n`,
    );
  }
  buildApp({ outdir: OUTDIR, only: ENV }).synth();
  const edit = pinMirroredProvider(STACK_DIR, tools);
  if (edit) process.stdout.write(`note: ${edit} in cdktf.out/stacks/local (the mirror's build; see npm run tools)\n`);
  const code =
    run(tools, ["init", "-input=false", "-no-color"]) ||
    run(tools, ["apply", "-auto-approve", "-input=false", "-no-color"]);
  if (code !== 0) return code;
  // What the secrets CLI will find: the synthesis's own record, not the configuration.
  const stack = findStack(readSynthesis(OUTDIR, ROOT), ENV);
  process.stdout.write(
    [
      "",
      `The local stack is up on ${url.origin}. Set its secrets (values on stdin, never as arguments; the CLI reads cdktf.out/):`,
      ...secretTargets(stack).map(
        (target) => `  npm run secrets -- set ${ENV} ${target.functionName} ${target.secret}`,
      ),
      `  npm run secrets -- status ${ENV}`,
      "Invoke a function (moto runs Lambda functions in Docker, so only where Docker runs):",
      ...stack.functions.map(
        (fn) => `  aws --endpoint-url ${url.origin} lambda invoke --function-name ${fn.functionName} /dev/stdout`,
      ),
      "Take it down again: npm run local -- down",
      "",
    ].join("\n"),
  );
  return 0;
}

async function down(tools: Tools): Promise<number> {
  let code = 0;
  if (fs.existsSync(path.join(STACK_DIR, "terraform.tfstate")) && (await listening(endpoint()))) {
    code = run(tools, ["destroy", "-auto-approve", "-input=false", "-no-color"]);
  }
  if (fs.existsSync(PID_FILE)) {
    const pid = Number(fs.readFileSync(PID_FILE, "utf8"));
    try {
      process.kill(pid, "SIGTERM");
      process.stdout.write(`stopped moto (pid ${pid})\n`);
    } catch {
      process.stdout.write(`moto (pid ${pid}) was not running\n`);
    }
    fs.rmSync(PID_FILE);
  }
  return code;
}

async function status(tools: Tools): Promise<number> {
  const url = endpoint();
  const answers = await listening(url);
  process.stdout.write(`${url.origin}: ${answers ? "answers" : "nothing listens"}\n`);
  if (!answers || !fs.existsSync(path.join(STACK_DIR, "terraform.tfstate"))) return answers ? 0 : 1;
  return run(tools, ["state", "list"]);
}

async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  const commands: Record<string, (tools: Tools) => Promise<number>> = { up, down, status };
  const action = command === undefined ? undefined : commands[command];
  if (!action) {
    (command === "--help" || command === "-h" ? process.stdout : process.stderr).write(USAGE);
    return command === "--help" || command === "-h" ? 0 : 2;
  }
  return action(loadTools());
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
