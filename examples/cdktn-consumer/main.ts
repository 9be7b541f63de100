import * as path from "node:path";
import { AwsProvider } from "@cdktn/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktn";
import { SecureLambda } from "secure-lambda-cdktn";

// An app on CDK Terrain (cdktn), with cdktn's AWS provider: it installs the cdktn flavour of the package,
// secure-lambda-cdktn, whose peers are cdktn's (the cdktf flavour's would mix two frameworks' types).
const app = new App();
const stack = new TerraformStack(app, "cdktn-consumer");
new AwsProvider(stack, "aws", { region: "eu-west-1" });

// Parameter Store: /cdktn-consumer-reporter/github_token, its value set out of band with the package's CLI.
new SecureLambda(stack, "reporter", {
  functionName: "cdktn-consumer-reporter",
  // Absolute: a relative entry would be resolved against the directory synth runs in.
  entry: path.join(__dirname, "src", "reporter.ts"),
  secrets: ["github_token"],
});

app.synth();
