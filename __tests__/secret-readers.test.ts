import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ParameterTier, SecretsKey, SecureLambda, SecureLambdaValidationError } from "../constructs";
import { READERS_RECORD_KEY } from "../common/readers-record";
import { App, AwsProvider, IamRole, TerraformStack } from "../constructs/tf";
import { stackJson } from "./helpers/cli-app";
import { HELLO_ENTRY, only, ref, resources, statements, type TerraformJson } from "./helpers/synth";

const THIS_ACCOUNT = "111122223333";
const OTHER_ACCOUNT = "210987654321";
const OTHER_READER = `arn:aws:iam::${OTHER_ACCOUNT}:role/reporting`;
const LOCAL_READER = `arn:aws:iam::${THIS_ACCOUNT}:role/billing`;

interface Build {
  readonly store?: string;
  readonly parameterTier?: string;
  readonly accountId?: string | null;
  readonly secrets?: string[];
  readonly grants: (fn: SecureLambda, web: IamRole) => void;
}

/** A stack with the function `fn` (secrets a and b) and an EC2 role `web`, synthesized with its metadata. */
function synthReaders(build: Build): TerraformJson {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "readers-"));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", {
    region: "eu-west-1",
    allowedAccountIds: build.accountId === null ? undefined : [build.accountId ?? THIS_ACCOUNT],
  });
  const web = new IamRole(stack, "web", {
    name: "web",
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
  });
  const fn = new SecureLambda(stack, "fn", {
    functionName: "fn",
    entry: HELLO_ENTRY,
    secrets: build.secrets ?? ["a", "b"],
    store: build.store,
    parameterTier: build.parameterTier,
  });
  build.grants(fn, web);
  app.synth();
  return stackJson(outdir, "test");
}

function errorOf(build: Build): SecureLambdaValidationError {
  try {
    synthReaders(build);
  } catch (error) {
    expect(error).toBeInstanceOf(SecureLambdaValidationError);
    return error as SecureLambdaValidationError;
  }
  throw new Error("expected a SecureLambdaValidationError, but the stack synthesized");
}

const keyName = (json: TerraformJson) => only(json, "aws_kms_key")[0];
const keyStatements = (json: TerraformJson) => statements(only(json, "aws_kms_key")[1].policy);
const readerKeyStatements = (json: TerraformJson) => keyStatements(json).filter((s) => /^Reader\d/.test(s.Sid));
const metadata = (json: TerraformJson) =>
  (json as unknown as { "//": { metadata: Record<string, unknown> } })["//"].metadata[READERS_RECORD_KEY];
const outputs = (json: TerraformJson) => (json as unknown as { output?: Record<string, any> }).output ?? {};

