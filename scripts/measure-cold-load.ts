/**
 * Size and cold-load time of a Lambda bundle: the median wall time of fresh `node`
 * processes that only `require()` it, next to that of a bare `node`, in pairs, and the
 * median ratio of the pairs.
 *
 *   node -r ./scripts/register.cjs scripts/measure-cold-load.ts [bundle dir or index.js] [pairs]
 *
 * Without a path it bundles lambda-src/notifier.ts exactly as SecureLambda does by
 * default (esbuild, minified, node22). Prints one JSON line.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { coldLoad } from "../bench/measure";
import { DEFAULT_RUNTIME, NODE_BUNDLE_TARGETS } from "../constructs/runtimes";
import { bundle } from "../constructs/bundling";

function bundleFile(arg: string | undefined): string {
  if (!arg)
    return path.join(
      bundle({
        entry: path.resolve(__dirname, "../lambda-src/notifier.ts"),
        target: NODE_BUNDLE_TARGETS[DEFAULT_RUNTIME],
        minify: true,
      }).dir,
      "index.js",
    );
  const resolved = path.resolve(arg);
  return fs.statSync(resolved).isDirectory() ? path.join(resolved, "index.js") : resolved;
}

const file = bundleFile(process.argv[2]);
const pairs = Number(process.argv[3] ?? 15);
const { nodeAloneMs, coldLoadMs, ratio } = coldLoad(file, pairs);
process.stdout.write(
  `${JSON.stringify({ file, bytes: fs.statSync(file).size, pairs, coldLoadMs: Math.round(coldLoadMs), nodeAloneMs: Math.round(nodeAloneMs), bundleMs: Math.round(coldLoadMs - nodeAloneMs), ratio: Number(ratio.toFixed(3)) })}\n`,
);
