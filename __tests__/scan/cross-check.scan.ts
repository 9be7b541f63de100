/**
 * The real Checkov and Trivy against the project's own posture rules, on the example app
 * and on copies of its dev stack broken one property at a time.
 *
 * - For every property a retired hand-written rule used to check, a scanner fails the
 *   broken copy, on the broken resource: that is why the rule could go.
 * - For every rule the project keeps, the broken copy passes the scanners' nearest checks
 *   and fails the rule: the gap is real. When a scanner learns it, this fails: retire the
 *   rule then.
 * - Two scanner defects the scan works around are pinned, so the work-arounds go when the
 *   defects do.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { POSTURE_RULES } from "../../audit/posture";
import { runAuditCli } from "../../audit/cli";
import { runScanCli } from "../../audit/scan/cli";
import type { ScanResult } from "../../audit/scan/result";
import { scannersFromTools, scanStacks, type Scanners, type ScanReport } from "../../audit/scan/scan";
import { readSkips, type Skip } from "../../audit/scan/skips";
import { readSynthesizedStacks, type SynthesizedStack } from "../../audit/terraform-json";
import { loadTools } from "../../cli/real-tools";
import { buildApp } from "../../main";
import { bySid, editPolicy, onlyBody } from "../helpers/break-stack";

const ROOT = path.join(__dirname, "..", "..");
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-scan-app-"));
buildApp({ outdir }).synth();
const app: readonly SynthesizedStack[] = readSynthesizedStacks(outdir);
const dev = app.find((stack) => stack.name === "dev")!;
const scanners: Scanners = scannersFromTools(loadTools(), ROOT);
const skips = readSkips();

/** A deep copy of the dev stack's JSON, to break. */
function devCopy(): any {
  return structuredClone(dev.json);
}
const fn = (json: any) => onlyBody(json, "aws_lambda_function");
const firstParameter = (json: any) => Object.values(json.resource.aws_ssm_parameter)[0] as any;

/** One property broken, and the checks that must then fail on the resource of `type`. */
interface Breakage {
  readonly name: string;
  readonly type: string;
  readonly break: (json: any) => void;
}

