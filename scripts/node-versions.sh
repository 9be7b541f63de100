#!/usr/bin/env bash
# npm run test:node-versions: the runtime loader's tests (unit, end-to-end, faults, the storm), the
# secrets CLI's tests, the cold-path benchmark and the storm benchmark on every Node.js major a
# function built by the construct runs on (Lambda's nodejs22.x and nodejs24.x), besides the
# machine's Node, which `npm test` covers.
#
# Each Node is the registry's `node` package at a pinned version (it installs the official
# build for this platform as a `node` binary), installed once into
# ~/.cache/secure-lambda/node/<version> (SECURE_LAMBDA_CACHE) by this script: a second run only
# checks. `--only 22` runs one of them. Each step prints how long it took.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${SECURE_LAMBDA_CACHE:-$HOME/.cache/secure-lambda}
# The newest release of each major the registry's `node` package serves (npm view node@22 version).
NODE_VERSIONS=(22.23.3 24.21.0)
# The runtime loader's and the CLI's test files (jest path patterns).
TESTS=("__tests__/secrets-" "__tests__/loader-settings.test.ts")

only=""
if [ "${1:-}" = "--only" ]; then only=${2:?--only needs a major, e.g. 22}; fi
[ -f "$ROOT/node_modules/jest/bin/jest.js" ] || { echo "test:node-versions: run npm ci first" >&2; exit 1; }

summary=()
timed() { # timed <label> <command...>: runs it, prints and remembers how long it took
  local label=$1 start
  shift
  start=$(date +%s%N)
  "$@"
  local ms=$(( ($(date +%s%N) - start) / 1000000 ))
  summary+=("$(printf '%-50s %6d.%01d s' "$label" $((ms / 1000)) $(((ms % 1000) / 100)))")
}

install_node() { # install_node <version>: prints the directory holding its `node`
  local version=$1 dir="$CACHE/node/$1"
  if [ "$("$dir/node_modules/.bin/node" --version 2>/dev/null || true)" != "v$version" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    # The package's preinstall fetches the platform's build (node-<os>-<arch>): approved for this version only.
    printf '{"private":true,"dependencies":{"node":"%s"},"allowScripts":{"node@%s":true}}\n' "$version" "$version" \
      >"$dir/package.json"
    (cd "$dir" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2)
    local got
    got=$("$dir/node_modules/.bin/node" --version 2>/dev/null || true)
    [ "$got" = "v$version" ] || { echo "test:node-versions: node@$version installed \"$got\", not v$version" >&2; exit 1; }
  fi
  echo "$dir/node_modules/.bin"
}

cd "$ROOT"
for version in "${NODE_VERSIONS[@]}"; do
  major=${version%%.*}
  [ -z "$only" ] || [ "$only" = "$major" ] || continue
  printf '\n== Node %s\n' "$version"
  timed "node $version: install (or check)" install_node "$version" >/dev/null
  bin=$(install_node "$version")
  # Every `node` the suites start (the CLI's processes, the bundles' child processes, jest's workers) is this one.
  export PATH="$bin:$PATH"
  [ "$(node --version)" = "v$version" ] || { echo "test:node-versions: PATH does not lead to node $version" >&2; exit 1; }
  timed "node $version: loader and CLI tests" node node_modules/jest/bin/jest.js --silent "${TESTS[@]}"
  timed "node $version: cold-path benchmark" node -r ./scripts/register.cjs bench/cold-path-current.ts
  for n in 200 400; do
    timed "node $version: storm benchmark, $n cold starts" node -r ./scripts/register.cjs bench/storm.ts current "$n"
  done
  PATH=${PATH#"$bin:"}
done

printf '\n== test:node-versions: times\n'
printf '   %s\n' "${summary[@]}"
