#!/usr/bin/env bash
# npm run tools: makes sure a real deploy can run on this machine, offline but for the
# package registries, and writes .tools/env.sh (source it) and .tools/tools.json.
#
#   terraform or tofu  an existing `terraform` or `tofu` >= 1.11 on PATH, else OpenTofu
#                      built from the Go module proxy (or always: SECURE_LAMBDA_BUILD_TOFU=1)
#   aws provider       built from the Go module proxy into a filesystem mirror
#   moto_server        pinned moto[server] in a virtual environment
#   checkov            pinned Checkov in a virtual environment (the posture scan)
#   trivy              Trivy built from the Go module proxy (the posture scan; its checks
#                      are compiled in, so it never downloads a rule bundle)
#
# Everything is cached under ~/.cache/secure-lambda (SECURE_LAMBDA_CACHE), keyed by
# version: a second run only checks. Each step prints what it did and how long it took.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/scripts/tools"
CACHE=${SECURE_LAMBDA_CACHE:-$HOME/.cache/secure-lambda}
OUT="$ROOT/.tools"

OPENTOFU_VERSION=1.11.5
MIN_TERRAFORM=1.11.0
MOTO_VERSION=5.2.5
CHECKOV_VERSION=3.3.30
TRIVY_VERSION=0.74.0
# The provider versions the synthesized stacks require (required_providers), from constructs/aws-provider-version.ts.
[ -f "$ROOT/node_modules/esbuild/package.json" ] || { echo "npm run tools: run npm ci first (the provider range is read from constructs/aws-provider-version.ts)" >&2; exit 1; }
AWS_REQUIRED=$(node -r "$ROOT/scripts/register.cjs" -p 'require(process.argv[1] + "/constructs/aws-provider-version.ts").AWS_PROVIDER_CONSTRAINT' "$ROOT")
# The provider versions this script can build: version -> Go module version, and the
# wrapper module (scripts/tools/aws-provider) that pins it with its go.sum.
AWS_BUILDABLE_VERSION=6.48.0-dev
AWS_BUILDABLE_MODULE=v1.60.1-0.20260602190131-5f2286d6d836
AWS_MODULE=github.com/hashicorp/terraform-provider-aws

for needed in go python3 curl node; do
  command -v "$needed" >/dev/null || { echo "npm run tools: $needed is not on PATH; it needs Go (the Go module proxy), Python 3 with venv and pip (PyPI), curl and Node.js" >&2; exit 1; }
done

# readonly: the wrapper modules' go.sum pin every module; no VCS stamp for a wrapper module.
export CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false"
mkdir -p "$CACHE" "$OUT/bin"
started=$(date +%s)

step() { # step <name>: prints a heading and remembers when it started
  step_name=$1
  step_start=$(date +%s%N)
  printf '\n== %s\n' "$step_name"
}
done_step() { # done_step <what happened>
  local ms=$(( ($(date +%s%N) - step_start) / 1000000 ))
  printf '   %s (%d.%01d s)\n' "$1" $((ms / 1000)) $(((ms % 1000) / 100))
  summary+=("$(printf '%-34s %-44s %6d.%01d s' "$step_name" "$1" $((ms / 1000)) $(((ms % 1000) / 100)))")
}
summary=()

version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

proxy() { # the first proxy of GOPROXY, for a version list
  local first=${GOPROXY:-$(go env GOPROXY)}
  first=${first%%,*}
  echo "${first%%|*}"
}

# --- Terraform or OpenTofu ---------------------------------------------------------------
step "terraform or tofu >= $MIN_TERRAFORM"
TERRAFORM=""
# SECURE_LAMBDA_BUILD_TOFU=1 skips the binaries on PATH: the OpenTofu build, as a machine without them gets it.
candidates="terraform tofu"
[ "${SECURE_LAMBDA_BUILD_TOFU:-}" = 1 ] && candidates=""
for candidate in $candidates; do
  path=$(command -v "$candidate" || true)
  [ -n "$path" ] || continue
  found=$("$path" version -json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).terraform_version)}catch{console.log("")}})')
  if [ -n "$found" ] && version_at_least "$found" "$MIN_TERRAFORM"; then
    TERRAFORM=$path
    TERRAFORM_VERSION=$found
    done_step "using $candidate $found on PATH ($path)"
    break
  fi
  echo "   $candidate $found on PATH is older than $MIN_TERRAFORM (write-only arguments); not used"
done
if [ -z "$TERRAFORM" ]; then
  tofu_dir="$CACHE/opentofu-$OPENTOFU_VERSION"
  if [ ! -x "$tofu_dir/tofu" ]; then
    echo "   building OpenTofu $OPENTOFU_VERSION from the Go module proxy (scripts/tools/opentofu)"
    mkdir -p "$tofu_dir"
    go build -C "$HERE/opentofu" -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
      -o "$tofu_dir/tofu.partial" github.com/opentofu/opentofu/cmd/tofu
    mv "$tofu_dir/tofu.partial" "$tofu_dir/tofu"
    what="built OpenTofu $OPENTOFU_VERSION"
  else
    what="OpenTofu $OPENTOFU_VERSION cached"
  fi
  ln -sf "$tofu_dir/tofu" "$OUT/bin/tofu"
  TERRAFORM="$OUT/bin/tofu"
  TERRAFORM_VERSION=$OPENTOFU_VERSION
  done_step "$what ($tofu_dir/tofu)"
fi

