import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { formatSynthSummary, summarizeSynth, useColor } from "../cli/synth-summary";
import { SecretsKey, SecureLambda } from "../constructs";
import { App, AwsProvider, TerraformStack } from "../constructs/tf";
import { HELLO_ENTRY } from "./helpers/synth";

const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function synthesized(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-summary-"));
  const app = new App({ outdir });
  const shared = new TerraformStack(app, "shared");
  new AwsProvider(shared, "aws", { region: "eu-west-1" });
  const kmsKey = SecretsKey.fromKeyArn(shared, "Key", KEY_ARN);
  for (const name of ["one", "two"])
    new SecureLambda(shared, name, { functionName: name, entry: HELLO_ENTRY, secrets: ["token"], kmsKey });
  const empty = new TerraformStack(app, "empty");
  new AwsProvider(empty, "aws", { region: "eu-west-1" });
  app.synth();
  return outdir;
}

describe("what npm run synth prints", () => {
  const outdir = synthesized();
  const summary = summarizeSynth(outdir);

  test("names every stack with its functions, resource count and file", () => {
    expect(summary.stacks.map((s) => [s.name, s.functions]).sort()).toEqual([
      ["empty", []],
      ["shared", ["one", "two"]],
    ]);
    const json = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "shared", "cdk.tf.json"), "utf8"));
    const count = Object.values(json.resource as Record<string, object>).reduce(
      (n, ofType) => n + Object.keys(ofType).length,
      0,
    );
    expect(summary.stacks.find((s) => s.name === "shared")?.resources).toBe(count);
    expect(summary.stacks.find((s) => s.name === "empty")?.resources).toBe(0);
    const { stdout } = formatSynthSummary(summary, false);
    expect(stdout).toContain(`synthesized 2 stacks into ${path.relative(process.cwd(), outdir)}/`);
    expect(stdout).toContain(
      `shared: ${count} resources, 2 functions (one, two) -> ${path.relative(process.cwd(), path.join(outdir, "stacks", "shared", "cdk.tf.json"))}`,
    );
    expect(stdout).toContain("empty: 0 resources, 0 functions (none)");
  });

  test("prints the fromKeyArn warning, which cdktf keeps only in manifest.json, in yellow on a terminal", () => {
    const warning = summary.warnings.find((w) => w.message.includes("CloudWatch Logs"));
    expect(warning?.constructPath).toBe("shared/Key");
    const plain = formatSynthSummary(summary, false).stderr;
    expect(plain).toContain(`warning: [shared/Key] ${warning!.message}`);
    expect(plain).not.toContain("\u001b[");
    expect(formatSynthSummary(summary, true).stderr).toContain(
      `\u001b[33mwarning: [shared/Key] ${warning!.message}\u001b[0m`,
    );
  });

  test("colours only a terminal without NO_COLOR", () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(tty, { NO_COLOR: "1" })).toBe(false);
    expect(useColor({ isTTY: false } as NodeJS.WriteStream, {})).toBe(false);
  });
});
