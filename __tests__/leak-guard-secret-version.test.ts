import { createHash } from "node:crypto";
import { TARGET_VERSIONS, TARGET_VERSIONS_CONTEXT_KEY } from "../constructs/terraform-version";
import { PLACEHOLDER_VALUE, SecretLeakGuard, SecureLambda } from "../constructs";
import { collectGuardedValues } from "../constructs/leak-guard/collect";
import { placeholderSecretJson } from "../common/naming";
import {
  AwsProvider,
  SecretsmanagerSecret,
  SecretsmanagerSecretVersion,
  Testing,
  TerraformStack,
} from "../constructs/tf";
import { HELLO_ENTRY, only, type TerraformJson } from "./helpers/synth";
import { leakOf } from "./helpers/leak";

/** A fixed pseudo-random string (SHA-256 of a seed): a real-looking password, built at run time. */
function pseudoRandom(length: number, seed = 42): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = createHash("sha256").update(`secret-version/${seed}`).digest();
  return Array.from({ length }, (_, i) => alphabet[bytes[i % bytes.length]! % alphabet.length]).join("");
}
const PASSWORD = pseudoRandom(24);
const ADDRESS = "aws_secretsmanager_secret_version.Version";

type VersionArguments = { secretString?: string; secretStringWo?: string; secretBinary?: string };

/** A guarded stack holding one bare secret and secret version (not a SecureLambda's). */
function secretVersionStack(args: VersionArguments): { stack: TerraformStack; version: SecretsmanagerSecretVersion } {
  // Declares what the construct declares for itself: cdktn refuses secret_string_wo without it.
  const stack = new TerraformStack(
    Testing.app({ context: { [TARGET_VERSIONS_CONTEXT_KEY]: TARGET_VERSIONS } }),
    "secrets",
  );
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  SecretLeakGuard.protect(stack);
  const secret = new SecretsmanagerSecret(stack, "Secret", { name: "app/secrets" });
  const version = new SecretsmanagerSecretVersion(stack, "Version", {
    secretId: secret.id,
    secretString: args.secretString,
    secretStringWo: args.secretStringWo,
    secretStringWoVersion: args.secretStringWo === undefined ? undefined : 1,
    secretBinary: args.secretBinary,
  });
  return { stack, version };
}

const synth = (stack: TerraformStack) => Testing.synth(stack, true);

describe("secret_string", () => {
  test("passes with the placeholder JSON, even under long secret names an entropy check would take for keys", () => {
    const json = placeholderSecretJson(["token", "db_password_primary_cluster_eu_west_1_v2"]);
    expect(() => synth(secretVersionStack({ secretString: json }).stack)).not.toThrow();
  });

  test("passes with the bare placeholder", () => {
    expect(() => synth(secretVersionStack({ secretString: PLACEHOLDER_VALUE }).stack)).not.toThrow();
  });

  test("fails synthesis on a literal JSON with a real-looking value, naming address and argument but not the value", () => {
    const error = leakOf(() =>
      synth(
        secretVersionStack({ secretString: JSON.stringify({ token: PLACEHOLDER_VALUE, db_password: PASSWORD }) }).stack,
      ),
    );
    expect(error.findings).toEqual([
      expect.objectContaining({ address: ADDRESS, variable: "secret_string", rules: ["secret-version-placeholder"] }),
    ]);
    expect(error.message).toContain(ADDRESS);
    expect(error.message).toContain("variable secret_string");
    expect(error.message).toContain("npx --no secure-lambda set <stack> <function> <secret>");
    expect(error.message).toContain("secret_string_wo");
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(PASSWORD.slice(4, 16));
  });

  test("fails synthesis on a reference, which Terraform resolves into the plan and the state", () => {
    const error = leakOf(() => synth(secretVersionStack({ secretString: "${random_password.db.result}" }).stack));
    expect(error.findings).toEqual([
      expect.objectContaining({ address: ADDRESS, variable: "secret_string", rules: ["secret-version-placeholder"] }),
    ]);
    expect(error.message).toContain("plan and the state");
  });

  test("also names a known token format found there", () => {
    const token = ["gh", "p_"].join("") + pseudoRandom(36, 7);
    const error = leakOf(() => synth(secretVersionStack({ secretString: JSON.stringify({ token }) }).stack));
    expect(error.findings[0]!.rules).toEqual(["known-token-format", "secret-version-placeholder"]);
    expect(error.message).not.toContain(token);
  });

  test("catches a value set through an escape-hatch override", () => {
    const { stack, version } = secretVersionStack({ secretString: PLACEHOLDER_VALUE });
    version.addOverride("secret_string", JSON.stringify({ token: PASSWORD }));
    expect(leakOf(() => synth(stack)).findings).toEqual([
      expect.objectContaining({ address: ADDRESS, variable: "secret_string" }),
    ]);
  });
});