describe("grantSecretsRead: a role of this stack reads a Secrets Manager secret", () => {
  const json = synthReaders({ store: "secretsmanager", grants: (fn, web) => fn.grantSecretsRead(web.arn) });
  const [secretName] = only(json, "aws_secretsmanager_secret");
  const secretArn = ref("aws_secretsmanager_secret", secretName, "arn");
  const keyArn = ref("aws_kms_key", keyName(json), "arn");
  const webArn = ref("aws_iam_role", "web", "arn");

  test("attaches exactly the read of AWSCURRENT and the key through Secrets Manager for this secret to the role", () => {
    const policies = resources(json, "aws_iam_role_policy").filter(
      ([, p]) => p.role === ref("aws_iam_role", "web", "id"),
    );
    expect(policies).toHaveLength(1);
    const [, policy] = policies[0]!;
    expect(policy.name).toBe("fn-secrets-read");
    expect(statements(policy.policy)).toEqual([
      {
        Sid: "ReadGrantedSecret",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: [secretArn],
        Condition: { StringEquals: { "secretsmanager:VersionStage": "AWSCURRENT" } },
      },
      {
        Sid: "DecryptGrantedSecretThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [keyArn],
        Condition: {
          StringEquals: {
            "kms:ViaService": expect.stringMatching(/^secretsmanager\.\$\{data\.aws_region\./),
            "kms:EncryptionContext:SecretARN": secretArn,
          },
        },
      },
    ]);
  });

  test("names the role in a key policy statement kept to Secrets Manager and to this secret", () => {
    expect(readerKeyStatements(json)).toEqual([
      {
        Sid: "Reader1DecryptsThroughSecretsManager",
        Effect: "Allow",
        Principal: { AWS: webArn },
        Action: ["kms:Decrypt"],
        Resource: "*",
        Condition: {
          StringEquals: { "kms:ViaService": expect.stringMatching(/^secretsmanager\./) },
          // The secret's ARN from its parts: its six last characters are AWS's, picked at creation.
          StringLike: {
            "kms:EncryptionContext:SecretARN": expect.stringMatching(
              /^arn:\$\{data\.aws_partition\.[^}]+\}:secretsmanager:\$\{data\.aws_region\.[^}]+\}:\$\{data\.aws_caller_identity\.[^}]+\}:secret:fn\/secrets-\?{6}$/,
            ),
          },
        },
      },
    ]);
  });

  test("the key policy names no secret by reference: the secret depends on the key, a reference would be a cycle", () => {
    expect(only(json, "aws_kms_key")[1].policy).not.toMatch(/aws_secretsmanager_secret\.|aws_ssm_parameter\./);
  });

  test("adds no resource policy, share or output for a reader of this account in the stack", () => {
    expect(resources(json, "aws_secretsmanager_secret_policy")).toEqual([]);
    expect(resources(json, "aws_ram_resource_share")).toEqual([]);
    expect(outputs(json)).toEqual({});
  });

  test("records the reader in the stack's metadata for the audit", () => {
    expect(metadata(json)).toEqual([{ constructPath: "test/fn", functionName: "fn", grantee: webArn }]);
  });

  test("finds a role of the stack by its literal ARN too, and grants it the same way", () => {
    const literal = synthReaders({
      store: "secretsmanager",
      grants: (fn) => fn.grantSecretsRead(`arn:aws:iam::${THIS_ACCOUNT}:role/web`),
    });
    expect(resources(literal, "aws_iam_role_policy").filter(([, p]) => p.name === "fn-secrets-read")).toHaveLength(1);
    expect(readerKeyStatements(literal)[0]!.Principal).toEqual({ AWS: webArn });
  });
});

describe("grantSecretsRead: a principal of this account outside the stack reads SSM parameters", () => {
  const json = synthReaders({ grants: (fn) => fn.grantSecretsRead(LOCAL_READER) });
  const parameterArns = resources(json, "aws_ssm_parameter").map(([name]) => ref("aws_ssm_parameter", name, "arn"));

  test("writes its identity policy as an output for its owner: the parameters, and the key through SSM for them", () => {
    const output = outputs(json)[`fn-reader-${THIS_ACCOUNT}-role-billing`];
    expect(output.description).toContain("its owner attaches it");
    expect(statements(output.value)).toEqual([
      {
        Sid: "ReadGrantedSecretParameters",
        Effect: "Allow",
        Action: ["ssm:GetParameter", "ssm:GetParameters"],
        Resource: parameterArns,
      },
      {
        Sid: "DecryptGrantedSecretParametersThroughSsm",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [ref("aws_kms_key", keyName(json), "arn")],
        Condition: {
          StringEquals: {
            "kms:ViaService": expect.stringMatching(/^ssm\./),
            "kms:EncryptionContext:PARAMETER_ARN": parameterArns,
          },
        },
      },
    ]);
  });

  test("names it in the key policy, for its parameters only, and shares nothing", () => {
    const [statement] = readerKeyStatements(json);
    expect(statement!.Principal).toEqual({ AWS: LOCAL_READER });
    expect(statement!.Condition.StringEquals["kms:EncryptionContext:PARAMETER_ARN"]).toEqual([
      expect.stringMatching(/^arn:\$\{data\.aws_partition\.[^}]+\}:ssm:.*:parameter\/fn\/a$/),
      expect.stringMatching(/:parameter\/fn\/b$/),
    ]);
    expect(only(json, "aws_kms_key")[1].policy).not.toMatch(/aws_ssm_parameter\./);
    expect(resources(json, "aws_ram_resource_share")).toEqual([]);
    expect(resources(json, "aws_iam_role_policy").filter(([, p]) => p.name === "fn-secrets-read")).toEqual([]);
    for (const [, parameter] of resources(json, "aws_ssm_parameter")) expect(parameter).not.toHaveProperty("tier");
  });
});

