/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // TypeScript 7 has no JS API, so ts-jest cannot run; esbuild strips types (tsc --noEmit checks them).
  transform: { "^.+\\.ts$": "<rootDir>/scripts/jest-transform.cjs" },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // One temporary directory per run, removed at its end (scripts/jest-tmpdir.cjs).
  globalSetup: "<rootDir>/scripts/jest-global-setup.cjs",
  globalTeardown: "<rootDir>/scripts/jest-global-teardown.cjs",
  testTimeout: 60000,
};
