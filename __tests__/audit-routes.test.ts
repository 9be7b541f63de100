/**
 * The permission proof covers every route to the role and to the function: every policy attached
 * to the role by any resource is evaluated (or refused as unprovable), the function's resource
 * policy gets rows, and a URL that is not AWS_IAM fails; the leak pass runs on the same JSON.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { auditStacks, type AuditReport } from "../audit/audit";
import { findLeaks } from "../audit/leaks";
import { readSynthesizedStacks, type StackJson, type SynthesizedStack } from "../audit/terraform-json";
import { buildApp } from "../main";
import { FAKE } from "./helpers/fake-tokens";

const ROOT = path.join(__dirname, "..");
let outdir: string;
let stacks: SynthesizedStack[];

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-routes-"));
  buildApp({ outdir, only: "dev,stg" }).synth();
  stacks = readSynthesizedStacks(outdir);
});

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

/** The dev stack with its JSON changed by `change`, audited alongside stg. */
async function auditWith(
  change: (json: any, names: { role: string; fn: string; fnName: string }) => void,
): Promise<AuditReport> {
  const changed = stacks.map((stack) =>
    stack.name === "dev" ? { ...stack, json: structuredClone(stack.json) as StackJson } : stack,
  );
  const json = changed.find((s) => s.name === "dev")!.json as any;
  const [role] = Object.keys(json.resource.aws_iam_role);
  const [fn] = Object.keys(json.resource.aws_lambda_function);
  change(json, { role: role!, fn: fn!, fnName: json.resource.aws_lambda_function[fn!].function_name });
  return auditStacks(changed, ["dev"]);
}

function row(report: AuditReport, describe: string | RegExp) {
  const rows = report.functions.flatMap((f) => f.sets.flatMap((s) => s.results));
  const found = rows.find((r) =>
    typeof describe === "string" ? r.check.describe.startsWith(describe) : describe.test(r.check.describe),
  );
  if (!found) throw new Error(`no row ${describe}; rows: ${rows.map((r) => r.check.describe).join(" | ")}`);
  return found;
}

describe("every policy that reaches the role", () => {
  test.each([
    [
      "aws_iam_policy_attachment",
      (json: any, role: string) => {
        json.resource.aws_iam_policy_attachment = {
          admin: {
            name: "admin",
            roles: [`\${aws_iam_role.${role}.name}`],
            policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess",
          },
        };
      },
    ],
    [
      "aws_iam_role_policy_attachment",
      (json: any, role: string) => {
        json.resource.aws_iam_role_policy_attachment = {
          admin: { role: `\${aws_iam_role.${role}.name}`, policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" },
        };
      },
    ],
    [
      "managed_policy_arns",
      (json: any, role: string) => {
        json.resource.aws_iam_role[role].managed_policy_arns = ["arn:aws:iam::aws:policy/PowerUserAccess"];
      },
    ],
    [
      "an aws_iam_policy of the stack, attached",
      (json: any, role: string) => {
        json.resource.aws_iam_policy = {
          broad: {
            name: "broad",
            policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "ssm:*", Resource: "*" }],
            }),
          },
        };
        json.resource.aws_iam_role_policy_attachment = {
          broad: { role: `\${aws_iam_role.${role}.name}`, policy_arn: "${aws_iam_policy.broad.arn}" },
        };
      },
    ],
    [
      "another inline policy (a broad statement added beside the construct's)",
      (json: any, role: string) => {
        json.resource.aws_iam_role_policy.extra = {
          name: "extra",
          role: `\${aws_iam_role.${role}.id}`,
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "ssm:GetParameter*", Resource: "*" }],
          }),
        };
      },
    ],
  ])("%s: evaluated, and other functions' secrets come out allowed", async (_, attach) => {
    const report = await auditWith((json, names) => attach(json, names.role));
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([]);
    expect(row(report, "ssm:GetParameter on a sibling prefix's")).toMatchObject({ result: "allowed", ok: false });
  });

  test("AdministratorAccess makes the rows beyond the function's grants fail too", async () => {
    const report = await auditWith((json, { role }) => {
      json.resource.aws_iam_policy_attachment = {
        admin: {
          name: "admin",
          roles: [`\${aws_iam_role.${role}.name}`],
          policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess",
        },
      };
    });
    for (const describe of [
      "iam:PassRole of another role",
      "lambda:UpdateFunctionCode of itself",
      "s3:GetObject from another bucket",
    ]) {
      expect(row(report, describe)).toMatchObject({ result: "allowed", ok: false });
    }
  });

  test.each([
    [
      "an AWS managed policy the audit does not know",
      "arn:aws:iam::aws:policy/AmazonS3FullAccess",
      /the AWS managed policy AmazonS3FullAccess, whose content the audit does not know/,
    ],
    [
      "a customer managed policy not in the stack",
      "arn:aws:iam::123456789012:policy/team-policy",
      /whose content is not in the stack/,
    ],
  ])("%s is refused as unprovable", async (_, arn, message) => {
    const report = await auditWith((json, { role }) => {
      json.resource.aws_iam_role_policy_attachment = {
        other: { role: `\${aws_iam_role.${role}.name}`, policy_arn: arn },
      };
    });
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([{ stack: "dev", message: expect.stringMatching(message) }]);
  });
});