describe("grantSecretsRead: a role of another account", () => {
  test("Secrets Manager: the secret's resource policy names it, for AWSCURRENT only, beside the key policy", () => {
    const json = synthReaders({ store: "secretsmanager", grants: (fn) => fn.grantSecretsRead(OTHER_READER) });
    const [secretName] = only(json, "aws_secretsmanager_secret");
    const [, policy] = only(json, "aws_secretsmanager_secret_policy");
    expect(policy.secret_arn).toBe(ref("aws_secretsmanager_secret", secretName, "arn"));
    expect(policy.block_public_policy).toBe(true);
    expect(statements(policy.policy)).toEqual([
      {
        Sid: "Reader1ReadsCurrentValues",
        Effect: "Allow",
        Principal: { AWS: OTHER_READER },
        Action: ["secretsmanager:GetSecretValue"],
        Resource: "*",
        Condition: { StringEquals: { "secretsmanager:VersionStage": "AWSCURRENT" } },
      },
    ]);
    expect(readerKeyStatements(json).map((s) => s.Principal)).toEqual([{ AWS: OTHER_READER }]);
    expect(Object.keys(outputs(json))).toEqual([`fn-reader-${OTHER_ACCOUNT}-role-reporting`]);
  });

  test("SSM: refused without parameterTier Advanced, naming the prop and the charge", () => {
    const error = errorOf({ grants: (fn) => fn.grantSecretsRead(OTHER_READER) });
    expect(error.prop).toBe("grantee");
    expect(error.message).toContain(OTHER_READER);
    expect(error.message).toContain('parameterTier: "Advanced"');
    expect(error.message).toContain("charged per parameter and month");
  });

  test("SSM with parameterTier Advanced: advanced parameters, shared through RAM with that account only", () => {
    const json = synthReaders({
      parameterTier: ParameterTier.ADVANCED,
      grants: (fn) => fn.grantSecretsRead(OTHER_READER),
    });
    const parameters = resources(json, "aws_ssm_parameter");
    for (const [, parameter] of parameters) expect(parameter.tier).toBe("Advanced");
    const [shareName, share] = only(json, "aws_ram_resource_share");
    expect(share).toMatchObject({ name: "fn-secrets", allow_external_principals: true });
    const shareArn = ref("aws_ram_resource_share", shareName, "arn");
    expect(resources(json, "aws_ram_resource_association").map(([, { "//": _, ...a }]) => a)).toEqual(
      parameters.map(([name]) => ({
        resource_arn: ref("aws_ssm_parameter", name, "arn"),
        resource_share_arn: shareArn,
      })),
    );
    expect(only(json, "aws_ram_principal_association")[1]).toMatchObject({
      principal: OTHER_ACCOUNT,
      resource_share_arn: shareArn,
    });
    expect(readerKeyStatements(json).map((s) => s.Principal)).toEqual([{ AWS: OTHER_READER }]);
  });
});

