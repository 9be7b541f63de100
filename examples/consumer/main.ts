import * as path from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktf";
import { SecureLambda } from "secure-lambda";

// An app of its own, with its own cdktf: secure-lambda uses it (peer dependency).
const app = new App();
const stack = new TerraformStack(app, "consumer");
new AwsProvider(stack, "aws", { region: "eu-west-1" });

new SecureLambda(stack, "reporter", {
  functionName: "consumer-reporter",
  // Absolute: a relative entry would be resolved against the directory synth runs in.
  entry: path.join(__dirname, "src", "handler.ts"),
  secrets: ["github_token"],
  environment: { GITHUB_API_URL: "https://api.github.com" },
});

app.synth();
