#!/usr/bin/env bash
# npm run check:cdktn: the project on CDK Terrain (cdktn), the continuation of CDKTF, in a
# temporary copy; the project itself stays on cdktf. Installs the cdktn packages, switches
# the one import point (constructs/tf.ts), and checks that nothing else imports cdktf, that
# it type-checks, that its public API compiles with jsii as the cdktn flavour, that every environment synthesizes to the same Terraform JSON as with
# cdktf (but for the differences listed), that the unit tests pass and that the audit and the
# posture scan do (the scanners are the ones `npm run tools` installed for the project).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CDKTN_VERSION=0.24.0
CDKTN_AWS_VERSION=25.7.0
# cdktn 0.24 asks for constructs >=10.6.0 <10.8.0; the project runs 10.8.
CONSTRUCTS_VERSION=10.7.0
export CHECKPOINT_DISABLE=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/secure-lambda-cdktn-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS
say() { printf '\n== %s (%d s)\n' "$1" $((SECONDS - started)); }

say "copy the working tree"
(cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$WORK")
# The scanners' paths (npm run tools): the audit runs the posture scan.
if [ -f "$ROOT/.tools/tools.json" ]; then mkdir -p "$WORK/.tools" && cp "$ROOT/.tools/tools.json" "$WORK/.tools/"; fi

cd "$WORK"
say "install the project's lock, then cdktn $CDKTN_VERSION, @cdktn/provider-aws $CDKTN_AWS_VERSION, constructs $CONSTRUCTS_VERSION"
npm ci --no-audit --no-fund --loglevel=error
npm install --no-save --no-audit --no-fund --loglevel=error "cdktn@$CDKTN_VERSION" "@cdktn/provider-aws@$CDKTN_AWS_VERSION" "constructs@$CONSTRUCTS_VERSION"
# Nothing may still reach cdktf: an import the switch missed must fail, not fall back.
rm -rf node_modules/cdktf node_modules/@cdktf/provider-aws

say "switch constructs/tf.ts to cdktn"
sed -i -e 's|from "cdktf";|from "cdktn";|' -e 's|@cdktf/provider-aws|@cdktn/provider-aws|g' constructs/tf.ts
# Import statements only (a message may name the package). Left out, as they are about cdktf
# itself: examples/ (apps of their own, with their own cdktf) and the fixture of a second
# cdktf copy, with the two tests below that use them, and the documentation's test, whose
# programs are users' apps that import cdktf (the project's npm test runs it).
CDKTF_ONLY_TESTS="consumer\.test\.ts|two-cdktf-copies\.test\.ts|docs\.test\.ts"
if grep -rnE --include=*.ts --exclude-dir=node_modules --exclude-dir=examples --exclude=other-cdktf-copy.ts \
  "(from|import|require\()[[:space:]]*[\"'](cdktf|@cdktf/provider-aws)(/[^\"']*)?[\"']" .; then
  echo "check:cdktn: the files above import cdktf outside constructs/tf.ts" >&2
  exit 1
fi

say "type-check"
npx tsc --noEmit -p .

say "the public API with jsii, as the cdktn flavour (secure-lambda-cdktn)"
bash scripts/jsii.sh "$WORK/jsii"
node -e '
  const fs = require("node:fs");
  const manifest = JSON.parse(fs.readFileSync(process.argv[1] + "/package.json", "utf8"));
  const assembly = JSON.parse(fs.readFileSync(process.argv[1] + "/.jsii", "utf8"));
  const deps = Object.keys(assembly.dependencies).sort().join(" ");
  if (manifest.name !== "secure-lambda-cdktn" || deps !== "@cdktn/provider-aws cdktn constructs") {
    console.error(`check:cdktn: the jsii flavour is ${manifest.name} on ${deps}`);
    process.exit(1);
  }' "$WORK/jsii"

say "synthesize every environment with cdktn, and with cdktf in the project"
CDKTF_OUTDIR="$WORK/out-cdktn" npm run -s synth
(cd "$ROOT" && CDKTF_OUTDIR="$WORK/out-cdktf" npm run -s synth)

say "compare the syntheses"
node -r ./scripts/register.cjs scripts/compare-synth.ts "$WORK/out-cdktf" "$WORK/out-cdktn"

say "unit tests on cdktn"
# The package's own tests against consumers with their copy of cdktf (its peer dependency) stay in the project.
npx jest --ci --testPathIgnorePatterns "$CDKTF_ONLY_TESTS"

say "audit and posture scan of the cdktn synthesis"
npm run -s audit -- --synthesized "$WORK/out-cdktn" | tail -n 5

say "check:cdktn passed (cdktn $CDKTN_VERSION, @cdktn/provider-aws $CDKTN_AWS_VERSION)"
