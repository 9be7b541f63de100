#!/usr/bin/env bash
# Shows that a change is a pure refactor: synthesizes every environment and every program of the README and docs/
# at <ref> and in the working tree, and compares the outputs file by file (the Terraform JSON, the manifest, the
# function's zip).
# Usage: npm run check:synth-identical -- <ref>   (exits 0 when every file is byte-identical, 1 with the diff)
set -euo pipefail
ref=${1:?usage: npm run check:synth-identical -- <git ref>}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() { git -C "$ROOT" worktree remove --force "$work/ref" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
git -C "$ROOT" worktree add --detach --quiet "$work/ref" "$ref"
# The same installed packages for both sides: what is compared is the project's own code.
ln -s "$ROOT/node_modules" "$work/ref/node_modules"
# main.ts exports buildApp at every commit that has it (stacks/app.ts since the code-shape change).
synth() { (cd "$1" && node -r "$ROOT/scripts/register.cjs" -e \
  "require('./main.ts').buildApp({ outdir: process.argv[1] }).synth()" "$2" >/dev/null); }
mkdir -p "$work/before" "$work/after"
synth "$work/ref" "$work/before/app"
synth "$ROOT" "$work/after/app"
# The documentation's programs (the README walkthrough's main.ts, every `synth` block), each tree with its own
# documentation and sources, built as npm test's docs test builds them.
docs() { node -r "$ROOT/scripts/register.cjs" "$ROOT/scripts/synth-docs.ts" "$1" "$2" "$work/docs-app"; }
docs "$work/ref" "$work/before/docs"
docs "$ROOT" "$work/after/docs"
if diff -r "$work/before" "$work/after"; then
  echo "synth-identical: every file of every environment's and every documentation program's synthesis is byte-identical to $ref ($(find "$work/after" -type f | wc -l) files)"
else
  echo "synth-identical: the synthesis differs from $ref (above)" >&2
  exit 1
fi
