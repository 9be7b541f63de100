import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// cdktf keeps aspects under a Symbol() private to each copy of the package: a guard registered
// as an aspect through secure-lambda's copy is invisible to a stack of another copy (issue 15).
// This builds a real second copy of cdktf (and of constructs, which it requires from beside
// it) and synthesizes stacks of that copy holding a SecureLambda, in a plain node process.

const ROOT = path.join(__dirname, "..");
type Outcome = { ok: true; value?: unknown } | { ok: false; name: string; message: string };
interface Report {
  sameClass: boolean;
  leak: Outcome;
  leakWritten: boolean;
  testingSynth: Outcome;
  plainFunction: Outcome;
  otherCopyResource: Outcome;
  clean: Outcome;
  unhookable: Outcome;
}

let report: Report;
let otherCdktf: string;

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "two-cdktf-"));
  const modules = path.join(dir, "app", "node_modules");
  for (const name of ["cdktf", "constructs"])
    fs.cpSync(path.join(ROOT, "node_modules", name), path.join(modules, name), { recursive: true });
  otherCdktf = path.join(modules, "cdktf");
  fs.mkdirSync(path.join(dir, "out"));
  const out = execFileSync(
    process.execPath,
    ["-r", path.join(ROOT, "scripts", "register.cjs"), path.join(__dirname, "fixtures", "other-cdktf-copy.ts")],
    {
      cwd: ROOT,
      env: { ...process.env, OTHER_CDKTF: otherCdktf, OUTDIR: path.join(dir, "out") },
      encoding: "utf8",
    },
  );
  report = JSON.parse(out) as Report;
}, 60_000);

function failure(outcome: Outcome): { name: string; message: string } {
  if (outcome.ok) throw new Error("expected a failure, got success");
  return outcome;
}

describe("a stack built with another copy of cdktf than secure-lambda's", () => {
  test("really is another copy (another TerraformStack class)", () => {
    expect(report.sameClass).toBe(false);
  });

  test("app.synth() fails with the guard's SecretLeakError on a literal token, and writes no cdk.tf.json", () => {
    const { name, message } = failure(report.leak);
    expect(name).toBe("SecretLeakError");
    expect(message).toContain('stack "leak"');
    expect(message).toContain("variable GITHUB_TOKEN");
    expect(message).not.toContain("ghp_");
    expect(report.leakWritten).toBe(false);
  });

  test("Testing.synth of that copy runs the guard too", () => {
    expect(failure(report.testingSynth).name).toBe("SecretLeakError");
  });

  test("a function of the stack outside SecureLambda is judged too", () => {
    const { name, message } = failure(report.plainFunction);
    expect(name).toBe("SecretLeakError");
    expect(message).toContain("variable NOTIFY");
  });

  test("a resource of the stack's own copy of cdktf is judged too", () => {
    const { name, message } = failure(report.otherCopyResource);
    expect(name).toBe("SecretLeakError");
    expect(message).toContain("variable NOTIFY_RAW");
  });

  test("a clean stack synthesizes, with a warning naming both copies and how to fix it", () => {
    if (!report.clean.ok) throw new Error(report.clean.message);
    const annotations = report.clean.value as Array<{ level: string; message: string }>;
    const warning = annotations.find((a) => a.message.includes("two copies of cdktf"));
    expect(warning?.level).toBe("@cdktf/warn");
    expect(warning?.message).toContain(path.join(ROOT, "node_modules", "cdktf"));
    expect(warning?.message).toContain(otherCdktf);
    expect(warning?.message).toContain("npm dedupe");
  });

  test("when the stack's synthesis cannot be hooked, building it fails naming both copies and the fix", () => {
    const { name, message } = failure(report.unhookable);
    expect(name).toBe("DuplicateCdktfError");
    expect(message).toContain('stack "frozen"');
    expect(message).toContain("the guard cannot run");
    expect(message).toContain(path.join(ROOT, "node_modules", "cdktf"));
    expect(message).toContain(otherCdktf);
    expect(message).toContain("peer dependencies");
  });
});