/** Properties the retired rules checked, and the scanner checks that now catch each. */
const COVERED: ReadonlyArray<Breakage & { readonly failing: readonly string[] }> = [
  {
    name: "no key rotation",
    type: "aws_kms_key",
    failing: ["CKV_AWS_7", "AWS-0065"],
    break: (j) => (onlyBody(j, "aws_kms_key").enable_key_rotation = false),
  },
  {
    name: "key rotation unset",
    type: "aws_kms_key",
    failing: ["CKV_AWS_7", "AWS-0065"],
    break: (j) => delete onlyBody(j, "aws_kms_key").enable_key_rotation,
  },
  {
    name: "key disabled",
    type: "aws_kms_key",
    failing: ["CKV_AWS_227"],
    break: (j) => (onlyBody(j, "aws_kms_key").is_enabled = false),
  },
  {
    name: "key without its own policy",
    type: "aws_kms_key",
    failing: ["CKV2_AWS_64"],
    break: (j) => delete onlyBody(j, "aws_kms_key").policy,
  },
  {
    name: "log retention unset",
    type: "aws_cloudwatch_log_group",
    failing: ["CKV_AWS_66", "CKV_AWS_338"],
    break: (j) => delete onlyBody(j, "aws_cloudwatch_log_group").retention_in_days,
  },
  {
    name: "log retention 180 days",
    type: "aws_cloudwatch_log_group",
    failing: ["CKV_AWS_338"],
    break: (j) => (onlyBody(j, "aws_cloudwatch_log_group").retention_in_days = 180),
  },
  {
    name: "unencrypted log group",
    type: "aws_cloudwatch_log_group",
    failing: ["CKV_AWS_158", "AWS-0017"],
    break: (j) => delete onlyBody(j, "aws_cloudwatch_log_group").kms_key_id,
  },
  {
    name: "no tracing",
    type: "aws_lambda_function",
    failing: ["CKV_AWS_50"],
    break: (j) => delete fn(j).tracing_config,
  },
  {
    name: "environment not encrypted with the key",
    type: "aws_lambda_function",
    failing: ["CKV_AWS_173"],
    break: (j) => delete fn(j).kms_key_arn,
  },
  {
    name: "no concurrency reservation",
    type: "aws_lambda_function",
    failing: ["CKV_AWS_115"],
    break: (j) => delete fn(j).reserved_concurrent_executions,
  },
  {
    name: "no dead-letter target",
    type: "aws_lambda_function",
    failing: ["CKV_AWS_116"],
    break: (j) => delete fn(j).dead_letter_config,
  },
  // AWS's documented example key id, assembled so the source holds no key-shaped literal.
  {
    name: "AWS access key in the environment",
    type: "aws_lambda_function",
    failing: ["CKV_AWS_45"],
    break: (j) => (fn(j).environment.variables.UPLOAD_KEY_ID = ["AKIA", "IOSFODNN7EXAMPLE"].join("")),
  },
  {
    name: "function URL without IAM auth",
    type: "aws_lambda_function_url",
    failing: ["CKV_AWS_258"],
    break: (j) =>
      (j.resource.aws_lambda_function_url = {
        "notifier-dev_FunctionUrl_0": { function_name: "notifier-dev", authorization_type: "NONE" },
      }),
  },
  {
    name: "trust policy for any principal",
    type: "aws_iam_role",
    failing: ["CKV_AWS_60"],
    break: (j) => editPolicy(onlyBody(j, "aws_iam_role"), "assume_role_policy", (s) => (s[0].Principal = { AWS: "*" })),
  },
  {
    name: "trust policy for a whole account",
    type: "aws_iam_role",
    failing: ["CKV_AWS_61"],
    break: (j) =>
      editPolicy(
        onlyBody(j, "aws_iam_role"),
        "assume_role_policy",
        (s) => (s[0].Principal = { AWS: ["arn:aws:iam::123456789012:root"] }),
      ),
  },
  {
    name: 'action "*"',
    type: "aws_iam_role_policy",
    failing: ["CKV_AWS_62", "CKV_AWS_63"],
    break: (j) =>
      editPolicy(onlyBody(j, "aws_iam_role_policy"), "policy", (s) => (bySid(s, "WriteTraces").Action = "*")),
  },
  {
    name: "plain String parameter",
    type: "aws_ssm_parameter",
    failing: ["CKV2_AWS_34"],
    break: (j) => (firstParameter(j).type = "String"),
  },
  {
    name: "parameter without key_id",
    type: "aws_ssm_parameter",
    failing: ["CKV_AWS_337"],
    break: (j) => delete firstParameter(j).key_id,
  },
  {
    name: "unencrypted queue",
    type: "aws_sqs_queue",
    failing: ["CKV_AWS_27", "AWS-0096"],
    break: (j) => delete onlyBody(j, "aws_sqs_queue").sqs_managed_sse_enabled,
  },
  {
    name: "queue with the AWS-managed key",
    type: "aws_sqs_queue",
    failing: ["CKV2_AWS_73", "AWS-0135"],
    break: (j) => {
      delete onlyBody(j, "aws_sqs_queue").sqs_managed_sse_enabled;
      onlyBody(j, "aws_sqs_queue").kms_master_key_id = "alias/aws/sqs";
    },
  },
];

