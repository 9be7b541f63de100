import * as path from "node:path";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { App, TerraformStack } from "cdktf";
import { SecureLambda } from "secure-lambda";

// The alarm notifier: a CloudWatch alarm publishes to an SNS topic, which invokes a Python
// function that posts the alarm to Slack, its webhook URL kept in Secrets Manager.
// `npm run build` installs its dependencies and copies app.py into build/ first (the
// directory is zipped at synth).
const app = new App();
const stack = new TerraformStack(app, "sns-python");
new AwsProvider(stack, "aws", { region: "eu-west-1" });

// The topic is this stack's here; a topic of another stack is named by its ARN string. An
// encrypted topic's key policy must let CloudWatch (to publish) and SNS use its key: that key
// policy is the topic owner's to write.
const alarms = new SnsTopic(stack, "alarms", { name: "sns-python-alarms" });

new SecureLambda(stack, "alerts", {
  functionName: "sns-python-alerts",
  code: { directory: path.join(__dirname, "build") },
  runtime: "python3.13",
  handler: "app.handler",
  secrets: ["slack_webhook_url"],
  store: "secretsmanager",
  snsTopicArns: [alarms.arn],
});

// What publishes to the topic: an alarm on errors of some service of the account.
new CloudwatchMetricAlarm(stack, "errors", {
  alarmName: "sns-python-errors",
  namespace: "AWS/Lambda",
  metricName: "Errors",
  dimensions: { FunctionName: "some-service" },
  statistic: "Sum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  alarmActions: [alarms.arn],
  okActions: [alarms.arn],
});

app.synth();
