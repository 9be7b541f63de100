#!/usr/bin/env bash
# The function's code in build/, the directory SecureLambda zips at synth: seed 002's function
# (examples/sns-python/function/app.py) and its dependencies (Powertools, jmespath,
# typing-extensions; boto3 is Lambda's), as examples/sns-python's `npm run build` does.
set -euo pipefail
cd "$(dirname "$0")"
FUNCTION=../sns-python/function
rm -rf build
PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
  --target build -r "$FUNCTION/requirements.txt"
rm -rf build/bin
cp "$FUNCTION/app.py" build/
