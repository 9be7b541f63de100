/**
 * The README and docs/ as a user reads them: every code block says how it is tested, every
 * TypeScript block type-checks (with the README's own tsconfig.json) and every program
 * synthesizes, every command npm test can run here runs, every link leads somewhere, and the
 * figures the pages state are the ones the code and the benchmarks give.
 *
 * The TypeScript blocks are files of one app, the README's walkthrough: its tsconfig.json,
 * main.ts and src/notifier.ts, every other block a main.ts of its own beside them. The app
 * imports secure-lambda from this working tree's sources (a package of them, linked), and its
 * cdktf, constructs and provider are this repository's; consumer.test.ts installs the packed
 * tarball, and the walkthrough test in the deploy suite runs the README's own install.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MAX_ATTEMPTS_WITHIN_BUDGET } from "../lambda-src/secrets/aws-json";
import { checkTimeZone } from "../constructs/time-zone";
import {
  type DocBlock,
  docBlocks,
  docFiles,
  fileOf,
  KINDS,
  makeDocsApp,
  type Kind,
  NEEDS_DETAIL,
  ROOT,
  shellCommands,
  withoutComment,
} from "./helpers/doc-blocks";

const blocks = docBlocks();
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const where = (b: DocBlock) => `${b.file}:${b.line}`;
const ofKind = (...kinds: Kind[]) => blocks.filter((b) => kinds.includes(b.kind as Kind));

describe("every code block says how a test runs it", () => {
  test("each has a marker of a known kind, with the reason or the suite where the kind needs one", () => {
    const problems = blocks.flatMap((b) => {
      if (b.kind === undefined) return [`${where(b)}: no <!-- test: ... --> marker before the block`];
      if (!(KINDS as readonly string[]).includes(b.kind)) return [`${where(b)}: unknown kind ${b.kind}`];
      if (NEEDS_DETAIL.includes(b.kind as Kind) && b.detail === "") return [`${where(b)}: ${b.kind} without a reason`];
      return [];
    });
    expect(problems).toEqual([]);
    expect(blocks.length).toBeGreaterThan(20);
  });

  test("the blocks a suite with the tools runs name a test file that reads the blocks", () => {
    const problems = ofKind("scan", "deploy").flatMap((b) => {
      const file = /(__tests__\/\S+\.ts)/.exec(b.detail)?.[1];
      if (!file) return [`${where(b)}: names no test file`];
      if (!fs.existsSync(path.join(ROOT, file))) return [`${where(b)}: ${file} does not exist`];
      if (!read(file).includes("helpers/doc-blocks")) return [`${where(b)}: ${file} does not read the doc blocks`];
      return [];
    });
    expect(problems).toEqual([]);
  });

  test("the walkthrough's blocks are read by the walkthrough test of the deploy suite", () => {
    const walkthroughTest = read("__tests__/deploy/walkthrough.deploy.ts");
    expect(walkthroughTest).toContain("helpers/doc-blocks");
    for (const kind of ["walkthrough", "walkthrough-setup", "walkthrough-app"])
      expect(walkthroughTest).toContain(`"${kind}"`);
    expect(ofKind("walkthrough", "walkthrough-setup").every((b) => b.file === "README.md")).toBe(true);
  });

  test("the commands marked ci are each run by .ci/run", () => {
    const ci = new Set(
      read(".ci/run")
        .split("\n")
        .map((l) => l.trim()),
    );
    const missing = ofKind("ci").flatMap((b) =>
      shellCommands(b.body)
        .flatMap((c) => withoutComment(c).split("&&"))
        .map((c) => c.trim())
        // As written, or with options after it (`npm ci --no-audit --no-fund`).
        .filter((c) => !ci.has(c) && ![...ci].some((line) => line.startsWith(`${c} --`)))
        .map((c) => `${where(b)}: ${c}`),
    );
    expect(missing).toEqual([]);
  });
});

describe("every link between the pages leads to a file and a heading that exist", () => {
  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
  function anchorsOf(text: string): Set<string> {
    const seen = new Map<string, number>();
    const anchors = new Set<string>();
    for (const line of text.replace(/^\s*```[\s\S]*?^\s*```/gm, "").split("\n")) {
      const heading = /^#{1,6}\s+(.*)$/.exec(line)?.[1];
      if (heading === undefined) continue;
      const base = heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    return anchors;
  }

  function withoutCode(text: string): string {
    return text.replace(/^\s*```[\s\S]*?^\s*```/gm, "").replace(/`[^`\n]*`/g, "");
  }

  test("relative links and #anchors", () => {
    const broken: string[] = [];
    let count = 0;
    // API.md too: a doc comment's Markdown link lands in it as written.
    for (const file of [...docFiles(), "API.md"]) {
      for (const [, target] of withoutCode(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?|mailto):/.test(target!)) continue;
        count++;
        const [linked, anchor] = target!.split("#") as [string, string | undefined];
        const resolved = linked === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), linked));
        if (!fs.existsSync(path.join(ROOT, resolved))) {
          broken.push(`${file}: ${target} (no ${resolved})`);
          continue;
        }
        if (anchor !== undefined && !anchorsOf(read(resolved)).has(anchor))
          broken.push(`${file}: ${target} (no heading)`);
      }
    }
    expect(broken).toEqual([]);
    expect(count).toBeGreaterThan(40);
  });

  test("the README links every page of docs/, CONTRIBUTING.md and CHANGELOG.md", () => {
    const readme = read("README.md");
    const unlinked = docFiles()
      .filter((f) => f !== "README.md")
      .filter((f) => !readme.includes(`](${f})`));
    expect(unlinked).toEqual([]);
  });
});

describe("the TypeScript blocks, as files of the README's walkthrough app", () => {
  let app: string;
  const programs: Array<{ file: string; block: DocBlock }> = [];
  let walkthroughStack: { resource: Record<string, unknown>; terraform: Record<string, unknown> } | undefined;

  beforeAll(() => {
    app = fs.mkdtempSync(path.join(os.tmpdir(), "docs-app-"));
    makeDocsApp(app);
    for (const block of ofKind("walkthrough")) {
      const file = fileOf(block);
      if (!file) continue;
      fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
      fs.writeFileSync(path.join(app, file), `${block.body}\n`);
      if (file === "main.ts") programs.push({ file, block });
    }
    for (const block of ofKind("synth", "typecheck")) {
      if (block.lang !== "ts") continue;
      const file = `${path.basename(block.file, ".md")}-${block.line}.ts`;
      fs.writeFileSync(path.join(app, file), `${block.body}\n`);
      if (block.kind === "synth") programs.push({ file, block });
    }
  });

  afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

  test("the walkthrough writes tsconfig.json, cdktf.json with its language, main.ts and the handler", () => {
    for (const file of ["tsconfig.json", "cdktf.json", "main.ts", path.join("src", "notifier.ts")])
      expect(fs.existsSync(path.join(app, file))).toBe(true);
    const cdktf = JSON.parse(fs.readFileSync(path.join(app, "cdktf.json"), "utf8"));
    expect(cdktf).toMatchObject({ language: "typescript", app: "npx tsx main.ts" });
  });

  test("every TypeScript block is synth, typecheck or a walkthrough file", () => {
    const loose = blocks.filter(
      (b) => b.lang === "ts" && !["synth", "typecheck", "walkthrough"].includes(b.kind ?? ""),
    );
    expect(loose.map(where)).toEqual([]);
  });

  test("all of them type-check with the README's tsconfig.json (TypeScript 7, strict)", () => {
    const tsc = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", app], {
      encoding: "utf8",
    });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe("");
    expect(tsc.status).toBe(0);
  });

  test("every program synthesizes its stack, run from another directory", () => {
    expect(programs.length).toBeGreaterThanOrEqual(5);
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "docs-cwd-"));
    const failed = programs.flatMap(({ file, block }, i) => {
      const outdir = path.join(app, `out-${i}`);
      // From another directory: an `entry` relative to the working directory fails here.
      const run = spawnSync(
        process.execPath,
        ["-r", path.join(ROOT, "scripts", "register.cjs"), path.join(app, file)],
        {
          cwd: elsewhere,
          encoding: "utf8",
          env: { ...process.env, CDKTF_OUTDIR: outdir },
        },
      );
      if (run.status !== 0) return [`${where(block)}: exit ${run.status}\n${run.stderr.slice(-2000)}`];
      const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
      const stack = path.join(outdir, manifest.stacks.dev.synthesizedStackPath);
      const json = JSON.parse(fs.readFileSync(stack, "utf8"));
      if (block.file === "README.md") walkthroughStack = json;
      return Object.keys(json.resource?.aws_lambda_function ?? {}).length > 0 ? [] : [`${where(block)}: no function`];
    });
    expect(failed).toEqual([]);
  }, 120_000);

  test("the walkthrough's stack holds what step 6 says, and the provider range and Terraform version step 4 says", () => {
    expect(Object.keys(walkthroughStack?.resource ?? {}).sort()).toEqual([
      "aws_cloudwatch_log_group",
      "aws_iam_role",
      "aws_iam_role_policy",
      "aws_kms_alias",
      "aws_kms_key",
      "aws_lambda_function",
      "aws_ssm_parameter",
    ]);
    expect(walkthroughStack?.terraform).toMatchObject({
      required_providers: { aws: { version: ">= 6.26.0, < 7.0.0" } },
      required_version: ">= 1.11.0",
    });
    const readme = read("README.md");
    expect(readme).toContain(
      "sets the AWS provider range the stack needs (`>= 6.26.0, < 7.0.0`) and `required_version >= 1.11.0`",
    );
    expect(readme).toContain(
      "now holds the key, its alias, the two parameters (placeholders), the role and its policy, the log group and the function",
    );
  });
});

describe("the commands npm test can run here", () => {
  test.each(ofKind("run").map((b) => [where(b), b] as const))(
    "%s runs in this repository",
    (_, block) => {
      for (const command of shellCommands(block.body)) {
        const run = spawnSync("bash", ["-euo", "pipefail", "-c", command], {
          cwd: ROOT,
          encoding: "utf8",
          env: { ...process.env, CHECKPOINT_DISABLE: "1" },
        });
        expect({ command, code: run.status, stderr: run.status === 0 ? "" : run.stderr.slice(-2000) }).toEqual({
          command,
          code: 0,
          stderr: "",
        });
      }
    },
    180_000,
  );
});

describe("the figures the pages state", () => {
  test(`the loader's AWS_MAX_ATTEMPTS cap is the code's, ${MAX_ATTEMPTS_WITHIN_BUDGET}`, () => {
    expect(read("docs/runtime-loader.md")).toContain(
      `\`AWS_MAX_ATTEMPTS\`, when set, caps the attempts, and ${MAX_ATTEMPTS_WITHIN_BUDGET} is the cap in any case`,
    );
  });

  test("the loader's cold-path and bundle figures are those of docs/BENCHMARKS.md", () => {
    const page = read("docs/runtime-loader.md");
    const paragraph = page.slice(page.indexOf("## What the loader depends on"), page.indexOf("Why no signing library"));
    const figures = [...paragraph.matchAll(/(\d+(?:\.\d+)?)(x| KiB)/g)].map((m) => `${m[1]}${m[2]}`);
    expect(figures.length).toBeGreaterThanOrEqual(6);
    const benchmarks = read("docs/BENCHMARKS.md");
    expect(figures.filter((f) => !benchmarks.includes(f))).toEqual([]);
  });

  test("the time zones the page names as accepted and refused are so", () => {
    const page = read("docs/runtimes-and-triggers.md");
    expect(page).toContain("aliases such as `UTC` or `US/Eastern`; `Europe/Pariss` is refused");
    expect([checkTimeZone("UTC").ok, checkTimeZone("US/Eastern").ok, checkTimeZone("Europe/Pariss").ok]).toEqual([
      true,
      true,
      false,
    ]);
  });

  test("the README's props at a glance name every prop of SecureLambdaProps", () => {
    const props = [...read("constructs/secure-lambda-props.ts").matchAll(/^ {2}readonly (\w+)\??:/gm)].map(
      (m) => m[1]!,
    );
    const readme = read("README.md");
    const table = readme.slice(readme.indexOf("## Props at a glance"), readme.indexOf("## The CLI at a glance"));
    expect(props.length).toBeGreaterThan(25);
    expect(props.filter((p) => !table.includes(`\`${p}\``))).toEqual([]);
  });

  test("the README's CLI at a glance lists the commands the CLI's help lists, with their arguments", () => {
    const help = spawnSync(
      process.execPath,
      ["-r", path.join(ROOT, "scripts", "register.cjs"), path.join(ROOT, "cli", "secrets.ts"), "--help"],
      { cwd: ROOT, encoding: "utf8" },
    ).stdout;
    const readme = read("README.md");
    const table = readme.slice(readme.indexOf("## The CLI at a glance"), readme.indexOf("## Everything else"));
    const rows = [...table.matchAll(/^\| `(\w+)( [^`]*)?` \|/gm)].map((m) => m[1]!);
    expect(rows).toEqual(["set", "status", "history", "rollback", "import"]);
    for (const command of rows) expect(help).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
  });
});
