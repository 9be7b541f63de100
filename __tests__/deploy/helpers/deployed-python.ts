/**
 * A deployed Python function run as Lambda would run it: the code from its deployed zip (the file the state names,
 * unpacked), its environment read back from moto's Lambda API, and outside its variables what Lambda gives a
 * function (credentials moto takes, its region, no shared config, boto3 from a directory of its own).
 */
import { GetFunctionConfigurationCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import * as fs from "node:fs";
import * as path from "node:path";
import { extractZip } from "../../../scripts/extract-zip";
import { type ProcessRun, runProcess } from "../../helpers/run-process";
import type { DeployedStack } from "./deployed-stack";

/** What the function itself sees outside its variables: credentials moto takes, its region, no shared config. */
export function lambdaRuntimeEnv(
  stack: DeployedStack,
  region: string,
  endpoint: Record<string, string>,
): Record<string, string> {
  return {
    ...endpoint,
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    // Lambda sets both; boto3 reads only the second.
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: path.join(stack.outdir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(stack.outdir, "no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** The deployed function's environment, read back from moto's Lambda API. */
export async function deployedEnvironment(lambda: LambdaClient, functionName: string): Promise<Record<string, string>> {
  const deployed = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  return deployed.Environment?.Variables ?? {};
}

/** One run of a deployed Python function's handler (`app.handler`) on `event`; stdout's last line is its result. */
export interface PythonHandlerRun {
  readonly stack: DeployedStack;
  readonly lambda: LambdaClient;
  readonly functionName: string;
  readonly region: string;
  /** Where the function's store is: `{ AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url }`. */
  readonly endpoint: Record<string, string>;
  /** A directory holding boto3 (which Lambda's runtime provides), never zipped. */
  readonly boto3Dir: string;
  readonly event: unknown;
}

/** Runs the handler of the deployed zip with `python3`, printing its result as JSON. */
export async function runDeployedPythonHandler(run: PythonHandlerRun): Promise<ProcessRun> {
  const [fn] = run.stack.stateOf("aws_lambda_function").filter((f) => f.function_name === run.functionName) as Array<{
    filename: string;
  }>;
  if (!fn) throw new Error(`no function ${run.functionName} in the state of ${run.stack.name}`);
  const code = extractZip(
    path.join(run.stack.stackDir, fn.filename),
    fs.mkdtempSync(path.join(run.stack.outdir, "unzipped-")),
  );
  const script = "import json, sys, app\nprint(json.dumps(app.handler(json.loads(sys.argv[1]), None)))";
  return runProcess("python3", ["-c", script, JSON.stringify(run.event)], {
    cwd: code,
    env: {
      ...(await deployedEnvironment(run.lambda, run.functionName)),
      ...lambdaRuntimeEnv(run.stack, run.region, run.endpoint),
      // The deployed code first, then boto3 from its own directory.
      PYTHONPATH: [code, run.boto3Dir].join(path.delimiter),
      PYTHONDONTWRITEBYTECODE: "1",
    },
  });
}

/** An SNS event holding one CloudWatch alarm, as the topic delivers it. */
export function snsAlarmEvent(alarmName: string): unknown {
  const alarm = { AlarmName: alarmName, NewStateValue: "ALARM", NewStateReason: "Threshold Crossed" };
  return { Records: [{ EventSource: "aws:sns", Sns: { Message: JSON.stringify(alarm) } }] };
}