describe("who may invoke the function", () => {
  test.each([
    ["principal *", { principal: "*" }, "lambda:InvokeFunction by a role of this account that no policy allows"],
    ["another account", { principal: "210987654321" }, "lambda:InvokeFunction by a role of another account"],
    [
      "a service without a source",
      { principal: "sns.amazonaws.com" },
      "lambda:InvokeFunction by sns.amazonaws.com for another account's topic",
    ],
  ])("a permission for %s fails the row it lets through", async (_, grant, describe) => {
    const report = await auditWith((json, { fn }) => {
      json.resource.aws_lambda_permission = {
        open: {
          action: "lambda:InvokeFunction",
          function_name: `\${aws_lambda_function.${fn}.function_name}`,
          ...grant,
        },
      };
    });
    expect(row(report, describe)).toMatchObject({ result: "allowed", ok: false });
  });

  test("a trigger scoped by its source may invoke, another source and another account may not", async () => {
    const rule = "arn:aws:events:eu-west-1:123456789012:rule/nightly";
    const report = await auditWith((json, { fn }) => {
      json.resource.aws_lambda_permission = {
        schedule: {
          action: "lambda:InvokeFunction",
          function_name: `\${aws_lambda_function.${fn}.arn}`,
          principal: "events.amazonaws.com",
          source_arn: rule,
        },
      };
    });
    expect(report.ok).toBe(true);
    expect(row(report, `lambda:InvokeFunction by events.amazonaws.com for ${rule}`)).toMatchObject({
      result: "allowed",
      ok: true,
    });
    expect(row(report, "lambda:InvokeFunction by events.amazonaws.com for another source")).toMatchObject({
      result: "denied",
      ok: true,
    });
    expect(row(report, "lambda:InvokeFunction by events.amazonaws.com on behalf of another account")).toMatchObject({
      result: "denied",
      ok: true,
    });
  });

  test.each([
    ["NONE", false],
    ["AWS_IAM", true],
  ])("a function URL with authorization_type %s", async (type, ok) => {
    const report = await auditWith((json, { fn }) => {
      json.resource.aws_lambda_function_url = {
        url: { function_name: `\${aws_lambda_function.${fn}.function_name}`, authorization_type: type },
      };
    });
    expect(report.ok).toBe(ok);
    expect(row(report, /^lambda:InvokeFunctionUrl unsigned, by anyone/)).toMatchObject({
      result: ok ? "denied" : "allowed",
      ok,
    });
  });
});

