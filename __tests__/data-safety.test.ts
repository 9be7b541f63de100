import { environments, type EnvironmentConfig } from "../config/environments";
import { SecretsKey, SecureLambda, SecureLambdaValidationError } from "../constructs";
import { Testing, TerraformStack } from "../constructs/tf";
import { buildApp } from "../main";
import { expectWriteOnlyPlaceholder, HELLO_ENTRY, resources, type TerraformJson } from "./helpers/synth";

/** The synthesized JSON of one environment's stack, built by the app exactly as `cdktf synth` builds it. */
function synthEnvironment(name: string, config: EnvironmentConfig): TerraformJson {
  const app = buildApp({ environments: { [name]: config } });
  return JSON.parse(Testing.synth(app.node.findChild(name) as TerraformStack, true)) as TerraformJson;
}

function addresses(json: TerraformJson): string[] {
  return Object.entries(json.resource)
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
}

describe("in a protected environment (prod)", () => {
  const json = synthEnvironment("prod", environments.prod);

  test("prod is protected by the configuration", () => expect(environments.prod.protected).toBe(true));

  test("every parameter refuses destroy and replacement, and still ignores its value", () => {
    const parameters = resources(json, "aws_ssm_parameter");
    expect(parameters).toHaveLength(2);
    for (const [, parameter] of parameters) expectWriteOnlyPlaceholder(parameter, true);
  });

  test("the key refuses destroy and keeps the 30-day deletion window", () => {
    for (const [, key] of resources(json, "aws_kms_key")) {
      expect(key.lifecycle).toEqual({ prevent_destroy: true });
      expect(key.deletion_window_in_days).toBe(30);
    }
  });
});

describe("in an unprotected environment (dev)", () => {
  const json = synthEnvironment("dev", environments.dev);

  test("parameters may be destroyed but still ignore their value", () => {
    for (const [, parameter] of resources(json, "aws_ssm_parameter")) expectWriteOnlyPlaceholder(parameter);
  });

  test("the key may be destroyed, still with the 30-day window", () => {
    const [[, key]] = resources(json, "aws_kms_key") as [[string, Record<string, unknown>]];
    expect(key.lifecycle).toBeUndefined();
    expect(key.deletion_window_in_days).toBe(30);
  });
});

test("protection is configuration: any environment marked protected gets it", () => {
  const json = synthEnvironment("stg", {
    ...environments.stg,
    protected: true,
    accountId: "111122223333",
    stateBackend: { bucket: "state-bucket" },
  });
  for (const type of ["aws_secretsmanager_secret", "aws_secretsmanager_secret_version"]) {
    expect(resources(json, type)).toHaveLength(1);
    for (const [, resource] of resources(json, type)) expect(resource.lifecycle.prevent_destroy).toBe(true);
  }
  for (const [, key] of resources(json, "aws_kms_key")) expect(key.lifecycle).toEqual({ prevent_destroy: true });
});

test("a protected function refuses a shared key that is not protected", () => {
  const stack = new TerraformStack(Testing.app(), "test");
  const key = new SecretsKey(stack, "Shared", { aliasName: "shared" });
  expect(
    () => new SecureLambda(stack, "fn", { functionName: "fn", entry: HELLO_ENTRY, protect: true, kmsKey: key }),
  ).toThrow(SecureLambdaValidationError);
  expect(
    () => new SecureLambda(stack, "fn2", { functionName: "fn2", entry: HELLO_ENTRY, protect: true, kmsKey: key }),
  ).toThrow(/test\/fn2: invalid kmsKey: test\/Shared is not protected, but this function is/);
});

describe("Terraform addresses of the example dev stack", () => {
  // These names are the identity of the resources in the Terraform state. A refactor that
  // changes one makes Terraform destroy and recreate the resource: for the key and the
  // parameters that loses every secret set by hand. Change this list only together with
  // `moveTo`/`moved` blocks that carry the state over.
  test("are exactly these, so no refactor replaces the key or the parameters by accident", () => {
    expect(addresses(synthEnvironment("dev", environments.dev))).toEqual([
      "aws_cloudwatch_log_group.notifier-dev_LogGroup_2101DF27",
      "aws_iam_role.notifier-dev_Role_7A4D0FF2",
      "aws_iam_role_policy.notifier-dev_Role_Policy_2C943020",
      "aws_kms_alias.notifier-dev_Key_Alias_56574A37",
      "aws_kms_key.notifier-dev_Key_598EB60E",
      "aws_lambda_function.notifier-dev_Function_06BC463D",
      "aws_sqs_queue.notifier-dev_DeadLetterQueue_0D048541",
      "aws_ssm_parameter.notifier-dev_Parameter-github_token_3EC94688",
      "aws_ssm_parameter.notifier-dev_Parameter-slack_webhook_url_113CFEE2",
    ]);
  });

  test("do not depend on the environment's other settings (backend, account, protection)", () => {
    const changed = {
      ...environments.dev,
      protected: true,
      accountId: "123456789012",
      stateBackend: { bucket: "acme-tfstate" },
    };
    expect(addresses(synthEnvironment("dev", changed))).toEqual(addresses(synthEnvironment("dev", environments.dev)));
  });
});
