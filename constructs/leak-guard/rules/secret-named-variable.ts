import { UNKNOWN } from "../expression";
import { ruleIdOf, type LeakRule } from "../rule";

/** Suffixes of variable names that announce a secret. */
export const SECRET_NAME_SUFFIXES = ["_TOKEN", "_SECRET", "_PASSWORD", "_KEY"] as const;

export const secretNamedVariableRule: LeakRule = {
  id: ruleIdOf(__filename),
  title: "no literal in a variable named like a secret (*_TOKEN, *_SECRET, *_PASSWORD, *_KEY)",
  why:
    "A variable named like a secret that holds literal text is a secret committed to the code, whatever its format; " +
    "the value belongs in an SSM parameter, and the variable should carry the parameter's name.",
  check(value) {
    // Only environment variables have names a user chooses; parameter and secret version
    // arguments are secret by definition and have placeholder rules of their own.
    if (value.kind !== "environment-variable") return undefined;
    const upper = value.variable.toUpperCase();
    const suffix = SECRET_NAME_SUFFIXES.find((s) => upper.endsWith(s));
    const known = value.reading.value;
    if (!suffix || known === UNKNOWN || known === "" || known === null) return undefined;
    const how = value.reading.hasReference
      ? " (known at synth: Terraform computes it from literals, variable defaults or locals)"
      : "";
    return `is named like a secret (*${suffix}) and holds a literal value${how}`;
  },
};
