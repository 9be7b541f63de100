/**
 * Validation of the props that choose and shape a function's secret store (the store itself is made by
 * secret-parameters.ts or secrets-manager-secret.ts).
 */
import type { DefaultedProps } from "./defaults";
import { SECRET_STORES } from "../common/naming";
import type { SecretRotation } from "./secrets-manager-secret";
import { Token } from "./tf";
import { isPlainObject, type Fail } from "../common/values";
import { show } from "../common/show";

const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/;
const SCHEDULE = /^(rate\(\d+ (hours?|days?)\)|cron\(.+\))$/;

/** Throws on a store the construct does not offer, or a prop that does not belong to the chosen store. */
export function checkStoreProps(fail: Fail, props: DefaultedProps): void {
  const { store } = props;
  if (!(SECRET_STORES as readonly unknown[]).includes(store)) {
    fail(
      "store",
      `${show(store)}: allowed are "ssm" (one SecureString parameter per secret) and "secretsmanager" (one secret per function, a JSON key per secret)`,
    );
  }
  if (store === "secretsmanager" && props.given.has("parameterPrefix")) {
    fail(
      "parameterPrefix",
      `${show(props.parameterPrefix)}: parameters exist only with store "ssm"; with "secretsmanager" the secret is <functionName>/secrets`,
    );
  }
  if (props.rotation === undefined) return;
  if (store !== "secretsmanager")
    fail("rotation", `rotation needs store "secretsmanager"; SSM parameters are not rotated by a function`);
  checkRotation(fail, props.rotation);
}

function checkRotation(fail: Fail, rotation: unknown): void {
  if (!isPlainObject(rotation)) {
    fail(
      "rotation",
      `${show(rotation)}: allowed is { rotationLambdaArn, automaticallyAfterDays } or { rotationLambdaArn, scheduleExpression }`,
    );
  }
  const {
    rotationLambdaArn,
    automaticallyAfterDays,
    scheduleExpression,
  }: Partial<Record<keyof SecretRotation, unknown>> = rotation;
  if (
    typeof rotationLambdaArn !== "string" ||
    (!Token.isUnresolved(rotationLambdaArn) && !LAMBDA_FUNCTION_ARN.test(rotationLambdaArn))
  ) {
    fail(
      "rotation.rotationLambdaArn",
      `${show(rotationLambdaArn)}: allowed is a Lambda function ARN, arn:<partition>:lambda:<region>:<account>:function:<name>`,
    );
  }
  if ((automaticallyAfterDays === undefined) === (scheduleExpression === undefined)) {
    fail("rotation", "give exactly one of automaticallyAfterDays and scheduleExpression");
  }
  const days = automaticallyAfterDays;
  if (
    days !== undefined &&
    !Token.isUnresolved(days) &&
    (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > 1000)
  ) {
    fail(
      "rotation.automaticallyAfterDays",
      `${show(automaticallyAfterDays)}: allowed is a whole number of days from 1 to 1000`,
    );
  }
  const schedule = scheduleExpression;
  if (
    schedule !== undefined &&
    !Token.isUnresolved(schedule) &&
    (typeof schedule !== "string" || !SCHEDULE.test(schedule))
  ) {
    fail("rotation.scheduleExpression", `${show(scheduleExpression)}: allowed is rate(<n> hours|days) or cron(...)`);
  }
}
