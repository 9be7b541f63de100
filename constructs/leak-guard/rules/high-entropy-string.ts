import { looksRandom } from "../../../common/token-formats";
import { ruleIdOf, type LeakRule } from "../rule";

export const highEntropyStringRule: LeakRule = {
  id: ruleIdOf(__filename),
  title:
    "no long random-looking literal in a function's environment or a parameter's value (a key or password without a known prefix)",
  why:
    "Most API keys and passwords have no recognisable prefix; a long random-looking literal in a place that holds " +
    "configuration is almost always one, and a deliberate exception costs one visible line of code. Elsewhere in a stack " +
    "(hashes, ids, policy documents) random-looking text is normal, so only the known formats are judged there.",
  check(value) {
    if (value.kind !== "environment-variable" && value.kind !== "parameter-value") return undefined;
    // The `<SECRET>_PARAM_NAME` variables SecureLambda itself wrote, with the parameter name it
    // wrote: an identifier, not a value, however random its segments look. Not a variable merely
    // named so: a user's `X_PARAM_NAME` holding a key is judged like any other.
    if (value.written !== undefined && value.value === value.written) return undefined;
    return value.reading.literals.some(looksRandom)
      ? "holds a long high-entropy string, which looks like a key or password"
      : undefined;
  },
};
