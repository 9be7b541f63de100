/**
 * A stack whose function is run by both triggers the construct makes: a schedule
 * (EventBridge Scheduler: a group, a schedule, the role it invokes as) and an SNS topic (a
 * subscription and a Lambda permission), with an SNS topic as its dead-letter target, and a
 * function URL (AWS_IAM). The
 * topics are the stack's own, as in the sns-python example. The deploy policy's unit tests
 * prove its policy; the deploy suite records what the provider calls for it against moto.
 */
import * as path from "node:path";
import { SecureLambda } from "../../constructs";
import { App, AwsProvider, LocalBackend, SnsTopic, TerraformStack } from "../../constructs/tf";

const ROOT = path.join(__dirname, "..", "..");

/** The services the stack uses, pointed at one endpoint (moto, through the recording proxy). */
const SERVICES = ["cloudwatchlogs", "iam", "kms", "lambda", "scheduler", "sns", "ssm", "sts"] as const;

/** What to build. */
export interface TriggersStackOptions {
  /** The stack's name, also the `environment` tag, and the function's name. */
  readonly name: string;
  /** Every AWS endpoint of the provider, with moto's test keys. @default real AWS */
  readonly endpoint?: string;
  /** The schedule's expression. @default "rate(1 hour)" */
  readonly scheduleExpression?: string;
}

/** Adds the triggers stack to `app`. */
export function triggersStack(app: App, options: TriggersStackOptions): TerraformStack {
  const { name, endpoint } = options;
  const stack = new TerraformStack(app, name);
  new AwsProvider(stack, "aws", {
    region: "eu-west-1",
    defaultTags: [{ tags: { project: "secure-lambda", environment: name } }],
    ...(endpoint
      ? {
          accessKey: "test",
          secretKey: "test",
          skipMetadataApiCheck: "true",
          endpoints: [Object.fromEntries(SERVICES.map((service) => [service, endpoint]))],
        }
      : {}),
  });
  new LocalBackend(stack, { path: "terraform.tfstate" });
  const alarms = new SnsTopic(stack, "alarms", { name: `${name}-alarms` });
  const failures = new SnsTopic(stack, "failures", { name: `${name}-failures` });
  new SecureLambda(stack, name, {
    functionName: name,
    entry: path.join(ROOT, "__tests__", "fixtures", "hello.ts"),
    secrets: ["api_token"],
    schedule: { expression: options.scheduleExpression ?? "rate(1 hour)", timezone: "Europe/Paris" },
    snsTopicArns: [alarms.arn],
    deadLetterTarget: { targetArn: failures.arn },
    reservedConcurrentExecutions: 2,
    functionUrl: true,
  });
  return stack;
}

/** An app of triggers stacks named `names`, synthesized into `outdir`. */
export function synthTriggersApp(outdir: string, names: readonly string[], endpoint?: string): void {
  const app = new App({ outdir });
  for (const name of names) triggersStack(app, { name, endpoint });
  app.synth();
}
