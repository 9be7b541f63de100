/**
 * What the project says about Node.js versions, held to what it does: the CLI and the tooling
 * need Node 22 or later (`engines`), and CI runs the loader's and the CLI's tests on a pinned
 * Node of every major a function built by the construct runs on (scripts/node-versions.sh,
 * from .ci/run), so a runtime added to the construct without its Node in CI fails here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { NODE_RUNTIMES } from "../constructs";

const ROOT = path.join(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** The versions scripts/node-versions.sh installs: `NODE_VERSIONS=(22.23.3 24.21.0)`. */
function pinnedNodes(): string[] {
  const line = /^NODE_VERSIONS=\(([^)]*)\)$/m.exec(read("scripts/node-versions.sh"));
  if (!line) throw new Error("scripts/node-versions.sh no longer has a NODE_VERSIONS=(...) line");
  return line[1]!.trim().split(/\s+/);
}

test("the CLI and the tooling need Node 22 or later, in package.json and its lock alike", () => {
  expect(JSON.parse(read("package.json")).engines).toEqual({ node: ">=22" });
  expect(JSON.parse(read("package-lock.json")).packages[""].engines).toEqual({ node: ">=22" });
});

test("CI tests on one pinned Node of each major a Node.js runtime of the construct runs, and on no other", () => {
  const pinned = pinnedNodes();
  for (const version of pinned) expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  const majors = pinned.map((version) => `nodejs${version.split(".")[0]}.x`).sort();
  expect(majors).toEqual([...NODE_RUNTIMES].sort());
});

test("CI runs the Node versions script, as an npm script", () => {
  expect(JSON.parse(read("package.json")).scripts["test:node-versions"]).toBe("bash scripts/node-versions.sh");
  expect(read(".ci/run")).toMatch(/^npm run test:node-versions$/m);
});
