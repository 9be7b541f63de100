/** SecureLambda with store "secretsmanager": one secret per function, read-only, names only in the environment. */
import { PLACEHOLDER_VALUE, SECRET_ID_ENV_VAR, SecretsKey, SecureLambda, type SecureLambdaProps } from "../constructs";
import { HELLO_ENTRY, only, ref, resources, statements, synthStack, type TerraformJson } from "./helpers/synth";

const SECRETS = ["github_token", "slack_webhook_url"];

function synthNotifier(props: Partial<SecureLambdaProps> = {}): TerraformJson {
  return synthStack((stack) => {
    new SecureLambda(stack, "notifier", {
      functionName: "notifier",
      entry: HELLO_ENTRY,
      secrets: SECRETS,
      store: "secretsmanager",
      ...props,
    });
  });
}

describe('SecureLambda with store "secretsmanager"', () => {
  const json = synthNotifier();
  const [keyName] = only(json, "aws_kms_key");
  const [secretName, secret] = only(json, "aws_secretsmanager_secret");
  const [, version] = only(json, "aws_secretsmanager_secret_version");
  const [, fn] = only(json, "aws_lambda_function");
  const [, rolePolicy] = only(json, "aws_iam_role_policy");
  const secretArn = ref("aws_secretsmanager_secret", secretName, "arn");
  const keyArn = ref("aws_kms_key", keyName, "arn");

  test("creates one secret <functionName>/secrets encrypted with the function's key, and no parameter", () => {
    expect(secret.name).toBe("notifier/secrets");
    expect(secret.kms_key_id).toBe(keyArn);
    expect(secret.description).toMatch(/npx --no secure-lambda set test notifier <secret>/);
    expect(resources(json, "aws_ssm_parameter")).toHaveLength(0);
  });

  test("creates the first version holding only the placeholder under every secret name, write-only", () => {
    expect(version.secret_id).toBe(ref("aws_secretsmanager_secret", secretName, "id"));
    expect(version).not.toHaveProperty("secret_string");
    expect(JSON.parse(version.secret_string_wo)).toEqual({
      github_token: PLACEHOLDER_VALUE,
      slack_webhook_url: PLACEHOLDER_VALUE,
    });
    expect(version.secret_string_wo_version).toBe(1);
  });

  test("labels the placeholder version with a stage of its own, never AWSCURRENT, so it is never deleted nor re-created as current", () => {
    expect(version.version_stages).toEqual(["SECURE-LAMBDA-PLACEHOLDER"]);
  });

  test("ignores later changes of the value, its write version and the version's stages, so an apply never puts the placeholder back", () => {
    expect(version.lifecycle.ignore_changes).toEqual(["secret_string", "secret_string_wo_version", "version_stages"]);
  });

  test("keeps a deleted secret recoverable 7 days, and 30 days with prevent_destroy when protected", () => {
    expect(secret.recovery_window_in_days).toBe(7);
    expect(secret.lifecycle).toBeUndefined();
    const [, protectedSecret] = only(synthNotifier({ protect: true }), "aws_secretsmanager_secret");
    expect(protectedSecret.recovery_window_in_days).toBe(30);
    expect(protectedSecret.lifecycle).toEqual({ prevent_destroy: true });
    const [, protectedVersion] = only(synthNotifier({ protect: true }), "aws_secretsmanager_secret_version");
    expect(protectedVersion.lifecycle).toEqual({
      ignore_changes: ["secret_string", "secret_string_wo_version", "version_stages"],
      prevent_destroy: true,
    });
  });

  test("puts only the secret's name in the environment, no parameter names and no value", () => {
    expect(fn.environment.variables[SECRET_ID_ENV_VAR]).toBe("notifier/secrets");
    expect(Object.keys(fn.environment.variables).filter((name) => name.endsWith("_PARAM_NAME"))).toEqual([]);
    expect(JSON.stringify(fn)).not.toContain(PLACEHOLDER_VALUE);
  });

  test("lets the role read exactly its own secret, only its current values, and nothing in SSM", () => {
    const all = statements(rolePolicy.policy);
    const read = all.filter((s) => s.Action.some((a: string) => a.startsWith("secretsmanager:")));
    expect(read).toEqual([
      {
        Sid: "ReadOwnSecret",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: [secretArn],
        Condition: { StringEquals: { "secretsmanager:VersionStage": "AWSCURRENT" } },
      },
    ]);
    expect(all.some((s) => s.Action.some((a: string) => a.startsWith("ssm:")))).toBe(false);
  });

  test("grants kms:Decrypt on its key only through Secrets Manager and only for its own secret", () => {
    const decrypt = statements(rolePolicy.policy).find((s) => s.Sid === "DecryptOwnSecretThroughSecretsManager");
    expect(decrypt).toMatchObject({ Effect: "Allow", Action: ["kms:Decrypt"], Resource: [keyArn] });
    expect(Object.keys(decrypt!.Condition)).toEqual(["StringEquals"]);
    expect(decrypt!.Condition.StringEquals["kms:ViaService"]).toMatch(
      /^secretsmanager\.\$\{data\.aws_region\.[^}]+\.region\}\.\$\{data\.aws_partition\.[^}]+\.dns_suffix\}$/,
    );
    expect(decrypt!.Condition.StringEquals["kms:EncryptionContext:SecretARN"]).toBe(secretArn);
  });

  test("creates no rotation unless asked, and with rotation exactly one aws_secretsmanager_secret_rotation", () => {
    expect(resources(json, "aws_secretsmanager_secret_rotation")).toHaveLength(0);
    const rotationLambdaArn = "arn:aws:lambda:eu-west-1:123456789012:function:rotate-notifier";
    const rotated = synthNotifier({ rotation: { rotationLambdaArn, automaticallyAfterDays: 30 } });
    const [, rotation] = only(rotated, "aws_secretsmanager_secret_rotation");
    expect(rotation).toMatchObject({
      rotation_lambda_arn: rotationLambdaArn,
      rotation_rules: { automatically_after_days: 30 },
    });
    expect(rotation.secret_id).toBe(
      ref("aws_secretsmanager_secret", only(rotated, "aws_secretsmanager_secret")[0], "id"),
    );
    // Rotation adds nothing to the function's own role.
    expect(statements(only(rotated, "aws_iam_role_policy")[1].policy)).toEqual(statements(rolePolicy.policy));
  });

  test("creates no secret for a function without secrets", () => {
    const bare = synthNotifier({ secrets: [] });
    expect(resources(bare, "aws_secretsmanager_secret")).toHaveLength(0);
    expect(statements(only(bare, "aws_iam_role_policy")[1].policy).some((s) => s.Sid === "ReadOwnSecret")).toBe(false);
  });

  test("uses a shared key for the secret when one is passed", () => {
    const shared = synthStack((stack) => {
      const kmsKey = new SecretsKey(stack, "TeamKey", { aliasName: "team" });
      new SecureLambda(stack, "a", {
        functionName: "a",
        entry: HELLO_ENTRY,
        secrets: ["token"],
        store: "secretsmanager",
        kmsKey,
      });
    });
    expect(only(shared, "aws_secretsmanager_secret")[1].kms_key_id).toBe(
      ref("aws_kms_key", only(shared, "aws_kms_key")[0], "arn"),
    );
  });

  test("pins the Terraform addresses of the store: renaming them would replace the secret and lose its values", () => {
    expect(secretName).toMatch(/^notifier_Secret_[0-9A-F]{8}$/);
    expect(Object.keys(json.resource.aws_secretsmanager_secret_version!)[0]).toMatch(
      /^notifier_SecretVersion_[0-9A-F]{8}$/,
    );
  });

  test("has no parameter names to give", () => {
    let construct: SecureLambda | undefined;
    synthStack((stack) => {
      construct = new SecureLambda(stack, "n", {
        functionName: "n",
        entry: HELLO_ENTRY,
        secrets: ["token"],
        store: "secretsmanager",
      });
    });
    expect(construct!.secret!.nameInput).toBe("n/secrets");
    expect(() => construct!.parameterName("token")).toThrow(
      /keys of the Secrets Manager secret n\/secrets, not SSM parameters/,
    );
  });
});

