/**
 * The code blocks of the README and docs/, each with the marker that says how a test runs it.
 *
 * A block is preceded by `<!-- test: <kind>[: <detail>] -->` on its own line (invisible on
 * GitHub). The kinds, and which suite runs them:
 * - `walkthrough`: the README's walkthrough, run in order in an empty directory against moto
 *   (__tests__/deploy/walkthrough.deploy.ts); a detail `file <path>` writes the block to that
 *   file instead, and npm test type-checks and synthesizes those files (docs.test.ts);
 * - `walkthrough-setup`, `walkthrough-app`: run by the walkthrough test before it and in its
 *   app after its deploy; the detail says how;
 * - `synth`: a `main.ts` of the walkthrough's app, type-checked and synthesized by npm test;
 * - `typecheck`: type-checked by npm test, not synthesized; the detail says why;
 * - `run`: a command npm test runs in this repository;
 * - `ci`: commands `.ci/run` runs, each of them (npm test checks the file);
 * - `scan`, `deploy`: run by the suite named in the detail, which has the tools;
 * - `output`: what a command prints, held to it by the test the detail names;
 * - `skip`: not run here; the detail says why.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");

export const KINDS = [
  "walkthrough",
  "walkthrough-setup",
  "walkthrough-app",
  "synth",
  "typecheck",
  "run",
  "ci",
  "scan",
  "deploy",
  "output",
  "skip",
] as const;
export type Kind = (typeof KINDS)[number];

/** Kinds whose marker must say why, or where the block is run. */
export const NEEDS_DETAIL: readonly Kind[] = [
  "walkthrough-setup",
  "walkthrough-app",
  "typecheck",
  "ci",
  "scan",
  "deploy",
  "output",
  "skip",
];

export interface DocBlock {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** The line of the opening fence, 1-based. */
  readonly line: number;
  readonly lang: string;
  /** The marker's kind, or undefined when the block has no marker. */
  readonly kind: string | undefined;
  readonly detail: string;
  readonly body: string;
}

/**
 * The documentation files: the README, CONTRIBUTING, CHANGELOG and every page of docs/. Not API.md: jsii-docgen
 * writes it from the public API's doc comments (its code blocks are signatures, not programs), and jsii.test.ts
 * holds it to the assembly; docs.test.ts checks its links with these files'.
 */
export function docFiles(root = ROOT): string[] {
  const docs = fs
    .readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", ...docs].filter((f) => fs.existsSync(path.join(root, f)));
}

const MARKER = /^\s*<!-- test: ([a-z-]+)(?::? ?(.*?))? -->\s*$/;
const FENCE = /^(\s*)```(\S*)\s*$/;

/** Every fenced code block of one Markdown text. */
export function blocksOf(file: string, text: string): DocBlock[] {
  const lines = text.split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: a code block that is never closed`);
    let previous = i - 1;
    while (previous >= 0 && lines[previous]!.trim() === "") previous--;
    const marker = previous >= 0 ? MARKER.exec(lines[previous]!) : null;
    blocks.push({
      file,
      line: i + 1,
      lang: open[2]!,
      kind: marker?.[1],
      detail: (marker?.[2] ?? "").trim(),
      body: lines
        .slice(i + 1, end)
        .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
        .join("\n"),
    });
    i = end;
  }
  return blocks;
}

/** Every fenced code block of the documentation. */
export function docBlocks(root = ROOT): DocBlock[] {
  return docFiles(root).flatMap((file) => blocksOf(file, fs.readFileSync(path.join(root, file), "utf8")));
}

/**
 * The commands of a shell block, one per entry: continuation lines joined, blank lines
 * dropped; comments are left for the shell.
 */
export function shellCommands(body: string): string[] {
  const commands: string[] = [];
  let current = "";
  for (const line of body.split("\n")) {
    if (line.trimEnd().endsWith("\\")) {
      current += `${line.trimEnd().slice(0, -1)}\n`;
      continue;
    }
    current += line;
    if (current.trim() !== "") commands.push(current.trim());
    current = "";
  }
  return commands;
}

/** A command without its trailing comment: `npm test   # runs ...` gives `npm test`. */
export function withoutComment(command: string): string {
  return command.replace(/\s+#\s.*$/, "").trim();
}

/** `file <path>` in a walkthrough marker's detail. */
export function fileOf(block: DocBlock): string | undefined {
  return /^file (\S+)$/.exec(block.detail)?.[1];
}

/** The README's walkthrough blocks, in order. */
export function walkthrough(root = ROOT): DocBlock[] {
  return docBlocks(root).filter((b) => b.file === "README.md" && b.kind === "walkthrough");
}

/**
 * Makes `app` the walkthrough's app directory as far as TypeScript and Node read it: this
 * repository's cdktf, constructs, provider and Node types, `secure-lambda` as a package of the
 * sources of `tree` (this working tree, or another commit's for check:synth-identical) with the
 * package's entry points, and the `package.json` `npm init -y` writes.
 */
export function makeDocsApp(app: string, tree: string = ROOT): void {
  const modules = path.join(app, "node_modules");
  fs.mkdirSync(path.join(modules, "@types"), { recursive: true });
  for (const dep of ["cdktf", "constructs", "@cdktf", "@types/node"])
    fs.symlinkSync(path.join(ROOT, "node_modules", dep), path.join(modules, dep));
  const pkg = path.join(modules, "secure-lambda");
  fs.mkdirSync(pkg);
  for (const dir of ["common", "constructs", "lambda-src"]) fs.symlinkSync(path.join(tree, dir), path.join(pkg, dir));
  const entry = (file: string) => ({ types: file, default: file });
  fs.writeFileSync(
    path.join(pkg, "package.json"),
    JSON.stringify({
      name: "secure-lambda",
      exports: { ".": entry("./constructs/index.ts"), "./runtime": entry("./lambda-src/secrets/index.ts") },
    }),
  );
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "my-app", type: "commonjs" }));
}
