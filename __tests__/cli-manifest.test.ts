import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SecretsKey, SecureLambda, PLACEHOLDER_VALUE } from "../constructs";
import { CLI_RECORD_FORMAT, CLI_RECORD_KEY } from "../common/cli-record";
import { App, AwsProvider, TerraformStack, TerraformVariable } from "../constructs/tf";
import { stackJson } from "./helpers/cli-app";
import { HELLO_ENTRY, only, ref, type TerraformJson } from "./helpers/synth";

const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** Synthesizes a stack as `cdktf synth` writes it: Testing.synth would strip the `"//"` metadata. */
function synthStack(build: (stack: TerraformStack) => void): TerraformJson {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-record-"));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  build(stack);
  app.synth();
  return stackJson(outdir, "test");
}

function recordOf(json: TerraformJson): any {
  return (json as unknown as { "//": { metadata: Record<string, unknown> } })["//"].metadata[CLI_RECORD_KEY];
}

describe("the record SecureLambda leaves for the secrets CLI", () => {
  const json = synthStack((stack) => {
    new SecureLambda(stack, "reporter", {
      functionName: "reporter",
      entry: HELLO_ENTRY,
      secrets: ["github_token", "slack_url"],
      parameterPrefix: "/team/reporter",
    });
    new SecureLambda(stack, "vault", {
      functionName: "vault",
      entry: HELLO_ENTRY,
      secrets: ["signing_key"],
      store: "secretsmanager",
      kmsKey: SecretsKey.fromKeyArn(stack, "SharedKey", KEY_ARN),
    });
  });

  test("is one entry per function in the stack's metadata, in the format the CLI reads", () => {
    const record = recordOf(json);
    expect(record.format).toBe(CLI_RECORD_FORMAT);
    expect(record.functions.map((f: { constructPath: string }) => f.constructPath)).toEqual([
      "test/reporter",
      "test/vault",
    ]);
  });

  test("names each SSM secret's parameter with the prefix given, and the key the stack creates by reference", () => {
    const [keyName] = only(json, "aws_kms_key");
    expect(recordOf(json).functions[0]).toEqual({
      constructPath: "test/reporter",
      functionName: "reporter",
      store: "ssm",
      kmsKey: ref("aws_kms_key", keyName, "arn"),
      secrets: [
        { name: "github_token", parameterName: "/team/reporter/github_token" },
        { name: "slack_url", parameterName: "/team/reporter/slack_url" },
      ],
    });
    // The parameters the record names are the ones the stack creates.
    const names = Object.values(json.resource.aws_ssm_parameter ?? {}).map((p) => p.name);
    expect(names.sort()).toEqual(["/team/reporter/github_token", "/team/reporter/slack_url"]);
  });

  test("names a Secrets Manager secret's id and JSON key, and a key passed in by its ARN", () => {
    expect(recordOf(json).functions[1]).toEqual({
      constructPath: "test/vault",
      functionName: "vault",
      store: "secretsmanager",
      kmsKey: KEY_ARN,
      secrets: [{ name: "signing_key", secretId: "vault/secrets", key: "signing_key" }],
    });
    expect(Object.values(json.resource.aws_secretsmanager_secret ?? {}).map((s) => s.name)).toEqual(["vault/secrets"]);
  });

  test("holds names only: no placeholder, and nothing of the Terraform configuration changes", () => {
    expect(JSON.stringify(recordOf(json))).not.toContain(PLACEHOLDER_VALUE);
    const types = Object.keys(json.resource).sort();
    expect(types).not.toContain("CliRecord");
    expect(JSON.stringify(json.resource)).not.toContain(CLI_RECORD_KEY);
  });

  test("writes a name known only at plan as its Terraform reference, which the CLI can then refuse to guess", () => {
    const planned = synthStack((stack) => {
      const name = new TerraformVariable(stack, "function_name", { type: "string" });
      new SecureLambda(stack, "fn", {
        functionName: name.stringValue,
        entry: HELLO_ENTRY,
        secrets: ["token"],
        parameterPrefix: "/fixed",
      });
    });
    const [fn] = recordOf(planned).functions;
    expect(fn.functionName).toBe("${var.function_name}");
    expect(fn.secrets).toEqual([{ name: "token", parameterName: "/fixed/token" }]);
  });

  test("is absent from a stack without SecureLambda", () => {
    expect(recordOf(synthStack(() => undefined))).toBeUndefined();
  });
});
