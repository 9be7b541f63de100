#!/usr/bin/env bash
# npm run package: the packages a user installs, under dist/<framework>/<language>/, for framework cdktf and cdktn
# (one source: the cdktn flavour is a copy with constructs/tf.ts switched, as check:cdktn makes it) and language
# js (the npm tarball), python (the wheel and sdist), go and java (the sources jsii-pacmak generates; the cdktf Go
# module is built, scripts/package-go.sh says against what; Maven Central here serves no cdktf or cdktn bindings).
# No .NET: no .NET SDK is served here.
# Usage: npm run package [-- <framework>...]   (default: cdktf cdktn)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The versions check:cdktn proves the project on.
CDKTN_VERSION=$(sed -n 's/^CDKTN_VERSION=//p' "$ROOT/scripts/check-cdktn.sh")
CDKTN_AWS_VERSION=$(sed -n 's/^CDKTN_AWS_VERSION=//p' "$ROOT/scripts/check-cdktn.sh")
CONSTRUCTS_VERSION=$(sed -n 's/^CONSTRUCTS_VERSION=//p' "$ROOT/scripts/check-cdktn.sh")
frameworks=("$@")
[ ${#frameworks[@]} -gt 0 ] || frameworks=(cdktf cdktn)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/secure-lambda-package-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS
say() { printf '== %s (%d s)\n' "$1" $((SECONDS - started)); }

# What does not change between runs or checkouts is installed once per machine, keyed by its versions, where npm
# run tools keeps its builds (~/.cache/secure-lambda, SECURE_LAMBDA_CACHE): cdktn's npm packages (480 MB) and each
# framework's Python packages (520 MB installed). Written to a temporary name and renamed, so that two checkouts
# that build at once never see a half-made one.
CACHE=${SECURE_LAMBDA_CACHE:-$HOME/.cache/secure-lambda}
cached() { # <directory> <command...>: runs the command with $made (a new directory) unless <directory> exists
  local final=$1
  shift
  [ -f "$final/.complete" ] && return 0
  made="$final.tmp-$$"
  rm -rf "$made" && mkdir -p "$made"
  "$@"
  touch "$made/.complete"
  mv -T "$made" "$final" 2>/dev/null || rm -rf "$made" # another run made it first
}

install_cdktn() {
  echo '{"private":true}' > "$made/package.json"
  npm install --prefix "$made" --no-audit --no-fund --loglevel=error \
    "cdktn@$CDKTN_VERSION" "@cdktn/provider-aws@$CDKTN_AWS_VERSION" "constructs@$CONSTRUCTS_VERSION" >&2
}

# The tree to stage from: the working tree for cdktf; for cdktn a copy with tf.ts switched and node_modules of the
# project's packages but cdktf's, with cdktn's in their place.
tree_for() {
  local framework=$1
  if [ "$framework" = cdktf ]; then echo "$ROOT"; return; fi
  local deps="$CACHE/npm-cdktn-$CDKTN_VERSION-aws-$CDKTN_AWS_VERSION-constructs-$CONSTRUCTS_VERSION"
  cached "$deps" install_cdktn
  local tree="$WORK/tree-cdktn"
  mkdir -p "$tree/node_modules"
  (cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree")
  sed -i -e 's|from "cdktf";|from "cdktn";|' -e 's|@cdktf/provider-aws|@cdktn/provider-aws|g' "$tree/constructs/tf.ts"
  ln -s "$ROOT/node_modules/.bin" "$tree/node_modules/.bin"
  for entry in "$ROOT"/node_modules/* "$ROOT"/node_modules/@*/*; do
    local name=${entry#"$ROOT/node_modules/"}
    case "$name" in cdktf | cdktf-cli | constructs | @cdktf/* | @*) ;; *) ln -s "$entry" "$tree/node_modules/$name" ;; esac
  done
  for scope in "$ROOT"/node_modules/@*/; do
    scope=$(basename "$scope")
    [ "$scope" = @cdktf ] && continue
    mkdir -p "$tree/node_modules/$scope"
    for entry in "$ROOT/node_modules/$scope"/*; do ln -s "$entry" "$tree/node_modules/$scope/"; done
  done
  for entry in "$deps"/node_modules/* "$deps"/node_modules/@cdktn/*; do
    local name=${entry#"$deps/node_modules/"}
    case "$name" in @cdktn | .bin) continue ;; esac
    [ -e "$tree/node_modules/$name" ] && [ "$name" != constructs ] && continue
    mkdir -p "$(dirname "$tree/node_modules/$name")"
    ln -sfn "$entry" "$tree/node_modules/$name"
  done
  echo "$tree"
}

# The wheel's requirements (its framework, the 59 MB AWS provider wheel, jsii), one per line.
requirements_of() {
  python3 - "$1" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    metadata = next(name for name in wheel.namelist() if name.endswith(".dist-info/METADATA"))
    lines = wheel.read(metadata).decode().splitlines()
print("\n".join(sorted(line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:"))))
PY
}

install_requirements() {
  python3 -m venv "$WORK/pip"
  "$WORK/pip/bin/pip" install --quiet --disable-pip-version-check --target "$made/lib" "${requirements[@]}"
}

# One virtual environment per framework in .package/ (the deploy suite's Python app runs in it too): the package's
# wheel alone, installed again on every run; its requirements, installed once per machine and Python (cached, by
# the wheel's requirements), reached through a .pth file.
smoke_python() {
  local framework=$1 out=$2 venv="$ROOT/.package/venv-$1" module provider shared site
  if [ "$framework" = cdktf ]; then
    module=secure_lambda provider=cdktf_cdktf_provider_aws
  else
    module=secure_lambda_cdktn provider=cdktn_provider_aws
  fi
  mapfile -t requirements < <(requirements_of "$out"/python/*.whl)
  shared="$CACHE/python-$framework-$({ python3 --version; printf '%s\n' "${requirements[@]}"; } | sha256sum | cut -c1-12)"
  cached "$shared" install_requirements
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  if [ "$(cat "$site/secure-lambda-requirements.pth" 2>/dev/null)" != "$shared/lib" ]; then
    # A venv made before (with the requirements in it) or for other requirements: made again, light.
    rm -rf "$venv" && python3 -m venv "$venv"
    echo "$shared/lib" > "$site/secure-lambda-requirements.pth"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$out"/python/*.whl
  "$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$out"/python/*.whl
  mkdir -p "$WORK/smoke-$framework"
  "$venv/bin/python" "$ROOT/scripts/package-smoke.py" "$module" "$framework" "$provider" "$WORK/smoke-$framework" \
    2> >(grep -v '^b\?.\?!!' >&2)
}

# The tarball holds the compiled code, its declarations, the assembly, the runtime loader and the bin, and no
# TypeScript source; its entry points load (the framework from the tree that built it).
smoke_js() {
  local framework=$1 out=$2 tree=$3 unpacked="$WORK/unpacked-$1"
  mkdir -p "$unpacked"
  tar xzf "$out"/js/*.tgz -C "$unpacked"
  ln -s "$tree/node_modules" "$unpacked/node_modules"
  node -e '
    const fs = require("node:fs");
    const path = require("node:path");
    const pkg = path.join(process.argv[1], "package");
    const files = fs.readdirSync(pkg, { recursive: true }).map(String);
    const sources = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    for (const must of [".jsii", "constructs/index.js", "constructs/index.d.ts", "lambda-src/secrets/index.js", "bin/secure-lambda.js"])
      if (!files.includes(must)) throw new Error(`package: the tarball lacks ${must}`);
    if (sources.length > 0) throw new Error(`package: the tarball holds sources: ${sources.slice(0, 3)}`);
    // Loaded from a directory whose node_modules is the tree that built it (its framework).
    fs.symlinkSync(process.argv[2], path.join(pkg, "node_modules"));
    const lib = require(pkg);
    const runtime = require(path.join(pkg, "lambda-src/secrets/index.js"));
    if (typeof lib.SecureLambda !== "function" || typeof runtime.createSecretsLoader !== "function")
      throw new Error("package: the entry points do not load");
  ' "$unpacked" "$tree/node_modules"
  node "$unpacked/package/bin/secure-lambda.js" --help | head -n 1
}

# What checkouts kept here before it moved to the cache.
rm -rf "$ROOT/.package"/cdktn-*
for framework in "${frameworks[@]}"; do
  case "$framework" in cdktf | cdktn) ;; *) echo "package: unknown framework $framework (cdktf, cdktn)" >&2; exit 2 ;; esac
  out="$ROOT/dist/$framework"
  rm -rf "$out"
  mark=$SECONDS
  tree=$(tree_for "$framework")
  stage="$WORK/stage-$framework"
  say "$framework: jsii"
  bash "$tree/scripts/jsii.sh" "$stage"
  say "$framework: jsii-pacmak js and python"
  "$ROOT/node_modules/.bin/jsii-pacmak" --target js --target python --outdir "$out" "$stage"
  say "$framework: jsii-pacmak go and java (sources)"
  "$ROOT/node_modules/.bin/jsii-pacmak" --target go --target java --code-only --outdir "$out" "$stage"
  # gofmt parses every file (a syntax error fails the step) and formats the module as it is published.
  gofmt -e -w "$out/go"
  say "$framework: go build and go vet of the Go module"
  bash "$ROOT/scripts/package-go.sh" "$framework" "$(dirname "$(ls "$out"/go/*/go.mod)")" "$tree"
  say "$framework: the wheel in Python, with $framework and its AWS provider from PyPI"
  smoke_python "$framework" "$out"
  say "$framework: the npm tarball's entry points"
  smoke_js "$framework" "$out" "$tree"
  echo "package: $framework built and checked in $((SECONDS - mark)) s:"
  (cd "$out" && find . -maxdepth 2 -mindepth 2 | sort | sed 's|^\./|  dist/'"$framework"'/|')
done
say "package: done"
