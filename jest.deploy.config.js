/**
 * The real-deploy suite (npm run test:deploy): real Terraform or OpenTofu, the real AWS
 * provider and moto, as `npm run tools` prepared them. Separate from `npm test`: it takes
 * minutes and needs the tools.
 * @type {import('jest').Config}
 */
module.exports = {
  ...require("./jest.config.js"),
  roots: ["<rootDir>/__tests__/deploy"],
  testMatch: ["**/*.deploy.ts"],
  // An apply against moto takes tens of seconds; a whole suite a few minutes.
  testTimeout: 600000,
  // Each step of a deploy is a test: the log shows which passed.
  verbose: true,
  // Each suite starts its own moto. The suites mostly wait (the provider polls moto, e.g.
  // about two minutes for an SQS queue's deletion), so all four run at once even on two cores.
  maxWorkers: 4,
};
