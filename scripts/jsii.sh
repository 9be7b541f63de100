#!/usr/bin/env bash
# npm run jsii: compiles the construct library's public API (constructs/index.ts) with jsii, in a staged copy
# (scripts/jsii-stage.ts), and writes its assembly. Usage: npm run jsii -- [<directory>]   (default: a temporary one)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-}
if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/secure-lambda-jsii-XXXXXX"); trap 'rm -rf "$dir"' EXIT; fi
started=$SECONDS
node -r "$ROOT/scripts/register.cjs" "$ROOT/scripts/jsii-stage.ts" "$dir"
# jsii 6 warns that Node 20 is past its end of life (the machine's Node); it runs.
(cd "$dir" && JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 "$ROOT/node_modules/.bin/jsii" --fail-on-warnings)
echo "jsii: the public API compiled with jsii $("$ROOT/node_modules/.bin/jsii" --version | cut -d' ' -f1) in $((SECONDS - started)) s ($dir/.jsii)"
