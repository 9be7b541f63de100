/** SecureLambda's `externalSecrets`: secrets of another account or app, read by ARN, granted exactly. */
import { SecureLambda, type SecureLambdaProps } from "../constructs";
import { HELLO_ENTRY, only, statements, synthStack, type TerraformJson } from "./helpers/synth";
import { propsChecker } from "./helpers/invalid-props";

const PARTNER = "444455556666";
const SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${PARTNER}:secret:partner/token-AbCdEf`;
const KEY_ARN = `arn:aws:kms:eu-west-1:${PARTNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PARAMETER_ARN = `arn:aws:ssm:us-east-1:${PARTNER}:parameter/partner/api_key`;
const PARAMETER_KEY_ARN = `arn:aws:kms:us-east-1:${PARTNER}:key/mrk-0123456789abcdef0123456789abcdef`;

function synth(props: Partial<SecureLambdaProps>): TerraformJson {
  return synthStack((stack) => {
    new SecureLambda(stack, "reader", { functionName: "reader", entry: HELLO_ENTRY, ...props });
  });
}

const external = [
  { name: "partner_token", arn: SECRET_ARN, keyArn: KEY_ARN },
  { name: "partner-api.key", arn: PARAMETER_ARN, keyArn: PARAMETER_KEY_ARN },
];

describe("externalSecrets", () => {
  const json = synth({ secrets: ["own_token"], externalSecrets: external });
  const [, fn] = only(json, "aws_lambda_function");
  const [, policy] = only(json, "aws_iam_role_policy");
  const all = statements(policy.policy);
  const bySid = (sid: string) => all.find((s) => s.Sid === sid);

  test("puts each ARN in the environment as <NAME>_SECRET_ARN, beside the own parameters", () => {
    expect(fn.environment.variables).toMatchObject({
      OWN_TOKEN_PARAM_NAME: "/reader/own_token",
      PARTNER_TOKEN_SECRET_ARN: SECRET_ARN,
      PARTNER_API_KEY_SECRET_ARN: PARAMETER_ARN,
    });
  });

  test("grants GetSecretValue of AWSCURRENT on exactly the secret's ARN", () => {
    expect(bySid("ReadExternalSecrets")).toEqual({
      Sid: "ReadExternalSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [SECRET_ARN],
      Condition: { StringEquals: { "secretsmanager:VersionStage": "AWSCURRENT" } },
    });
  });

  test("grants ssm:GetParameter(s) on exactly the parameter's ARN", () => {
    expect(bySid("ReadExternalParameters")).toEqual({
      Sid: "ReadExternalParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters"],
      Resource: [PARAMETER_ARN],
    });
  });

  test("grants kms:Decrypt of each key only through its store in the secret's own region, and only for that secret", () => {
    const decrypts = all.filter((s) => s.Sid.startsWith("DecryptExternal"));
    expect(decrypts).toHaveLength(2);
    const [secrets, parameters] = decrypts as [Record<string, any>, Record<string, any>];
    expect(secrets.Resource).toEqual([KEY_ARN]);
    expect(secrets.Condition.StringEquals["kms:ViaService"]).toMatch(/^secretsmanager\.eu-west-1\./);
    expect(secrets.Condition.StringEquals["kms:EncryptionContext:SecretARN"]).toEqual([SECRET_ARN]);
    expect(parameters.Resource).toEqual([PARAMETER_KEY_ARN]);
    expect(parameters.Condition.StringEquals["kms:ViaService"]).toMatch(/^ssm\.us-east-1\./);
    expect(parameters.Condition.StringEquals["kms:EncryptionContext:PARAMETER_ARN"]).toEqual([PARAMETER_ARN]);
  });

  test("no statement names a wildcard resource other than the traces'", () => {
    const wild = all.filter((s) =>
      [s.Resource].flat().some((r: string) => r.includes("*") && !r.endsWith(":log-stream:*")),
    );
    expect(wild.map((s) => s.Sid)).toEqual(["WriteTraces"]);
  });

  test("an external secret alone (no own secret) is granted and named too", () => {
    const alone = synth({ externalSecrets: [external[0]!] });
    const [, aloneFn] = only(alone, "aws_lambda_function");
    expect(aloneFn.environment.variables.PARTNER_TOKEN_SECRET_ARN).toBe(SECRET_ARN);
    const [, alonePolicy] = only(alone, "aws_iam_role_policy");
    expect(statements(alonePolicy.policy).map((s) => s.Sid)).toEqual(
      expect.arrayContaining(["ReadExternalSecrets", "DecryptExternalSecrets1"]),
    );
  });
});

