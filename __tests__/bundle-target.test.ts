/**
 * The bundle of an `entry` is built for the Node.js of the function's runtime: esbuild's
 * target is node22 for nodejs22.x and node24 for nodejs24.x, never one target for all.
 *
 * esbuild 0.28 lowers nothing differently for node22 and node24 (its compatibility table has
 * no feature between them), so the two bundles are byte-identical today and the zip cannot
 * tell them apart: the test records what esbuild is asked for. The expected target is read
 * from the runtime's name here, apart from the construct's table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as esbuild from "esbuild";
import type { NodeRuntime } from "../constructs/runtimes";

const asked: { entry: string; target: unknown }[] = [];
jest.doMock("esbuild", () => {
  const actual = jest.requireActual<typeof esbuild>("esbuild");
  return {
    ...actual,
    buildSync: (options: esbuild.BuildOptions) => {
      asked.push({ entry: String((options.entryPoints as string[])[0]), target: options.target });
      return actual.buildSync(options);
    },
  };
});

// After the mock: the construct's bundling must load the recording esbuild.
const { SecureLambda, NODE_RUNTIMES } = require("../constructs") as typeof import("../constructs");
const { HELLO_ENTRY, synthStack } = require("./helpers/synth") as typeof import("./helpers/synth");

/** What Lambda's runtime name says: `nodejs24.x` runs Node.js 24. */
function targetOfRuntimeName(runtime: string): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (!major) throw new Error(`${runtime} is not a Node.js runtime name`);
  return `node${major}`;
}

let work: string;
let entries = 0;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-target-"));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A copy of the hello handler at a path no test bundled yet: bundles are cached per entry and target. */
function freshEntry(): string {
  const entry = path.join(work, `hello-${entries++}.ts`);
  fs.copyFileSync(HELLO_ENTRY, entry);
  return entry;
}

/** The targets esbuild was asked for while synthesizing one stack of these functions (by runtime). */
function targetsAsked(functions: readonly { runtime?: NodeRuntime; entry: string }[]): Record<string, unknown[]> {
  asked.length = 0;
  synthStack((stack) => {
    functions.forEach(({ runtime, entry }, i) => {
      new SecureLambda(stack, `fn${i}`, { functionName: `fn${i}`, entry, ...(runtime ? { runtime } : {}) });
    });
  });
  const byEntry: Record<string, unknown[]> = {};
  for (const a of asked) byEntry[a.entry] = [...(byEntry[a.entry] ?? []), a.target];
  return byEntry;
}

test("every Node.js runtime the construct accepts has a Lambda name of the form nodejs<major>.x", () => {
  expect(NODE_RUNTIMES.length).toBeGreaterThan(0);
  for (const runtime of NODE_RUNTIMES) expect(targetOfRuntimeName(runtime)).toMatch(/^node\d+$/);
});

test.each(NODE_RUNTIMES.map((runtime) => [runtime]))(
  "an entry on %s is bundled for that runtime's Node.js",
  (runtime) => {
    const entry = freshEntry();
    expect(targetsAsked([{ runtime, entry }])).toEqual({ [entry]: [targetOfRuntimeName(runtime)] });
  },
);

test("an entry without a runtime is bundled for the default runtime's Node.js, node22", () => {
  const entry = freshEntry();
  expect(targetsAsked([{ entry }])).toEqual({ [entry]: ["node22"] });
});

test("one entry on both runtimes is bundled twice, once per target; functions on one runtime share a bundle", () => {
  const entry = freshEntry();
  const targets = targetsAsked([
    { runtime: "nodejs22.x", entry },
    { runtime: "nodejs24.x", entry },
    { runtime: "nodejs24.x", entry },
  ]);
  expect(targets[entry]?.sort()).toEqual(["node22", "node24"]);
});
