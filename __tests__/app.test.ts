import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLACEHOLDER_VALUE } from "../constructs";
import { AWS_PROVIDER_CONSTRAINT } from "../constructs/aws-provider-version";
import { readZip } from "../constructs/zip";
import { buildApp } from "../main";
import { environments } from "../config/environments";
import { expectWriteOnlyPlaceholder, resources, statements, type TerraformJson } from "./helpers/synth";

const ROOT = path.join(__dirname, "..");
const ENVIRONMENTS = Object.keys(environments).sort();

/** Runs the app exactly as `npm run synth` and `cdktf synth` do, into a temporary directory. */
function synthWholeApp(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-app-"));
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app as string;
  const [command, ...args] = app.split(" ");
  execFileSync(command!, args, { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: outdir }, stdio: "pipe" });
  return outdir;
}

function readStack(outdir: string, name: string): TerraformJson {
  return JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TerraformJson;
}

/**
 * Content hashes change with every edit of the handler; the snapshot is about infrastructure.
 * The generator's version and how the provider's source is spelled are what a move to CDK
 * Terrain changes: explicit tests pin them, the snapshot leaves them out, so the same
 * snapshots hold under cdktf and cdktn (npm run check:cdktn).
 */
function withoutBundleHashes(json: TerraformJson): unknown {
  const normalized = JSON.parse(
    JSON.stringify(json)
      .replace(/[0-9a-f]{64}/g, "<sha256>")
      .replace(/Bundle-[0-9a-f]{12}(_(?:Zip|Code)_[0-9A-F]{8})?/g, "Bundle-<hash>")
      .replace(/"source_code_hash":"[A-Za-z0-9+/]{43}="/g, '"source_code_hash":"<base64 sha256>"'),
  );
  normalized["//"].metadata.version = "<generator version>";
  normalized.terraform.required_providers.aws.source = "<aws or hashicorp/aws>";
  return normalized;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe("the app", () => {
  const outdir = synthWholeApp();
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test("synthesizes every environment into its own stack directory", () => {
    expect(fs.readdirSync(path.join(outdir, "stacks")).sort()).toEqual(ENVIRONMENTS);
    for (const env of ENVIRONMENTS) {
      const json = readStack(outdir, env);
      expect(resources(json, "aws_lambda_function")).toHaveLength(1);
      // One SecureString per secret, or (stg: store "secretsmanager") one secret holding both as JSON keys.
      const secretsManager = env === "stg";
      expect(resources(json, "aws_ssm_parameter")).toHaveLength(secretsManager ? 0 : 2);
      expect(resources(json, "aws_secretsmanager_secret")).toHaveLength(secretsManager ? 1 : 0);
      expect(resources(json, "aws_kms_key")).toHaveLength(1);
      expect(resources(json, "aws_cloudwatch_log_group")).toHaveLength(1);
      expect(resources(json, "aws_iam_role")).toHaveLength(1);
      expect(resources(json, "aws_sqs_queue")).toHaveLength(1);
    }
  });

  test.each(ENVIRONMENTS)("%s: each secret's description gives the command that sets it in this environment", (env) => {
    const json = readStack(outdir, env);
    const described = [...resources(json, "aws_ssm_parameter"), ...resources(json, "aws_secretsmanager_secret")].map(
      ([, r]) => r.description as string,
    );
    expect(described.length).toBeGreaterThan(0);
    for (const description of described) {
      expect(description).toContain(`npx --no secure-lambda set ${env} notifier-${env} `);
      expect(description).not.toContain("<env>");
    }
  });

  test.each(ENVIRONMENTS)(
    "%s: refuses a Terraform or OpenTofu older than 1.11, which knows no write-only arguments",
    (env) => {
      expect(readStack(outdir, env).terraform.required_version).toBe(">= 1.11.0");
    },
  );

  test("prod keeps its state in S3, encrypted and locked, and may be applied to its own account only", () => {
    const prod = readStack(outdir, "prod");
    expect(prod.terraform.backend).toEqual({
      s3: {
        bucket: environments.prod.stateBackend.bucket,
        key: "secure-lambda/prod/terraform.tfstate",
        region: "eu-west-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
    expect(prod.provider!.aws![0].allowed_account_ids).toEqual([environments.prod.accountId]);
  });

  test.each(ENVIRONMENTS)(
    "%s: requires the AWS provider range with the documented behaviour, and no other provider",
    (env) => {
      const { required_providers: providers } = readStack(outdir, env).terraform;
      expect(Object.keys(providers)).toEqual(["aws"]);
      expect(providers.aws.version).toBe(AWS_PROVIDER_CONSTRAINT);
      expect(["aws", "hashicorp/aws"]).toContain(providers.aws.source);
    },
  );

  test.each(ENVIRONMENTS)("matches the snapshot of the %s stack", (env) => {
    expect(withoutBundleHashes(readStack(outdir, env))).toMatchSnapshot();
  });

  test.each(ENVIRONMENTS)(
    "%s: the provider uses the configured region and tags resources with project and environment",
    (env) => {
      const [aws] = readStack(outdir, env).provider!.aws!;
      expect(aws.region).toBe(environments[env as keyof typeof environments].region);
      expect(aws.default_tags).toEqual([{ tags: { project: "secure-lambda", environment: env } }]);
    },
  );

  test("the local stack sends every AWS call to LocalStack with test credentials", () => {
    const [aws] = readStack(outdir, "local").provider!.aws!;
    expect(aws.access_key).toBe("test");
    // Checked against the local STS, not skipped: allowed_account_ids needs the account.
    expect(aws.skip_credentials_validation).toBeUndefined();
    expect(aws.skip_requesting_account_id).toBeUndefined();
    const endpoints = aws.endpoints[0] as Record<string, string>;
    // Every service any environment's resources live in (so that switching `local` to the
    // other store, or adding a dead-letter queue, cannot send a call to real AWS), and STS.
    const SERVICE_OF: Array<[RegExp, string]> = [
      [/^aws_cloudwatch_log_/, "cloudwatchlogs"],
      [/^aws_iam_/, "iam"],
      [/^aws_kms_/, "kms"],
      [/^aws_lambda_/, "lambda"],
      [/^aws_sqs_/, "sqs"],
      [/^aws_ssm_/, "ssm"],
      [/^aws_secretsmanager_/, "secretsmanager"],
    ];
    const types = new Set(ENVIRONMENTS.flatMap((env) => Object.keys(readStack(outdir, env).resource)));
    for (const type of types) expect([type, SERVICE_OF.some(([pattern]) => pattern.test(type))]).toEqual([type, true]);
    for (const service of [...SERVICE_OF.map(([, name]) => name), "sts"])
      expect([service, endpoints[service]]).toEqual([service, "http://localhost:4566"]);
  });

  test('no role policy has a wildcard action, or a wildcard resource but its own log stream names and X-Ray\'s "*" in a statement of its own', () => {
    for (const env of ENVIRONMENTS) {
      for (const [, policy] of resources(readStack(outdir, env), "aws_iam_role_policy")) {
        for (const statement of statements(policy.policy)) {
          for (const action of statement.Action) expect(action).not.toContain("*");
          if (statement.Sid === "WriteTraces") {
            expect(statement).toEqual({
              Sid: "WriteTraces",
              Effect: "Allow",
              Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
              Resource: ["*"],
            });
            continue;
          }
          for (const resource of statement.Resource)
            expect(resource.replace(/^\$\{aws_cloudwatch_log_group\.[^}]+\.arn\}:log-stream:\*$/, "")).not.toContain(
              "*",
            );
        }
      }
    }
  });

  test("every SecureString holds the placeholder write-only (no value), and no file in cdktf.out holds anything token-shaped", () => {
    for (const env of ENVIRONMENTS) {
      const protect = environments[env as keyof typeof environments].protected;
      for (const [, parameter] of resources(readStack(outdir, env), "aws_ssm_parameter")) {
        expect(parameter.type).toBe("SecureString");
        expectWriteOnlyPlaceholder(parameter, protect);
      }
      for (const [, version] of resources(readStack(outdir, env), "aws_secretsmanager_secret_version")) {
        expect(version).not.toHaveProperty("secret_string");
        expect(Object.values(JSON.parse(version.secret_string_wo))).toEqual([PLACEHOLDER_VALUE, PLACEHOLDER_VALUE]);
      }
    }
    const tokenShaped =
      /ghp_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[0-9A-Za-z-]{10,}|hooks\.slack\.com\/services\/T|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----/;
    for (const file of filesUnder(outdir))
      expect([file, tokenShaped.test(fs.readFileSync(file, "utf8"))]).toEqual([file, false]);
  });

  test("ships each stack's zip inside the stack directory, the same bytes in every stack, its hash the function's source_code_hash", () => {
    const hashes = ENVIRONMENTS.map((env) => {
      const [[, fn]] = resources(readStack(outdir, env), "aws_lambda_function") as [[string, Record<string, any>]];
      const zip = fs.readFileSync(path.join(outdir, "stacks", env, fn.filename));
      expect(createHash("sha256").update(zip).digest("base64")).toBe(fn.source_code_hash);
      expect(readZip(zip).map((e) => [e.name, e.data.length > 1000])).toEqual([["index.js", true]]);
      return fn.source_code_hash;
    });
    expect(new Set(hashes).size).toBe(1);
  });
});

describe("buildApp with other configurations", () => {
  const base = environments.dev;

  function synthEnv(config: Parameters<typeof buildApp>[0]): TerraformJson {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-cfg-"));
    try {
      buildApp({ ...config, outdir }).synth();
      return readStack(outdir, "x");
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }

  test("keeps state in an encrypted S3 bucket with locking when a state bucket is configured", () => {
    const json = synthEnv({ environments: { x: { ...base, stateBackend: { bucket: "acme-tfstate" } } } });
    expect(json.terraform.backend).toEqual({
      s3: {
        bucket: "acme-tfstate",
        key: "secure-lambda/x/terraform.tfstate",
        region: base.region,
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  test("keeps state in a local file when no state bucket is configured", () => {
    expect(synthEnv({ environments: { x: base } }).terraform.backend).toEqual({ local: { path: "terraform.tfstate" } });
  });

  test("pins the provider to the configured account", () => {
    const json = synthEnv({ environments: { x: { ...base, accountId: "123456789012" } } });
    expect(json.provider!.aws![0].allowed_account_ids).toEqual(["123456789012"]);
  });
});
