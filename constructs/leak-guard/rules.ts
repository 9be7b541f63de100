import { highEntropyRule } from "./high-entropy";
import { knownTokenFormatRule } from "./known-token-format";
import type { LeakRule } from "./rule";
import { secretNamedVariableRule } from "./secret-named-variable";
import { secretVersionPlaceholderRule } from "./secret-version-placeholder";
import { secureStringPlaceholderRule } from "./secure-string-placeholder";

/** The rule pack the guard runs by default. */
export const DEFAULT_LEAK_RULES: readonly LeakRule[] = [
  knownTokenFormatRule,
  highEntropyRule,
  secretNamedVariableRule,
  secureStringPlaceholderRule,
  secretVersionPlaceholderRule,
];
