#!/usr/bin/env bash
# npm run package's Go step: `go build ./...` and `go vet ./...` of the Go module jsii-pacmak generated, in a copy
# (the module in dist/ stays as it is published). What the Go module proxy serves and refuses here (2026-12-05):
# - cdktf: github.com/hashicorp/terraform-cdk-go/cdktf v0.21.0 is served (by exact version; its version list is
#   refused, 403), as are github.com/aws/constructs-go/constructs/v10 and github.com/aws/jsii-runtime-go;
#   github.com/cdktf/cdktf-provider-aws-go/aws/v21 is refused (403, for v21.22.1 and v21.0.0). So the build takes
#   the AWS provider's Go bindings from jsii-pacmak, generated from the assembly (.jsii) of the @cdktf/provider-aws
#   the project installs: the source its published Go module is generated from. Generated once per provider
#   version into ~/.cache/secure-lambda (SECURE_LAMBDA_CACHE), as npm run tools caches its builds.
# - cdktn: github.com/open-constructs/cdk-terrain-go/cdktn (v0.24.0, v0.23.0) and
#   github.com/cdktn-io/cdktn-provider-aws-go/aws/v25 (v25.7.0) are refused (403): the cdktn module is not built.
# Usage: bash scripts/package-go.sh <framework> <directory of the generated module> <tree the package was built from>
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
framework=$1 module=$2 tree=$3
CACHE=${SECURE_LAMBDA_CACHE:-$HOME/.cache/secure-lambda}
if [ "$framework" != cdktf ]; then
  echo "package: go: the $framework module is not built: the Go module proxy refuses $framework's Go bindings (see scripts/package-go.sh)"
  exit 0
fi
provider="$tree/node_modules/@cdktf/provider-aws"
version=$(node -p "require('$provider/package.json').version")
# The module path jsii-pacmak gives the provider's Go package: moduleName/packageName/v<major>.
path=$(node -p "const {moduleName, packageName} = require('$provider/package.json').jsii.targets.go; \`\${moduleName}/\${packageName}/v\${'$version'.split('.')[0]}\`")
bindings="$CACHE/provider-aws-go-$version"
if [ ! -f "$bindings/done" ]; then
  echo "package: go: generating the Go bindings of @cdktf/provider-aws $version with jsii-pacmak (once; a few minutes)"
  rm -rf "$bindings" && mkdir -p "$bindings"
  JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 "$ROOT/node_modules/.bin/jsii-pacmak" --target go --code-only \
    --outdir "$bindings" "$provider" 2> >(grep -v '^!!' >&2)
  touch "$bindings/done"
fi
build=$(mktemp -d "${TMPDIR:-/tmp}/secure-lambda-go-XXXXXX")
trap 'rm -rf "$build"' EXIT
cp -r "$module/." "$build"
cd "$build"
grep -qE "^\s*$path v$version$" go.mod || { echo "package: go: the module does not require $path v$version" >&2; exit 1; }
go mod edit -replace "$path=$bindings/go/$(basename "$(dirname "$path")")"
go mod tidy
go build ./...
go vet ./...
echo "package: go: $(head -n 1 go.mod | cut -d' ' -f2) builds and vets, with $(go list -m all | grep -c .) modules"
