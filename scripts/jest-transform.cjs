// Jest transform: esbuild strips TypeScript types (ts-jest cannot load TypeScript 7,
// which has no JS API; `tsc --noEmit` is what checks the types).
"use strict";
const { createHash } = require("node:crypto");
const { transformSync } = require("esbuild");

const OPTIONS = { loader: "ts", format: "cjs", target: "node20", sourcemap: "inline" };

module.exports = {
  process(source, filename) {
    const { code } = transformSync(source, { ...OPTIONS, sourcefile: filename });
    return { code };
  },
  getCacheKey(source, filename) {
    return createHash("sha256").update(JSON.stringify(OPTIONS)).update(filename).update(source).digest("hex");
  },
};