describe("store props that do not fit are refused at synth time", () => {
  const fails = (props: Partial<SecureLambdaProps>) => () => synthNotifier(props);

  test("an unknown store", () => {
    expect(fails({ store: "vault" as never })).toThrow(
      /test\/notifier: invalid store: "vault": allowed are "ssm" \(one SecureString parameter per secret\) and "secretsmanager"/,
    );
  });
  test("parameterPrefix with Secrets Manager", () => {
    expect(fails({ parameterPrefix: "/team" })).toThrow(
      /invalid parameterPrefix: "\/team": parameters exist only with store "ssm"/,
    );
  });
  test("rotation with SSM", () => {
    expect(
      fails({
        store: "ssm",
        rotation: { rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:r", automaticallyAfterDays: 7 },
      }),
    ).toThrow(/invalid rotation: rotation needs store "secretsmanager"/);
  });
  test("rotation with neither or both of days and schedule", () => {
    const arn = "arn:aws:lambda:eu-west-1:123456789012:function:r";
    expect(fails({ rotation: { rotationLambdaArn: arn } })).toThrow(
      /invalid rotation: give exactly one of automaticallyAfterDays and scheduleExpression/,
    );
    expect(
      fails({ rotation: { rotationLambdaArn: arn, automaticallyAfterDays: 7, scheduleExpression: "rate(7 days)" } }),
    ).toThrow(/give exactly one/);
  });
  test("a rotation function that is not a Lambda function ARN, or days out of range, or a bad schedule", () => {
    expect(fails({ rotation: { rotationLambdaArn: "rotate-me", automaticallyAfterDays: 7 } })).toThrow(
      /invalid rotation.rotationLambdaArn: "rotate-me": allowed is a Lambda function ARN/,
    );
    expect(
      fails({
        rotation: { rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:r", automaticallyAfterDays: 0 },
      }),
    ).toThrow(/invalid rotation.automaticallyAfterDays: 0: allowed is a whole number of days from 1 to 1000/);
    expect(
      fails({
        rotation: {
          rotationLambdaArn: "arn:aws:lambda:eu-west-1:123456789012:function:r",
          scheduleExpression: "weekly",
        },
      }),
    ).toThrow(/invalid rotation.scheduleExpression: "weekly"/);
  });
  test("an environment variable that the construct sets for the store", () => {
    expect(fails({ store: "ssm", environment: { [SECRET_ID_ENV_VAR]: "other/secret" } })).toThrow(
      /invalid environment: variable "SECRETS_MANAGER_SECRET_ID" is set by the construct/,
    );
  });
});
