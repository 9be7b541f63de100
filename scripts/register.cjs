// Lets `node -r ./scripts/register.cjs file.ts` run TypeScript without ts-node,
// which cannot load TypeScript 7 (no JS API). esbuild only strips types here;
// `tsc --noEmit` is what checks them.
"use strict";
const fs = require("node:fs");
const { transformSync } = require("esbuild");

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, "utf8"), {
    loader: "ts",
    format: "cjs",
    target: "node20",
    sourcefile: filename,
    sourcemap: "inline",
  });
  module._compile(code, filename);
};
