import { PARAM_NAME_SUFFIX } from "../../naming";
import { looksRandom } from "../../token-formats";
import { ruleIdOf, type LeakRule } from "../rule";

const SSM_PATH = /^(\/[A-Za-z0-9_.-]+)+$/;

export const highEntropyStringRule: LeakRule = {
  id: ruleIdOf(__filename),
  title: "no long random-looking literal (a key or password without a known prefix)",
  why:
    "Most API keys and passwords have no recognisable prefix; a long random-looking literal is almost always one, " +
    "and a deliberate exception costs one visible line of code.",
  check(value) {
    // A `<SECRET>_PARAM_NAME` variable carries an SSM parameter name (the naming rule):
    // an identifier, not a value, however random its segments look.
    if (value.kind === "environment-variable" && value.variable.endsWith(PARAM_NAME_SUFFIX) && SSM_PATH.test(value.value)) return undefined;
    // Secret versions are judged by secret-version-placeholder, more strictly than entropy can:
    // no literal at all in secret_string but the placeholder JSON, none in secret_binary, no
    // literal JSON value in secret_string_wo. What it lets through is JSON whose keys are secret
    // names, and a long name scores as random (`db_password_primary_cluster_eu_west_1_v2`
    // does): judging it here would only fail SecureLambda's own placeholder secret.
    if (value.kind === "secret-version-value") return undefined;
    return looksRandom(value.value) ? "holds a long high-entropy string, which looks like a key or password" : undefined;
  },
};
