// Lets `node -r ./scripts/register.cjs file.ts` run TypeScript without ts-node,
// which cannot load TypeScript 7 (no JS API). esbuild only strips types here;
// `tsc --noEmit` is what checks them.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { transformSync } = require("esbuild");

let redacting = false;

// esbuild's failure quotes the source around a syntax error (`Expected "}" but found "<token>"`)
// and carries the whole line (`lineText`): a token next to a typo would reach the CI log. The
// error is replaced by one that says where and what, every credential format and random-looking
// run replaced by its length and kind, the same redaction as the leak guard's (issue 31).
function redacted(text) {
  if (!redacting) {
    redacting = true;
    try {
      return require(path.join(__dirname, "..", "common", "token-formats.ts")).redactText(text);
    } catch {
      // The redaction's own module cannot load: withhold every quoted part instead.
    } finally {
      redacting = false;
    }
  }
  return text.replace(/"[^"\n]*"/g, '"(withheld)"');
}

function loadFailure(filename, error) {
  const errors = Array.isArray(error?.errors) && error.errors.length > 0 ? error.errors : undefined;
  const details = errors
    ? errors
        .slice(0, 5)
        .map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text))
        .join("; ")
    : String(error?.message || error);
  return new Error(`cannot load ${filename}: ${redacted(details)}`);
}

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  let code;
  try {
    ({ code } = transformSync(fs.readFileSync(filename, "utf8"), {
      loader: "ts",
      format: "cjs",
      target: "node20",
      sourcefile: filename,
      sourcemap: "inline",
    }));
  } catch (error) {
    throw loadFailure(filename, error);
  }
  module._compile(code, filename);
};