describe("grantSecretsRead refuses at synth, naming the grantee", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["everyone", "*", /"\*": everyone is never a reader/],
    ["an account id", OTHER_ACCOUNT, /a whole account is never a reader/],
    ["an account root", `arn:aws:iam::${OTHER_ACCOUNT}:root`, /a whole account is never a reader/],
    ["a bucket", "arn:aws:s3:::reports", /allowed is the ARN of one IAM role or user/],
    ["a role wildcard", `arn:aws:iam::${OTHER_ACCOUNT}:role/*`, /allowed is the ARN of one IAM role or user/],
    ["an assumed-role session", `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/r/s`, /allowed is the ARN/],
    ["a group", `arn:aws:iam::${OTHER_ACCOUNT}:group/admins`, /allowed is the ARN/],
    ["a number", 42, /allowed is the ARN/],
  ];
  test.each(cases)("%s", (_name, grantee, message) => {
    const error = errorOf({ store: "secretsmanager", grants: (fn) => fn.grantSecretsRead(grantee as string) });
    expect(error.constructPath).toBe("test/fn");
    expect(error.prop).toBe("grantee");
    expect(error.message).toMatch(message);
  });

  test("a duplicate, by ARN or as the same role of the stack", () => {
    for (const grants of [
      (fn: SecureLambda) => {
        fn.grantSecretsRead(OTHER_READER);
        fn.grantSecretsRead(OTHER_READER);
      },
      (fn: SecureLambda, web: IamRole) => {
        fn.grantSecretsRead(web.arn);
        fn.grantSecretsRead(`arn:aws:iam::${THIS_ACCOUNT}:role/web`);
      },
    ]) {
      const error = errorOf({ store: "secretsmanager", grants });
      expect(error.prop).toBe("grantee");
      expect(error.message).toMatch(/already a reader of these secrets/);
    }
  });

  test("a literal ARN when the provider names no account", () => {
    const error = errorOf({
      store: "secretsmanager",
      accountId: null,
      grants: (fn) => fn.grantSecretsRead(OTHER_READER),
    });
    expect(error.message).toMatch(/names no account \(allowedAccountIds\)/);
  });

  test("a reference that is not a role of the stack", () => {
    const error = errorOf({
      store: "secretsmanager",
      grants: (fn) => fn.grantSecretsRead(new SecretsKey(fn, "Other", { aliasName: "other" }).keyArn),
    });
    expect(error.message).toMatch(/not the arn of an aws_iam_role of this stack/);
  });

  test("the function's own role", () => {
    for (const grantee of [(fn: SecureLambda) => fn.role.arn, () => `arn:aws:iam::${THIS_ACCOUNT}:role/fn`]) {
      const error = errorOf({ store: "secretsmanager", grants: (fn) => fn.grantSecretsRead(grantee(fn)) });
      expect(error.message).toMatch(/the function's own role, which reads its secrets already/);
    }
  });

  test("a function without secrets", () => {
    const error = errorOf({ store: "secretsmanager", secrets: [], grants: (fn) => fn.grantSecretsRead(OTHER_READER) });
    expect(error.message).toMatch(/no secrets to read/);
  });

  test.each([
    ["a tier that is none", "ssm", "Premium", /allowed are "Standard" and "Advanced"/],
    ["a tier for Secrets Manager", "secretsmanager", "Advanced", /only store "ssm" has parameters/],
  ])("parameterTier: %s", (_name, store, parameterTier, message) => {
    const error = errorOf({ store, parameterTier, grants: () => undefined });
    expect(error.prop).toBe("parameterTier");
    expect(error.message).toMatch(message);
  });
});

test("a key managed elsewhere: synth warns with the statement its owner must add", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "readers-imported-"));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1", allowedAccountIds: [THIS_ACCOUNT] });
  const fn = new SecureLambda(stack, "fn", {
    functionName: "fn",
    entry: HELLO_ENTRY,
    secrets: ["a"],
    store: "secretsmanager",
    kmsKey: SecretsKey.fromKeyArn(
      stack,
      "Key",
      `arn:aws:kms:eu-west-1:${THIS_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    ),
  });
  fn.grantSecretsRead(OTHER_READER);
  const warnings = fn.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === "@cdktf/warn")
    .map((m) => String(m.data));
  expect(warnings).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        new RegExp(`its key policy must let ${OTHER_READER} use it .*"kms:Decrypt".*kms:EncryptionContext:SecretARN`),
      ),
    ]),
  );
});
