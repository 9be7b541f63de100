import * as path from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktf";
import { SecureLambda } from "secure-lambda";

// The scheduled notifier: a Go function, run by EventBridge Scheduler every weekday morning,
// that keeps a GitHub token and a chat token in SSM. `npm run build` compiles it to
// build/bootstrap first (the directory is zipped at synth).
const app = new App();
const stack = new TerraformStack(app, "scheduled-go");
new AwsProvider(stack, "aws", { region: "eu-west-1" });

new SecureLambda(stack, "notifier", {
  functionName: "scheduled-go-notifier",
  code: { directory: path.join(__dirname, "build") },
  // Go runs on the OS-only runtime; its handler defaults to "bootstrap".
  runtime: "provided.al2023",
  // `GOARCH=amd64` in package.json's build.
  architecture: "x86_64",
  secrets: ["github_token", "chat_token"],
  schedule: { expression: "cron(0 8 ? * MON-FRI *)", timezone: "Europe/Paris" },
});

app.synth();