# --- The AWS provider ----------------------------------------------------------------------
step "terraform-provider-aws"
# Go accepts v2+ provider releases only as pseudo-versions of their tagged commit; the
# proxy's list says which it serves. Said every run, so nobody mistakes the fallback.
listed=$(curl -fsS -m 60 "$(proxy)/$AWS_MODULE/@v/list" 2>/dev/null | tr '\n' ' ' || true)
echo "   the stacks require aws $AWS_REQUIRED; the Go module proxy serves no build of a release tag in it:"
echo "   it lists for $AWS_MODULE only: ${listed:-nothing (unreachable?)}"
echo "   it uses $AWS_BUILDABLE_VERSION ($AWS_BUILDABLE_MODULE, the one 6.x commit served), a prerelease"
echo "   Terraform matches only by an exact constraint: the deploy suite pins it in the stacks it applies"
echo "   (its one edit of the JSON, named; a test shows its release number lies inside the range)"
aws_version=$AWS_BUILDABLE_VERSION
mirror="$CACHE/mirror"
binary="terraform-provider-aws_v${aws_version}_x5"
tf_dir="$mirror/registry.terraform.io/hashicorp/aws/$aws_version/linux_amd64"
tofu_mirror_dir="$mirror/registry.opentofu.org/hashicorp/aws/$aws_version/linux_amd64"
if [ ! -x "$tf_dir/$binary" ]; then
  echo "   building from the Go module proxy (scripts/tools/aws-provider; the first build takes long)"
  mkdir -p "$tf_dir"
  go build -C "$HERE/aws-provider" -trimpath -ldflags "-s -w -X $AWS_MODULE/version.ProviderVersion=$aws_version" \
    -o "$tf_dir/$binary.partial" "$AWS_MODULE"
  mv "$tf_dir/$binary.partial" "$tf_dir/$binary"
  what="built aws $aws_version"
else
  what="aws $aws_version cached"
fi
# The same binary for OpenTofu, whose registry host differs.
mkdir -p "$tofu_mirror_dir"
ln -f "$tf_dir/$binary" "$tofu_mirror_dir/$binary" 2>/dev/null || cp "$tf_dir/$binary" "$tofu_mirror_dir/$binary"
done_step "$what in $mirror"

# --- Python tools, each in its own virtual environment -------------------------------------
pip_tool() { # pip_tool <name> <version> <pip requirement> <command>: installs once, links <command> into .tools/bin
  step "$1 $2"
  local venv="$CACHE/$1-$2" what
  if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$3"
    touch "$venv/.complete"
    what="installed into $venv"
  else
    what="cached in $venv"
  fi
  ln -sf "$venv/bin/$4" "$OUT/bin/$4"
  done_step "$what"
}
# moto plays the AWS API for the deploy suite; Checkov is one of the posture scan's scanners.
pip_tool moto "$MOTO_VERSION" "moto[server]==$MOTO_VERSION" moto_server
pip_tool checkov "$CHECKOV_VERSION" "checkov==$CHECKOV_VERSION" checkov

# --- Trivy ---------------------------------------------------------------------------------
step "trivy $TRIVY_VERSION"
trivy_dir="$CACHE/trivy-$TRIVY_VERSION"
if [ ! -x "$trivy_dir/trivy" ]; then
  echo "   building Trivy $TRIVY_VERSION from the Go module proxy (scripts/tools/trivy; about 8 minutes on 2 cores)"
  mkdir -p "$trivy_dir"
  # Trivy uses encoding/json/v2, which Go 1.26 builds only under this experiment (Trivy's own release builds set it).
  GOEXPERIMENT=jsonv2 go build -C "$HERE/trivy" -trimpath -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=$TRIVY_VERSION" \
    -o "$trivy_dir/trivy.partial" github.com/aquasecurity/trivy/cmd/trivy
  mv "$trivy_dir/trivy.partial" "$trivy_dir/trivy"
  what="built Trivy $TRIVY_VERSION"
else
  what="Trivy $TRIVY_VERSION cached"
fi
ln -sf "$trivy_dir/trivy" "$OUT/bin/trivy"
done_step "$what ($trivy_dir/trivy)"

# --- CLI configuration and environment -----------------------------------------------------
step "write .tools/"
cat >"$OUT/terraform.rc" <<EOF
# Written by npm run tools: providers come from the local mirror only (no registry here).
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*", "registry.opentofu.org/hashicorp/*"]
  }
}
disable_checkpoint = true
EOF
cat >"$OUT/env.sh" <<EOF
# Written by npm run tools; source it: . .tools/env.sh
export PATH="$OUT/bin:\$PATH"
export TF_CLI_CONFIG_FILE="$OUT/terraform.rc"
export CHECKPOINT_DISABLE=1
# The binary the cdktf CLI and the deploy tests run.
export TERRAFORM_BINARY_NAME="$TERRAFORM"
export SECURE_LAMBDA_AWS_PROVIDER="$aws_version"
EOF
# awsProviderPinned: what the stacks require (the range), under the name the deploy helpers read.
node -e 'const [out, ...kv] = process.argv.slice(1); const o = {}; for (let i = 0; i < kv.length; i += 2) o[kv[i]] = kv[i + 1]; require("fs").writeFileSync(out, JSON.stringify(o, null, 2) + "\n")' \
  "$OUT/tools.json" terraform "$TERRAFORM" terraformVersion "$TERRAFORM_VERSION" cliConfig "$OUT/terraform.rc" \
  awsProvider "$aws_version" awsProviderPinned "$AWS_REQUIRED" motoServer "$OUT/bin/moto_server" motoVersion "$MOTO_VERSION" \
  checkov "$OUT/bin/checkov" checkovVersion "$CHECKOV_VERSION" trivy "$OUT/bin/trivy" trivyVersion "$TRIVY_VERSION"
done_step "env.sh, tools.json, terraform.rc"

printf '\n%s\n' "npm run tools: done in $(( $(date +%s) - started )) s"
printf '  %s\n' "${summary[@]}"
