/**
 * The real-deploy suite (npm run test:deploy): real Terraform or OpenTofu, the real AWS
 * provider and moto, as `npm run tools` prepared them. Separate from `npm test`: it takes
 * minutes and needs the tools.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__/deploy"],
  testMatch: ["**/*.deploy.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/scripts/jest-transform.cjs" },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // An apply against moto takes tens of seconds; a whole suite a few minutes.
  testTimeout: 600000,
  // Each step of a deploy is a test: the log shows which passed.
  verbose: true,
  // Each suite starts its own moto; two at a time on two cores.
  maxWorkers: 2,
};
