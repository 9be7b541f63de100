// Jest's globalSetup and globalTeardown: every temporary directory a test run makes (bundle
// staging, synth outdirs, ...) goes under one directory of its own, removed at the end.
// Jest ends its workers without an `exit` event, so their own clean-up cannot be relied on.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

module.exports = {
  setup() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-jest-"));
    process.env.SECURE_LAMBDA_JEST_TMPDIR = dir;
    // Workers and the processes tests start inherit it; os.tmpdir() reads TMPDIR.
    process.env.TMPDIR = dir;
  },
  teardown() {
    const dir = process.env.SECURE_LAMBDA_JEST_TMPDIR;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  },
};
