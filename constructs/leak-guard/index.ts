export { SecretLeakGuard, inspectStack, type LeakException } from "./guard";
export { DEFAULT_LEAK_RULES } from "./rules";
export type { GuardedValue, GuardedValueKind, LeakRule } from "./rule";
export { DuplicateCdktfError, type CdktfCopies } from "./other-copy";
