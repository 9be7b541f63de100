import { ruleIdOf, type LeakRule } from "../rule";

export const readableDeployedFileRule: LeakRule = {
  id: ruleIdOf(__filename),
  title: "every file the stack deploys can be read to the bottom (no unknown path, no zip bomb, no unreadable archive)",
  why:
    "A file the guard cannot read is a file it cannot clear: a path Terraform resolves only at plan, a file built after " +
    "synth, an encrypted or unsupported archive, or one nested or inflated past the limits (a zip bomb, which would " +
    "otherwise hang the synth or exhaust its memory). Refusing it keeps the guard from being silently off for that file.",
  check(value) {
    if (value.kind !== "unreadable-file") return undefined;
    const file = value.file ? `the file ${value.file} ` : "";
    return (
      `${file}${value.value}; ` +
      "if the file is deliberately beyond the guard, declare it with SecretLeakGuard.allow(scope, { variable, reason })"
    );
  },
};
