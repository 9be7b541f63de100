// One cold path, in this fresh process: load the bundle given (as the Lambda runtime loads a
// handler), make its first read, print the time since the process started, and exit (a
// keep-alive socket must not hold the process open).
//
//   node bench/cold-read.cjs <bundle/index.js>
"use strict";
const loadStarted = performance.now();
const { handler } = require(process.argv[2]);
const loaded = performance.now();
handler().then(
  (count) => {
    const done = performance.now();
    process.stdout.write(
      `${JSON.stringify({ ms: done, startMs: loadStarted, loadMs: loaded - loadStarted, readMs: done - loaded, count })}\n`,
    );
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`${error?.name}: ${error?.message}\n`);
    process.exit(1);
  },
);
