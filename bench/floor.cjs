// The floor of a cold path, in this fresh process: one GetParameters request, signed with
// SigV4 by the least code that can (node:crypto) and sent with node:http(s) to the same
// endpoint as the loaders; prints the time since the process started, and exits. Nothing
// is loaded but Node's own modules: no loader can do less.
//
//   AWS_ENDPOINT_URL_SSM=... AWS_REGION=... AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... node bench/floor.cjs /name1 /name2
"use strict";
const started = performance.now();
const { createHash, createHmac } = require("node:crypto");
const env = process.env;
const url = new URL(env.AWS_ENDPOINT_URL_SSM);
const client = require(url.protocol === "http:" ? "node:http" : "node:https");
const body = JSON.stringify({ Names: process.argv.slice(2), WithDecryption: true });
const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, "");
const scope = `${amzDate.slice(0, 8)}/${env.AWS_REGION}/ssm/aws4_request`;
const headers = {
  "content-type": "application/x-amz-json-1.1",
  host: url.host,
  "x-amz-date": amzDate,
  "x-amz-target": "AmazonSSM.GetParameters",
};
const names = Object.keys(headers).sort();
const sha = (text) => createHash("sha256").update(text).digest("hex");
const canonical = ["POST", "/", "", ...names.map((n) => `${n}:${headers[n]}`), "", names.join(";"), sha(body)].join(
  "\n",
);
let key = `AWS4${env.AWS_SECRET_ACCESS_KEY}`;
for (const part of [amzDate.slice(0, 8), env.AWS_REGION, "ssm", "aws4_request"])
  key = createHmac("sha256", key).update(part).digest();
const signature = createHmac("sha256", key)
  .update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha(canonical)}`)
  .digest("hex");
headers.authorization = `AWS4-HMAC-SHA256 Credential=${env.AWS_ACCESS_KEY_ID}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
const request = client.request(
  { hostname: url.hostname, port: url.port, path: "/", method: "POST", headers },
  (response) => {
    let text = "";
    response.on("data", (chunk) => (text += chunk));
    response.on("end", () => {
      const parameters = JSON.parse(text).Parameters;
      if (response.statusCode !== 200 || !Array.isArray(parameters)) {
        process.stderr.write(`answered ${response.statusCode}\n`);
        process.exit(1);
      }
      process.stdout.write(
        `${JSON.stringify({ ms: performance.now(), startMs: started, count: parameters.length })}\n`,
      );
      process.exit(0);
    });
  },
);
request.end(body);