describe("npm run audit -- --no-scan --synthesized DIR", () => {
  const cli = (dir: string) =>
    spawnSync(
      process.execPath,
      [
        "-r",
        path.join(ROOT, "scripts", "register.cjs"),
        path.join(ROOT, "audit", "cli.ts"),
        "--no-scan",
        "--synthesized",
        dir,
        "dev",
      ],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );

  function brokenCopy(change: (json: any) => void): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-broken-"));
    fs.cpSync(outdir, dir, { recursive: true });
    const file = path.join(dir, "stacks", "dev", "cdk.tf.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    change(json);
    fs.writeFileSync(file, JSON.stringify(json));
    return dir;
  }

  test("fails AdministratorAccess through aws_iam_policy_attachment, a resource policy with principal *, and a URL with NONE", () => {
    const dir = brokenCopy((json) => {
      const [role] = Object.keys(json.resource.aws_iam_role);
      const [fn] = Object.keys(json.resource.aws_lambda_function);
      json.resource.aws_iam_policy_attachment = {
        admin: {
          name: "admin",
          roles: [`\${aws_iam_role.${role}.name}`],
          policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess",
        },
      };
      json.resource.aws_lambda_permission = {
        open: {
          action: "lambda:InvokeFunction",
          function_name: `\${aws_lambda_function.${fn}.function_name}`,
          principal: "*",
        },
      };
      json.resource.aws_lambda_function_url = {
        url: { function_name: `\${aws_lambda_function.${fn}.function_name}`, authorization_type: "NONE" },
      };
    });
    try {
      const run = cli(dir);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/iam:PassRole of another role \(escalation\) +denied +allowed +UNEXPECTED/);
      expect(run.stdout).toMatch(
        /lambda:InvokeFunction by a role of this account that no policy allows +denied +allowed +UNEXPECTED/,
      );
      expect(run.stdout).toMatch(
        /lambda:InvokeFunctionUrl unsigned, by anyone \(aws_lambda_function_url\.url: authorization_type NONE\) +denied +allowed +UNEXPECTED/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("fails a stack built without the guard that holds a token, naming where and never the value", () => {
    const dir = brokenCopy((json) => {
      const [fn] = Object.keys(json.resource.aws_lambda_function);
      json.output = {
        leak: { value: `\${base64decode("${Buffer.from(FAKE["Slack webhook URL"]).toString("base64")}")}` },
      };
      json.resource.aws_lambda_function[fn!].tags = { ci: FAKE["GitHub token"] };
    });
    try {
      const run = cli(dir);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(
        /REFUSED output\.leak, variable value: looks like a Slack webhook URL once Terraform evaluates it/,
      );
      expect(run.stdout).toMatch(/REFUSED aws_lambda_function\.[^,]+, variable tags\.ci: looks like a GitHub token/);
      expect(run.stdout).not.toContain(FAKE["GitHub token"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("judges the functions' zips in the directory too", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-code-"));
    try {
      fs.cpSync(outdir, dir, { recursive: true });
      const assets = path.join(dir, "stacks", "dev", "assets");
      const [zip] = (fs.readdirSync(assets, { recursive: true }) as string[]).filter((f) => f.endsWith(".zip"));
      const { deterministicZip } = require("../constructs/zip") as typeof import("../constructs/zip");
      fs.writeFileSync(
        path.join(assets, zip!),
        deterministicZip([{ name: "index.js", data: Buffer.from(`exports.k = "${FAKE["AWS access key id"]}";`) }]),
      );
      const leaks = findLeaks(readSynthesizedStacks(dir), ["dev"]);
      expect(leaks[0]!.findings).toEqual([
        expect.objectContaining({
          variable: "index.js",
          problems: ["holds what looks like an AWS access key id (line 1)"],
        }),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("judges a file the JSON names by path (a layer's filename), inside its archives", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-audit-path-"));
    try {
      fs.cpSync(outdir, dir, { recursive: true });
      const { deterministicZip } = require("../constructs/zip") as typeof import("../constructs/zip");
      const jar = deterministicZip([{ name: "app.properties", data: Buffer.from(`k=${FAKE["GitHub token"]}\n`) }]);
      fs.writeFileSync(
        path.join(dir, "stacks", "dev", "layer.zip"),
        deterministicZip([{ name: "java/lib/app.jar", data: jar }]),
      );
      const file = path.join(dir, "stacks", "dev", "cdk.tf.json");
      const json = JSON.parse(fs.readFileSync(file, "utf8"));
      json.resource.aws_lambda_layer_version = { deps: { layer_name: "deps", filename: "layer.zip" } };
      fs.writeFileSync(file, JSON.stringify(json));
      const leaks = findLeaks(readSynthesizedStacks(dir), ["dev"]);
      expect(leaks[0]!.findings).toEqual([
        expect.objectContaining({
          address: "aws_lambda_layer_version.deps",
          variable: "filename",
          problems: [
            "the file layer.zip!/java/lib/app.jar!/app.properties holds what looks like a GitHub token (line 1)",
          ],
        }),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the example app passes: no false alarm", () => {
    expect(findLeaks(stacks).flatMap((s) => s.findings)).toEqual([]);
    expect(cli(outdir).status).toBe(0);
  });
});
