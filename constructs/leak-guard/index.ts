export { SecretLeakGuard, type LeakException } from "./guard";
export { judgeStack, type CodeFile, type ExceptedFinding, type Judgement, type JudgeOptions } from "./judge";
export { DEFAULT_LEAK_RULES } from "./rules";
export type { GuardedValue, GuardedValueKind, LeakRule } from "./rule";
export { DuplicateCdktfError, type CdktfCopies } from "./synthesis-hook";
