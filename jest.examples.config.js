/**
 * The examples' synth tests (npm run test:examples, after scripts/examples.sh built their
 * code): each example app's main.ts run in-process, its `secure-lambda` import mapped to
 * this repository's constructs/, its synthesized JSON and zips judged.
 * @type {import('jest').Config}
 */
module.exports = {
  ...require("./jest.config.js"),
  roots: ["<rootDir>/__tests__/examples"],
  testMatch: ["**/*.examples.ts"],
  moduleNameMapper: { "^secure-lambda$": "<rootDir>/constructs/index.ts" },
};