/** Properties only the project's rules check: the rule fails the copy, the scanners' nearest checks do not. */
const GAPS: ReadonlyArray<Breakage & { readonly rule: string }> = [
  {
    name: 'key policy allowing "*"',
    rule: "kms-key-no-wildcard-principal",
    type: "aws_kms_key",
    break: (j) =>
      editPolicy(onlyBody(j, "aws_kms_key"), "policy", (s) =>
        s.push({ Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:Decrypt"], Resource: "*" }),
      ),
  },
  {
    name: "tracing PassThrough",
    rule: "lambda-tracing",
    type: "aws_lambda_function",
    break: (j) => (fn(j).tracing_config = { mode: "PassThrough" }),
  },
  {
    name: "runtime nodejs18.x",
    rule: "lambda-runtime-supported",
    type: "aws_lambda_function",
    break: (j) => (fn(j).runtime = "nodejs18.x"),
  },
  {
    name: "runtime nodejs20.x",
    rule: "lambda-runtime-supported",
    type: "aws_lambda_function",
    break: (j) => (fn(j).runtime = "nodejs20.x"),
  },
  {
    name: "reservation -1 (none)",
    rule: "lambda-reserved-concurrency",
    type: "aws_lambda_function",
    break: (j) => (fn(j).reserved_concurrent_executions = -1),
  },
  {
    name: "action ssm:Get*",
    rule: "iam-no-wildcard-action",
    type: "aws_iam_role_policy",
    break: (j) =>
      editPolicy(
        onlyBody(j, "aws_iam_role_policy"),
        "policy",
        (s) => (bySid(s, "ReadOwnSecretParameters").Action = ["ssm:Get*"]),
      ),
  },
  {
    name: 'parameters on "*"',
    rule: "iam-scoped-resources",
    type: "aws_iam_role_policy",
    break: (j) =>
      editPolicy(
        onlyBody(j, "aws_iam_role_policy"),
        "policy",
        (s) => (bySid(s, "ReadOwnSecretParameters").Resource = "*"),
      ),
  },
  {
    name: 'a scopable action in the "*" statement',
    rule: "iam-scoped-resources",
    type: "aws_iam_role_policy",
    break: (j) =>
      editPolicy(onlyBody(j, "aws_iam_role_policy"), "policy", (s) =>
        bySid(s, "WriteTraces").Action.push("sqs:SendMessage"),
      ),
  },
  {
    name: "parameter with alias/aws/ssm",
    rule: "ssm-customer-key",
    type: "aws_ssm_parameter",
    break: (j) => (firstParameter(j).key_id = "alias/aws/ssm"),
  },
];

const copyName = (breakage: Breakage) => `broken-${breakage.name.replace(/[^a-zA-Z0-9]+/g, "-").replace(/-$/, "")}`;
const brokenCopies: SynthesizedStack[] = [...COVERED, ...GAPS].map((breakage) => {
  const json = devCopy();
  breakage.break(json);
  return { name: copyName(breakage), json };
});
const optedIn = devCopy();
fn(optedIn).vpc_config = { subnet_ids: ["subnet-0123456789abcdef0"], security_group_ids: ["sg-0123456789abcdef0"] };
fn(optedIn).code_signing_config_arn = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0";
fn(optedIn).tracing_config = { mode: "Active" };
const retained = devCopy();
onlyBody(retained, "aws_cloudwatch_log_group").retention_in_days = 0;

let appScan: ScanReport;
let brokenScan: ScanReport;
beforeAll(() => {
  appScan = scanStacks(app, scanners, skips);
  // One run of each scanner for every copy; no skips, so every failure is visible.
  brokenScan = scanStacks(
    [dev, ...brokenCopies, { name: "opted-in", json: optedIn }, { name: "retained-forever", json: retained }],
    scanners,
    [],
    true,
  );
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

function resultsOf(report: ScanReport, stack: string): readonly ScanResult[] {
  const found = report.stacks.find((s) => s.stack === stack);
  if (found === undefined) throw new Error(`no stack ${stack} in the scan`);
  return found.results;
}
const failedIds = (results: readonly ScanResult[]) =>
  new Set(results.filter((r) => r.result === "failed").map((r) => r.id));
/** The checks that fail on the copy but not on the untouched dev stack. */
function newlyFailing(stack: string): ScanResult[] {
  const before = failedIds(resultsOf(brokenScan, "dev"));
  return resultsOf(brokenScan, stack).filter((r) => r.result === "failed" && !before.has(r.id));
}

describe("the example app", () => {
  test("every stack: both scanners ran, every failure is in the skip list, and every skip is used", () => {
    expect(appScan.stacks.map((s) => s.stack).sort()).toEqual(["dev", "local", "prod", "stg"]);
    for (const stack of appScan.stacks) {
      const ran = (scanner: string) => stack.results.filter((r) => r.scanner === scanner).length;
      expect([stack.stack, ran("checkov") > 20, ran("trivy") > 10, ran("secure-lambda")]).toEqual([
        stack.stack,
        true,
        true,
        POSTURE_RULES.length,
      ]);
      expect([stack.stack, stack.failed]).toEqual([stack.stack, []]);
    }
    expect(appScan.stale).toEqual([]);
    expect(appScan.ok).toBe(true);
  });

  test("the skips accept only the opt-ins, the token rotation and Trivy's JSON defect", () => {
    expect(skips.map((skip: Skip) => `${skip.id} ${skip.resource}`)).toEqual([
      "CKV_AWS_117 all",
      "CKV_AWS_272 all",
      "CKV2_AWS_57 all",
      "AWS-0066 all",
    ]);
    const accepted = new Set(appScan.stacks.flatMap((s) => s.skipped.map((r) => `${r.scanner} ${r.id}`)));
    expect([...accepted].sort()).toEqual([
      "checkov CKV2_AWS_57",
      "checkov CKV_AWS_117",
      "checkov CKV_AWS_272",
      "trivy AWS-0066",
    ]);
  });
});

describe("what a scanner covers: the broken copy fails its check, on the broken resource", () => {
  test.each(COVERED.map((c) => [c.name, c] as const))("%s", (_name, breakage) => {
    const failing = newlyFailing(copyName(breakage));
    for (const id of breakage.failing) {
      expect(failing.filter((r) => r.id === id).map((r) => r.resource)).toEqual([
        expect.stringMatching(new RegExp(`^${breakage.type}\\.notifier-dev_`)),
      ]);
    }
  });

  test("the opt-ins pass once taken: CKV_AWS_117 with vpc_config, CKV_AWS_272 with code signing", () => {
    const failed = failedIds(resultsOf(brokenScan, "opted-in"));
    expect(failedIds(resultsOf(brokenScan, "dev"))).toEqual(new Set(["CKV_AWS_117", "CKV_AWS_272", "AWS-0066"]));
    expect(failed.has("CKV_AWS_117") || failed.has("CKV_AWS_272")).toBe(false);
  });

  test("retention 0 (kept forever) passes CKV_AWS_338, as the construct allows it (the retired rule refused it: that disagreement was ours to fix)", () => {
    expect(newlyFailing("retained-forever")).toEqual([]);
  });
});

describe("what only the project's rules check: the scanners pass the broken copy, the rule fails it", () => {
  test.each(GAPS.map((g) => [`${g.rule}: ${g.name}`, g] as const))("%s", (_name, breakage) => {
    const rule = POSTURE_RULES.find((r) => r.id === breakage.rule)!;
    const failing = newlyFailing(copyName(breakage));
    // A scanner check that starts failing here covers the rule: retire the rule then.
    expect(failing.filter((r) => r.scanner !== "secure-lambda").map((r) => `${r.scanner} ${r.id}`)).toEqual([]);
    expect(failing.map((r) => [r.id, r.resource])).toEqual([
      [rule.id, expect.stringMatching(new RegExp(`^${breakage.type}\\.notifier-dev_`))],
    ]);
  });

  test("each kept rule's nearest scanner checks ran on the stack (so their silence is a pass, not an absence)", () => {
    const ran = new Set(resultsOf(brokenScan, "dev").map((r) => r.id));
    const notRun = POSTURE_RULES.flatMap((rule) =>
      rule.nearest.filter((id) => !ran.has(id)).map((id) => `${rule.id}: ${id}`),
    );
    // Checkov's resource-wildcard checks read only aws_iam_policy_document (see iam-scoped-resources), and function
    // URLs do not exist in dev.
    expect(notRun).toEqual([
      "iam-scoped-resources: CKV_AWS_355",
      "iam-scoped-resources: CKV_AWS_286",
      "iam-scoped-resources: CKV_AWS_287",
      "iam-scoped-resources: CKV_AWS_288",
      "iam-scoped-resources: CKV_AWS_289",
      "iam-scoped-resources: CKV_AWS_290",
      "iam-scoped-resources: AWS-0057",
    ]);
  });
});

describe("scanner defects the scan works around (each test fails once the defect is fixed: then remove the work-around)", () => {
  test("Checkov 3.3.30 cannot parse a stack with terraform.required_version (checkov#7454): the scan hands it a copy without", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-checkov-canary-"));
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(dev.json));
    const run = spawnSync(
      scanners.checkov,
      ["--directory", dir, "--framework", "terraform_json", "--output", "json", "--skip-download"],
      {
        encoding: "utf8",
        env: { ...process.env, CKV_SKIP_PACKAGE_UPDATE_CHECK: "true" },
      },
    );
    fs.rmSync(dir, { recursive: true, force: true });
    expect((dev.json as { terraform?: Record<string, unknown> }).terraform?.required_version).toBe(">= 1.11.0");
    expect(JSON.parse(run.stdout).summary).toMatchObject({ parsing_errors: 1, passed: 0, failed: 0 });
  });

  test("Trivy 0.74.0 fails AWS-0066 on a function whose tracing_config is Active (trivy#5907): the skip list accepts it", () => {
    expect(fn(dev.json).tracing_config).toEqual({ mode: "Active" });
    expect(
      resultsOf(brokenScan, "dev")
        .filter((r) => r.id === "AWS-0066")
        .map((r) => r.result),
    ).toEqual(["failed"]);
  });
});

describe("npm run scan", () => {
  /**
   * Writes stacks as a synthesized app (manifest and cdk.tf.json files), with the app's assets: the
   * leak pass reads every file a stack deploys, and refuses one that is missing.
   */
  function synthesizedDir(stacks: readonly SynthesizedStack[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-scan-cli-"));
    const manifest = {
      stacks: Object.fromEntries(stacks.map((s) => [s.name, { synthesizedStackPath: `stacks/${s.name}/cdk.tf.json` }])),
    };
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    for (const stack of stacks) {
      fs.mkdirSync(path.join(dir, "stacks", stack.name), { recursive: true });
      fs.writeFileSync(path.join(dir, "stacks", stack.name, "cdk.tf.json"), JSON.stringify(stack.json));
      const assets = path.join(outdir, "stacks", stack.name, "assets");
      if (fs.existsSync(assets)) fs.cpSync(assets, path.join(dir, "stacks", stack.name, "assets"), { recursive: true });
    }
    return dir;
  }
  function run(args: string[]): { code: number; out: string } {
    let out = "";
    const sink = new PassThrough().on("data", (d: Buffer) => (out += d.toString()));
    const code = runScanCli(args, { stdout: sink, stderr: sink });
    return { code, out };
  }

  test("exits 0 on the app, with a table per stack", () => {
    const { code, out } = run(["--synthesized", outdir]);
    expect(out).toMatch(/^dev: posture scan$/m);
    expect(out).toMatch(/^ {2}CKV_AWS_7 +aws_kms_key\.notifier-dev_Key_[0-9A-F]{8} +checkov +passed$/m);
    expect(out).toMatch(
      /^ {2}CKV_AWS_117 +aws_lambda_function\.notifier-dev_Function_[0-9A-F]{8} +checkov +skipped: VPC placement is opt-in/m,
    );
    expect(out).toMatch(/^scan: ok$/m);
    expect(code).toBe(0);
  });

  test("exits 1 on a broken copy, naming the check, the resource and the scanner", () => {
    const broken = devCopy();
    onlyBody(broken, "aws_kms_key").enable_key_rotation = false;
    const dir = synthesizedDir([...app.filter((s) => s.name !== "dev"), { name: "dev", json: broken }]);
    const { code, out } = run(["--synthesized", dir]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(out).toMatch(/^ {2}FAILED CKV_AWS_7 on aws_kms_key\.notifier-dev_Key_[0-9A-F]{8} \(checkov\): /m);
    expect(out).toMatch(/^ {2}FAILED AWS-0065 on aws_kms_key\.notifier-dev_Key_[0-9A-F]{8} \(trivy\): /m);
    expect(out).toMatch(/^scan: FAILED \(2 failed, 0 stale skips\)$/m);
    expect(code).toBe(1);
  });

  test("a skip whose check no longer fails is stale and fails a scan of the whole app, not of some environments", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-skips-")), "skips.json");
    fs.writeFileSync(
      file,
      JSON.stringify([...skips, { id: "CKV_AWS_7", resource: "all", reason: "a skip for a check that passes" }]),
    );
    const whole = run(["--synthesized", outdir, "--skips", file]);
    expect(whole.out).toMatch(/^STALE SKIP: CKV_AWS_7 on all no longer fails anywhere/m);
    expect(whole.code).toBe(1);
    // dev alone has no Secrets Manager secret: CKV2_AWS_57's skip goes unused there, and is not stale.
    const devOnly = run(["--synthesized", outdir, "--skips", file, "dev"]);
    expect(devOnly.out).not.toMatch(/STALE/);
    expect(devOnly.code).toBe(0);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  test("npm run audit runs the same scan after the permission proof, and fails with it", async () => {
    const broken = devCopy();
    fn(broken).runtime = "nodejs18.x";
    const dir = synthesizedDir([...app.filter((s) => s.name !== "dev"), { name: "dev", json: broken }]);
    let out = "";
    const sink = new PassThrough().on("data", (d: Buffer) => (out += d.toString()));
    const code = await runAuditCli(["--synthesized", dir], { stdout: sink, stderr: sink });
    const proofOnly = await runAuditCli(["--synthesized", dir, "--no-scan"], {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(out).toMatch(/^permissions: 4 functions, \d+ requests, 0 unexpected$/m);
    expect(out).toMatch(
      /^ {2}FAILED lambda-runtime-supported on aws_lambda_function\.notifier-dev_Function_[0-9A-F]{8} \(secure-lambda\): /m,
    );
    expect([code, proofOnly]).toEqual([1, 0]);
  });
});
