/**
 * The cold path of the current loader against its floor on the Node.js running this script,
 * the bundle built for the target of the Lambda runtime of that Node.js major (node22 for
 * nodejs22.x, node24 for nodejs24.x; the default runtime's on any other Node): what
 * `npm run test:node-versions` runs on each Node a function runs on. Prints one line; the
 * figure judged against its target is `npm run bench`'s, on an idle machine.
 *
 *   node -r ./scripts/register.cjs bench/cold-path-current.ts [pairs]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_RUNTIME, isNodeRuntime, NODE_BUNDLE_TARGETS } from "../constructs/runtimes";
import { ms, timeProcess } from "./measure";
import { bundleWithLoader } from "./runtime";

const ROOT = path.join(__dirname, "..");
const pairs = Number(process.argv[2] ?? 7);
const runtime = `nodejs${process.versions.node.split(".")[0]}.x`;
const target = NODE_BUNDLE_TARGETS[isNodeRuntime(runtime) ? runtime : DEFAULT_RUNTIME];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cold-path-current-"));
try {
  const file = bundleWithLoader(
    path.join(__dirname, "fixtures", "cold-read.ts"),
    "../../lambda-src/secrets",
    path.join(ROOT, "lambda-src", "secrets"),
    dir,
    target,
  );
  const run = timeProcess(
    process.execPath,
    [
      "-r",
      path.join(ROOT, "scripts", "register.cjs"),
      path.join(__dirname, "cold-path.ts"),
      String(pairs),
      `current=${file}`,
    ],
    { cwd: ROOT },
  );
  const r = (
    JSON.parse(run.stdout.trim().split("\n").pop()!) as Record<
      string,
      { floorMs: number; coldMs: number; ratio: number }
    >
  ).current!;
  process.stdout.write(
    `cold path on Node ${process.version}, bundle target ${target}: ${ms(r.coldMs)} vs floor ${ms(r.floorMs)}, ` +
      `${r.ratio.toFixed(2)}x (median of ${pairs} pairs)\n`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
