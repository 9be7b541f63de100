#!/usr/bin/env bash
# The examples' code (npm run test:examples): each example's own `build` compiles or installs
# what its function deploys into its build/ directory (the directory SecureLambda zips at
# synth), its own `test` runs the function's unit tests (Go, Python), and then the examples'
# synth tests (jest.examples.config.js) judge what each app synthesizes.
set -euo pipefail
cd "$(dirname "$0")/.."
for example in scheduled-go sns-python; do
  (cd "examples/$example" && npm run --silent build && npm run --silent test)
done
npx jest --config jest.examples.config.js
