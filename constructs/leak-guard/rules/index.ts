/**
 * The leak guard's rules, cdk-nag style: one rule per file in this folder, its id the file's
 * name; the pack is just this list.
 */
import type { LeakRule } from "../rule";
import { environmentLiteralMapRule } from "./environment-literal-map";
import { highEntropyStringRule } from "./high-entropy-string";
import { judgeableExpressionRule } from "./judgeable-expression";
import { knownTokenFormatRule } from "./known-token-format";
import { readableDeployedFileRule } from "./readable-deployed-file";
import { secretNamedVariableRule } from "./secret-named-variable";
import { secretVersionPlaceholderRule } from "./secret-version-placeholder";
import { secureStringPlaceholderRule } from "./secure-string-placeholder";

/** The rule pack the guard runs by default. */
export const DEFAULT_LEAK_RULES: readonly LeakRule[] = [
  knownTokenFormatRule,
  highEntropyStringRule,
  environmentLiteralMapRule,
  secretNamedVariableRule,
  secureStringPlaceholderRule,
  secretVersionPlaceholderRule,
  readableDeployedFileRule,
  judgeableExpressionRule,
];
