import { ruleIdOf, type LeakRule } from "../rule";

export const environmentLiteralMapRule: LeakRule = {
  id: ruleIdOf(__filename),
  title: "a function's environment is a literal map of variable names to strings",
  why:
    "Lambda shows every environment value in clear text to anyone who may call GetFunction. The guard judges each " +
    "variable; an environment given as one expression (a reference, jsondecode(...), a dynamic block) hides its " +
    "variables until apply, where no check can see them.",
  check(value) {
    if (value.kind !== "environment-block") return undefined;
    return (
      "is not a literal map of variable names to strings, so the guard cannot judge what it holds; " +
      "write the variables out in the code (environment { variables = { NAME = ... } }: a value may be a reference), " +
      "and keep secrets in SecureLambda's `secrets`, which put only their parameter names in the environment"
    );
  },
};
