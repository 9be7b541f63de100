// Runs a Lambda bundle the way the Node.js runtime does, in this (child) process:
// loads index.js once (the cold start), then invokes the handler N times in a row
// (warm invocations). Invoke errors are printed to stderr as the runtime logs them, so
// a test can check that nothing secret is printed. Results go to the parent over IPC.
//
// Usage (through child_process.fork): lambda-runner.cjs <bundleDir> <handlerExport> <invocations>
"use strict";
const path = require("node:path");
const { inspect } = require("node:util");

async function main() {
  const [bundleDir, handlerExport, count] = process.argv.slice(2);
  const handler = require(path.join(bundleDir, "index.js"))[handlerExport];
  if (typeof handler !== "function") throw new Error(`${handlerExport} is not exported by the bundle`);
  const results = [];
  for (let i = 0; i < Number(count); i++) {
    const context = {
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      awsRequestId: `req-${i}`,
      getRemainingTimeInMillis: () => 10000,
    };
    try {
      results.push({ ok: true, value: await handler({}, context) });
    } catch (error) {
      console.error("Invoke Error", inspect(error, { depth: 10, showHidden: true }));
      results.push({ ok: false, errorType: error?.name, errorMessage: error?.message, errorProperties: { ...error } });
    }
  }
  process.send({ results }, () => process.exit(0));
}

main().catch((error) => {
  console.error("Init Error", inspect(error, { depth: 10, showHidden: true }));
  process.send({ initError: String(error?.name) }, () => process.exit(1));
});
