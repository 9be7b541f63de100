import { ruleIdOf, type LeakRule } from "../rule";

export const judgeableExpressionRule: LeakRule = {
  id: ruleIdOf(__filename),
  title: "no string Terraform computes from literals in a way the guard cannot reproduce exactly",
  why:
    "Terraform's functions can put a token together from harmless-looking literals (a regular expression, a format " +
    "verb, a decoding): the guard evaluates each the way Terraform does, checked against terraform console, and a " +
    "string it cannot evaluate exactly it cannot clear, so it refuses it rather than guess.",
  check(value) {
    if (value.kind === "code" || value.kind === "unreadable-file" || value.reading.unjudgeable === undefined)
      return undefined;
    return (
      `is computed by Terraform from known values with ${value.reading.unjudgeable}, so the guard cannot judge it; ` +
      "write the value out as a literal, or compute it in the program (TypeScript) before it reaches Terraform"
    );
  },
};
