/** SecureLambda's `replicaRegions`: the Secrets Manager secret replicated, each replica under a key of its region. */
import { SecureLambda, type SecureLambdaProps } from "../constructs";
import { HELLO_ENTRY, only, ref, resources, statements, synthStack, type TerraformJson } from "./helpers/synth";
import { propsChecker } from "./helpers/invalid-props";

function synth(props: Partial<SecureLambdaProps>): TerraformJson {
  return synthStack((stack) => {
    new SecureLambda(stack, "api", {
      functionName: "api",
      entry: HELLO_ENTRY,
      secrets: ["token"],
      store: "secretsmanager",
      ...props,
    });
  });
}

describe("replicaRegions", () => {
  const json = synth({ replicaRegions: ["eu-central-1", "us-east-1"] });
  const keys = resources(json, "aws_kms_key");
  const [secretName, secret] = only(json, "aws_secretsmanager_secret");
  const [, fn] = only(json, "aws_lambda_function");
  const [, policy] = only(json, "aws_iam_role_policy");

  test("creates one key per replica region, in that region, with rotation and the 30-day window", () => {
    const replicaKeys = keys.filter(([, key]) => key.region !== undefined);
    expect(replicaKeys.map(([, key]) => key.region).sort()).toEqual(["eu-central-1", "us-east-1"]);
    for (const [, key] of replicaKeys) {
      expect(key.enable_key_rotation).toBe(true);
      expect(key.deletion_window_in_days).toBe(30);
      expect(key.multi_region).toBeUndefined();
    }
    const aliases = resources(json, "aws_kms_alias").filter(([, alias]) => alias.region !== undefined);
    expect(aliases.map(([, alias]) => [alias.region, alias.name]).sort()).toEqual([
      ["eu-central-1", "alias/api"],
      ["us-east-1", "alias/api"],
    ]);
  });

  test("pins the replica keys' construct ids (renaming one would replace a key)", () => {
    expect(keys.map(([name]) => name).sort()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^api_Replicas_eu-central-1_Key_/),
        expect.stringMatching(/^api_Replicas_us-east-1_Key_/),
      ]),
    );
  });

  test("replicates the secret to each region, encrypted with that region's key", () => {
    const byRegion = Object.fromEntries(
      keys.filter(([, key]) => key.region).map(([name, key]) => [key.region, ref("aws_kms_key", name, "arn")]),
    );
    expect(secret.replica).toEqual([
      { region: "eu-central-1", kms_key_id: byRegion["eu-central-1"] },
      { region: "us-east-1", kms_key_id: byRegion["us-east-1"] },
    ]);
  });

  test("keeps the secret's name in the environment: a name resolves in the region the function runs in", () => {
    expect(fn.environment.variables.SECRETS_MANAGER_SECRET_ID).toBe("api/secrets");
  });

  test("grants the function its own region's secret only, as without replicas", () => {
    const reads = statements(policy.policy).filter((s) => s.Action.includes("secretsmanager:GetSecretValue"));
    expect(reads.map((s) => s.Resource)).toEqual([[ref("aws_secretsmanager_secret", secretName, "arn")]]);
  });

  test("a secret without replicas has no replica block and no extra key", () => {
    const plain = synth({});
    expect(only(plain, "aws_secretsmanager_secret")[1].replica).toBeUndefined();
    expect(resources(plain, "aws_kms_key")).toHaveLength(1);
  });
});

describe("replicaRegions refusals", () => {
  const { expectInvalid } = propsChecker({ entry: HELLO_ENTRY, secrets: ["token"], store: "secretsmanager" });

  test("refuses a replica in the primary's region (the stack's provider region)", () => {
    expectInvalid({ replicaRegions: ["eu-west-1"] }, "replicaRegions[0]", '"eu-west-1" is the primary\'s region');
  });

  test("refuses a duplicate", () => {
    expectInvalid({ replicaRegions: ["us-east-1", "us-east-1"] }, "replicaRegions[1]", '"us-east-1": given twice');
  });

  test.each(["EU-WEST-2", "eu-west", "euwest2", "", "eu-west-2 ", "${var.region}"])(
    "refuses a malformed region %j",
    (region) => {
      expectInvalid({ replicaRegions: [region] }, "replicaRegions[0]", "allowed is a region name known at synth");
    },
  );

  test("refuses replicaRegions with the SSM store", () => {
    expectInvalid(
      { store: "ssm", replicaRegions: ["us-east-1"] },
      "replicaRegions",
      'replicas need store "secretsmanager"',
    );
  });

  test("refuses a value that is not a list", () => {
    expectInvalid({ replicaRegions: "us-east-1" }, "replicaRegions", "allowed is a list of region names");
  });
});
