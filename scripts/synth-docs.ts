/**
 * Synthesizes the documentation's TypeScript programs of one tree (the README walkthrough's `main.ts` and every
 * `synth` block of the README and docs/), as npm test's docs test builds them: an app directory holding the
 * blocks, with `secure-lambda` resolved to that tree's sources; and the consumer example (examples/consumer) in
 * the same app. check:synth-identical runs it on two trees.
 *
 * Usage: node -r ./scripts/register.cjs scripts/synth-docs.ts <tree> <outdir> <appdir>   (one outdir per program)
 * The app directory is made and removed again; pass the same one for both trees, since the local backend's state
 * path in the synthesized JSON names it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { docBlocks, fileOf, makeDocsApp } from "../__tests__/helpers/doc-blocks";

const ROOT = path.resolve(__dirname, "..");
const [tree, outdir, app] = process.argv.slice(2).map((arg) => path.resolve(arg));
if (!tree || !outdir || !app) throw new Error("usage: synth-docs.ts <tree> <outdir> <appdir>");
fs.mkdirSync(outdir, { recursive: true });

fs.rmSync(app, { recursive: true, force: true });
fs.mkdirSync(app, { recursive: true });
makeDocsApp(app, tree);

const programs: string[] = [];
for (const block of docBlocks(tree)) {
  const file =
    block.kind === "walkthrough"
      ? fileOf(block)
      : block.kind === "synth" && block.lang === "ts"
        ? `${path.basename(block.file, ".md")}-${block.line}.ts`
        : undefined;
  if (file === undefined) continue;
  fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
  fs.writeFileSync(path.join(app, file), `${block.body}\n`);
  if (block.kind === "synth" || file === "main.ts") programs.push(file);
}

const consumer = path.join(tree, "examples", "consumer");
if (fs.existsSync(path.join(consumer, "main.ts"))) {
  fs.cpSync(consumer, path.join(app, "consumer"), {
    recursive: true,
    filter: (file) => !/(^|\/)(node_modules|cdktf\.out)$/.test(file),
  });
  programs.push(path.join("consumer", "main.ts"));
}

try {
  for (const file of programs) {
    const run = spawnSync(process.execPath, ["-r", path.join(ROOT, "scripts", "register.cjs"), path.join(app, file)], {
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, CDKTF_OUTDIR: path.join(outdir, file.replace(/\.ts$/, "").replace(/\//g, "-")) },
    });
    if (run.status !== 0) throw new Error(`synth-docs: ${file} of ${tree} exited ${run.status}\n${run.stderr}`);
  }
  console.log(`synth-docs: ${programs.length} programs of ${tree}`);
} finally {
  fs.rmSync(app, { recursive: true, force: true });
}
