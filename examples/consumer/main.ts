import * as path from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktf";
import { SecureLambda } from "secure-lambda";

// An app of its own, with its own cdktf: secure-lambda uses it (peer dependency).
const app = new App();
const stack = new TerraformStack(app, "consumer");
// Tags on every resource: the deploy policy (`secure-lambda audit --deployer`) scopes keys by them.
new AwsProvider(stack, "aws", { region: "eu-west-1", defaultTags: [{ tags: { app: "consumer" } }] });

// Parameter Store, under a path of the team's own: /consumer/reporter/github_token.
new SecureLambda(stack, "reporter", {
  functionName: "consumer-reporter",
  // Absolute: a relative entry would be resolved against the directory synth runs in.
  entry: path.join(__dirname, "src", "reporter.ts"),
  secrets: ["github_token"],
  parameterPrefix: "/consumer/reporter",
  environment: { GITHUB_API_URL: "https://api.github.com" },
});

// Secrets Manager: one secret, consumer-signer/secrets, holding a JSON key per secret.
new SecureLambda(stack, "signer", {
  functionName: "consumer-signer",
  entry: path.join(__dirname, "src", "signer.ts"),
  secrets: ["signing_key"],
  store: "secretsmanager",
});

app.synth();