describe("secret_string_wo", () => {
  test("passes with exactly the placeholder JSON, or the bare placeholder", () => {
    expect(() =>
      synth(secretVersionStack({ secretStringWo: placeholderSecretJson(["token", "db_password"]) }).stack),
    ).not.toThrow();
    expect(() => synth(secretVersionStack({ secretStringWo: PLACEHOLDER_VALUE }).stack)).not.toThrow();
  });

  test("fails synthesis on a literal, which is still in the code", () => {
    const error = leakOf(() => synth(secretVersionStack({ secretStringWo: PASSWORD }).stack));
    expect(error.findings).toEqual([
      expect.objectContaining({
        address: ADDRESS,
        variable: "secret_string_wo",
        rules: ["secret-version-placeholder"],
      }),
    ]);
    expect(error.message).toContain("literal other than the placeholder JSON");
    expect(error.message).not.toContain(PASSWORD);
  });

  test.each([
    ["alone", "${var.app_secrets}"],
    ["as a value of a JSON object", `{"token":"\${var.token}","other":"${PLACEHOLDER_VALUE}"}`],
  ])("fails synthesis on a reference (%s), whose source Terraform may keep in the state", (_, value) => {
    const error = leakOf(() => synth(secretVersionStack({ secretStringWo: value }).stack));
    expect(error.findings).toEqual([
      expect.objectContaining({ variable: "secret_string_wo", rules: ["secret-version-placeholder"] }),
    ]);
    expect(error.message).toContain("may keep in the state");
  });

  test("fails synthesis on a JSON object with a literal value beside a reference", () => {
    const error = leakOf(() =>
      synth(
        secretVersionStack({ secretStringWo: JSON.stringify({ token: "${var.token}", db_password: PASSWORD }) }).stack,
      ),
    );
    expect(error.findings).toEqual([
      expect.objectContaining({ variable: "secret_string_wo", rules: ["secret-version-placeholder"] }),
    ]);
    expect(error.message).not.toContain(PASSWORD);
  });
});

describe("secret_binary", () => {
  test.each([
    ["a literal", Buffer.from(PASSWORD).toString("base64")],
    ["a reference", "${filebase64(var.keystore_path)}"],
  ])("fails synthesis holding %s", (_, value) => {
    const error = leakOf(() => synth(secretVersionStack({ secretBinary: value }).stack));
    expect(error.findings).toEqual([
      expect.objectContaining({ address: ADDRESS, variable: "secret_binary", rules: ["secret-version-placeholder"] }),
    ]);
    expect(error.message).toContain("npx --no secure-lambda set <stack> <function> <secret>");
    expect(error.message).not.toContain(value);
  });
});

describe("deliberate exceptions", () => {
  test("SecretLeakGuard.allow with a reason lets secret_string of that version through, and only that argument", () => {
    const { stack, version } = secretVersionStack({ secretString: JSON.stringify({ region: "eu-west-1" }) });
    SecretLeakGuard.allow(version, { variable: "secret_string", reason: "a test fixture's non-secret configuration" });
    expect(() => synth(stack)).not.toThrow();

    const both = secretVersionStack({
      secretString: JSON.stringify({ region: "eu-west-1" }),
      secretBinary: "aGVsbG8=",
    });
    SecretLeakGuard.allow(both.version, {
      variable: "secret_string",
      reason: "a test fixture's non-secret configuration",
    });
    expect(leakOf(() => synth(both.stack)).findings.map((f) => f.variable)).toEqual(["secret_binary"]);
  });
});

describe("SecureLambda with store secretsmanager", () => {
  function secureLambdaStack(): TerraformStack {
    const stack = new TerraformStack(Testing.app(), "test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new SecureLambda(stack, "fn", {
      functionName: "fn",
      entry: HELLO_ENTRY,
      secrets: ["token"],
      store: "secretsmanager",
    });
    return stack;
  }

  test("synthesizes its placeholder secret version without the guard firing", () => {
    const json = JSON.parse(synth(secureLambdaStack())) as TerraformJson;
    const [, version] = only(json, "aws_secretsmanager_secret_version");
    expect(version.secret_string_wo).toBe(placeholderSecretJson(["token"]));
  });

  test("the guard judges that version's secret_string_wo", () => {
    const values = collectGuardedValues(JSON.parse(synth(secureLambdaStack())));
    expect(values).toContainEqual(
      expect.objectContaining({
        kind: "secret-version-value",
        resourceType: "aws_secretsmanager_secret_version",
        variable: "secret_string_wo",
        value: placeholderSecretJson(["token"]),
      }),
    );
  });
});