describe("externalSecrets refusals", () => {
  const { expectInvalid } = propsChecker({ entry: HELLO_ENTRY });

  test.each([
    [
      "a partial secret ARN (without the 6-character suffix)",
      `arn:aws:secretsmanager:eu-west-1:${PARTNER}:secret:partner/token`,
    ],
    ["a key ARN", KEY_ARN],
    ["an S3 ARN", "arn:aws:s3:::bucket/secret"],
    ["a wildcard", `arn:aws:secretsmanager:eu-west-1:${PARTNER}:secret:*`],
    ["a bare name", "partner/token"],
    ["a Terraform reference", "${aws_secretsmanager_secret.x.arn}"],
  ])("refuses an arn that is %s, naming the prop and value", (_, arn) => {
    expectInvalid(
      { externalSecrets: [{ name: "partner_token", arn, keyArn: KEY_ARN }] },
      "externalSecrets[0].arn",
      "allowed is a Secrets Manager secret ARN",
    );
  });

  test.each([
    ["an alias ARN", `arn:aws:kms:eu-west-1:${PARTNER}:alias/partner`],
    ["a secret ARN", SECRET_ARN],
    ["a key id", "1234abcd-12ab-34cd-56ef-1234567890ab"],
    ["a wildcard", `arn:aws:kms:eu-west-1:${PARTNER}:key/*`],
  ])("refuses a keyArn that is %s", (_, keyArn) => {
    expectInvalid(
      { externalSecrets: [{ name: "partner_token", arn: SECRET_ARN, keyArn }] },
      "externalSecrets[0].keyArn",
      "allowed is a KMS key ARN",
    );
  });

  test("refuses a key of another region than the secret's", () => {
    expectInvalid(
      { externalSecrets: [{ name: "partner_token", arn: SECRET_ARN, keyArn: PARAMETER_KEY_ARN }] },
      "externalSecrets[0].keyArn",
      "a key of region us-east-1, but the secret is in eu-west-1",
    );
  });

  test("refuses a name also in secrets, a name given twice, and a bad name", () => {
    expectInvalid(
      { secrets: ["partner_token"], externalSecrets: [external[0]] },
      "externalSecrets[0].name",
      "is also in secrets",
    );
    expectInvalid(
      { externalSecrets: [external[0], { ...external[1], name: "partner.token" }] },
      "externalSecrets[1].name",
      "given twice",
    );
    expectInvalid(
      { externalSecrets: [{ ...external[0], name: "a b" }] },
      "externalSecrets[0].name",
      "a string of 3 characters",
    );
    expectInvalid(
      { externalSecrets: [{ ...external[0], name: "aws_x" }] },
      "externalSecrets[0].name",
      "AWS_X_SECRET_ARN",
    );
  });

  test("refuses an environment variable the loader would read as an external secret's ARN", () => {
    expectInvalid(
      { externalSecrets: [external[0]], environment: { PARTNER_TOKEN_SECRET_ARN: "x" } },
      "environment",
      "PARTNER_TOKEN_SECRET_ARN",
    );
    expectInvalid({ secrets: ["db"], environment: { DB_SECRET_ARN: "x" } }, "environment", 'secret "db"');
  });

  test("refuses a list of another shape", () => {
    expectInvalid({ externalSecrets: SECRET_ARN }, "externalSecrets", "allowed is a list of { name, arn, keyArn }");
    expectInvalid({ externalSecrets: [SECRET_ARN] }, "externalSecrets[0]", "allowed is { name, arn, keyArn }");
  });
});
