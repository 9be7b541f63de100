/**
 * The Lambda runtimes SecureLambda accepts, by language, and the ones it refuses because
 * Lambda has deprecated them (the dates of Lambda's runtime table: after them Lambda stops
 * patching the runtime, then blocks creating and updating functions on it).
 *
 * Dependency-free: the construct's validation and its docs share it.
 */

/** Node.js runtimes: `entry` is bundled with esbuild for the runtime's Node.js version. */
export const NODE_RUNTIMES = ["nodejs22.x", "nodejs24.x"] as const;

/** Every runtime a function may use: Node.js, and for code built elsewhere (`code`) the others Lambda supports. */
export const SUPPORTED_RUNTIMES = [
  ...NODE_RUNTIMES,
  "python3.12",
  "python3.13",
  "python3.14",
  "java21",
  "java25",
  "dotnet10",
  "ruby3.3",
  "ruby3.4",
  // OS-only: Go, Rust or any language compiled to an executable named `bootstrap`.
  "provided.al2023",
] as const;

export type NodeRuntime = (typeof NODE_RUNTIMES)[number];

/**
 * The runtimes SecureLambda accepts, as constants: `runtime: LambdaRuntime.PYTHON_3_13` reads the
 * same in every language jsii serves (`runtime=LambdaRuntime.PYTHON_3_13` in Python). The prop is a
 * plain string, so `runtime: "python3.13"` works as well; synth refuses any other.
 */
export class LambdaRuntime {
  /** Node.js 22 (the default): `entry` is bundled for it. */
  static readonly NODEJS_22_X: string = "nodejs22.x";
  /** Node.js 24: `entry` is bundled for it. */
  static readonly NODEJS_24_X: string = "nodejs24.x";
  /** Python 3.12, for `code`. */
  static readonly PYTHON_3_12: string = "python3.12";
  /** Python 3.13, for `code`. */
  static readonly PYTHON_3_13: string = "python3.13";
  /** Python 3.14, for `code`. */
  static readonly PYTHON_3_14: string = "python3.14";
  /** Java 21, for `code`. */
  static readonly JAVA_21: string = "java21";
  /** Java 25, for `code`. */
  static readonly JAVA_25: string = "java25";
  /** .NET 10, for `code`. */
  static readonly DOTNET_10: string = "dotnet10";
  /** Ruby 3.3, for `code`. */
  static readonly RUBY_3_3: string = "ruby3.3";
  /** Ruby 3.4, for `code`. */
  static readonly RUBY_3_4: string = "ruby3.4";
  /** OS-only runtime on Amazon Linux 2023, for `code` holding an executable `bootstrap` (Go, Rust). */
  static readonly PROVIDED_AL2023: string = "provided.al2023";
  /** Every runtime SecureLambda accepts. */
  static readonly ALL: string[] = [...SUPPORTED_RUNTIMES];
  /** The Node.js runtimes, whose code `entry` may bundle. */
  static readonly NODE: string[] = [...NODE_RUNTIMES];

  private constructor() {}
}

/** The runtime of a function whose props name none. */
export const DEFAULT_RUNTIME: NodeRuntime = "nodejs22.x";

/**
 * The esbuild target of each Node.js runtime: the bundle keeps the syntax that runtime's Node.js
 * runs natively, and lowers only what it does not. A runtime added to NODE_RUNTIMES needs its
 * target here (the type says so).
 */
export const NODE_BUNDLE_TARGETS: Readonly<Record<NodeRuntime, string>> = {
  "nodejs22.x": "node22",
  "nodejs24.x": "node24",
};

/** Runtimes Lambda has deprecated, with the date it did: refused, with what to use instead. */
export const DEPRECATED_RUNTIMES: Readonly<Record<string, string>> = {
  "python3.8": "2024-10-14",
  "python3.9": "2025-12-15",
  "python3.10": "2026-06-30",
  "python3.11": "2026-06-30",
  java8: "2024-01-08",
  "java8.al2": "2026-06-30",
  java11: "2026-06-30",
  java17: "2026-06-30",
  dotnet6: "2024-12-20",
  dotnet8: "2026-11-10",
  "ruby3.2": "2026-03-31",
  "provided.al2": "2026-06-30",
  provided: "2024-01-08",
  "go1.x": "2024-01-08",
  "nodejs20.x": "2026-04-30",
  "nodejs18.x": "2025-09-01",
  "nodejs16.x": "2024-06-12",
};

/** True for a Node.js runtime, whose code `entry` may bundle. */
export function isNodeRuntime(runtime: string): runtime is NodeRuntime {
  return (NODE_RUNTIMES as readonly string[]).includes(runtime);
}

/**
 * The handler Lambda runs when none is given: an OS-only runtime runs the executable
 * `bootstrap` and ignores the handler, so it needs none; every other runtime names a
 * file and a function (`app.handler`, `Assembly::Namespace.Class::Method`).
 */
export function defaultHandlerOf(runtime: string): string | undefined {
  return runtime.startsWith("provided") ? "bootstrap" : undefined;
}

/** What a handler names in this runtime, for a refusal's message. */
export function handlerShapeOf(runtime: string): string {
  if (runtime.startsWith("python")) return '"<module>.<function>", e.g. "app.handler"';
  if (runtime.startsWith("java")) return '"<package>.<Class>::<method>", e.g. "example.Handler::handleRequest"';
  if (runtime.startsWith("dotnet")) return '"<Assembly>::<Namespace>.<Class>::<Method>"';
  if (runtime.startsWith("ruby")) return '"<file>.<method>", e.g. "function.handler"';
  if (runtime.startsWith("nodejs")) return '"<file>.<export>", e.g. "index.handler"';
  return '"bootstrap" (the default)';
}
