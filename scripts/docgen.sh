#!/usr/bin/env bash
# npm run docgen: writes API.md, the API reference jsii-docgen renders from the construct library's jsii assembly
# (the renderer Construct Hub uses for a package's API page), in TypeScript. The assembly is the one npm run jsii
# builds from the current source; jsii.test.ts passes the one it has just built and fails when API.md differs.
# Usage: npm run docgen [-- <assembly directory> [<output file>]]   (default: a new assembly, API.md at the root)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-}
out=$(realpath -m "${2:-$ROOT/API.md}")
if [ -z "$dir" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/secure-lambda-docgen-XXXXXX")
  trap 'rm -rf "$dir"' EXIT
  bash "$ROOT/scripts/jsii.sh" "$dir" >/dev/null
fi
[ -f "$dir/.jsii" ] || { echo "docgen: no jsii assembly in $dir (npm run jsii -- $dir writes one)" >&2; exit 2; }
# jsii-docgen reads the assembly of the package in its working directory, and its dependencies' from node_modules.
(cd "$dir" && "$ROOT/node_modules/.bin/jsii-docgen" --language typescript --output "$out")
