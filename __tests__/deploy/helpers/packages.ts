/**
 * What `npm run package` built, as the app tests install it: the package file of one framework and language
 * under dist/<framework>/<language>/, and the Python virtual environment scripts/package.sh keeps per framework
 * in .package/ (the framework and its 59 MB AWS provider wheel installed once). CI runs `npm run package` before
 * the deploy suite; a test never skips for want of them, it fails saying how to build them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..", "..");

export type Framework = "cdktf" | "cdktn";

const BUILD_FIRST = "run `npm run package` first (CI runs it before `npm run test:deploy`)";

/** The one file of `dist/<framework>/<language>/` whose name ends with `suffix` (`.whl`, `.jsii.tgz`). */
export function packageFile(framework: Framework, language: "js" | "python", suffix: string): string {
  const dir = path.join(ROOT, "dist", framework, language);
  const found = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith(suffix)) : [];
  if (found.length !== 1)
    throw new Error(
      `dist/${framework}/${language}/ holds ${found.length === 0 ? "no" : found.length} *${suffix} file(s) (${found.join(", ")}): ${BUILD_FIRST}`,
    );
  return path.join(dir, found[0]!);
}

/** The bin directory of the virtual environment scripts/package.sh made for `framework`'s wheel. */
export function packageVenvBin(framework: Framework): string {
  const bin = path.join(ROOT, ".package", `venv-${framework}`, "bin");
  if (!fs.existsSync(path.join(bin, "python")))
    throw new Error(`.package/venv-${framework}/ is missing (scripts/package.sh makes it): ${BUILD_FIRST}`);
  return bin;
}

/**
 * The bin directory of the Node.js of `major` that `npm run test:node-versions` installs (its pinned version, in
 * ~/.cache/secure-lambda/node/ or SECURE_LAMBDA_CACHE): cdktn-cli 0.24 does not run on the machine's Node 20.
 */
export function nodeBin(major: number): string {
  const script = fs.readFileSync(path.join(ROOT, "scripts", "node-versions.sh"), "utf8");
  const versions = /^NODE_VERSIONS=\(([^)]*)\)/m.exec(script)?.[1]?.split(/\s+/) ?? [];
  const version = versions.find((v) => v.startsWith(`${major}.`));
  if (!version)
    throw new Error(`scripts/node-versions.sh pins no Node ${major} (NODE_VERSIONS: ${versions.join(" ")})`);
  const cache = process.env.SECURE_LAMBDA_CACHE ?? path.join(os.homedir(), ".cache", "secure-lambda");
  const bin = path.join(cache, "node", version, "node_modules", ".bin");
  if (!fs.existsSync(path.join(bin, "node")))
    throw new Error(
      `Node ${version} is not installed in ${path.dirname(path.dirname(bin))}: \`npm run test:node-versions -- --only ${major}\` installs it (CI runs it before \`npm run test:deploy\`)`,
    );
  return bin;
}
