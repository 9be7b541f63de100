/**
 * The posture-scan suite (npm run test:scan): the real Checkov and Trivy, as `npm run
 * tools` installed them, on the example app and on copies of it broken on purpose.
 * Separate from `npm test`: it needs the tools.
 * @type {import('jest').Config}
 */
module.exports = {
  ...require("./jest.config.js"),
  roots: ["<rootDir>/__tests__/scan"],
  testMatch: ["**/*.scan.ts"],
  testTimeout: 300000,
  verbose: true,
};
