/**
 * What a test's code printed and what an error could print: the two places a secret value
 * must never reach.
 */
import { inspect } from "node:util";

/** Everything a logger or the Lambda runtime could print about an error. */
export function everythingPrintable(error: unknown): string {
  return [
    String(error),
    (error as Error).stack,
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
  ].join("\n");
}

/** Captures (and silences) stdout, stderr and every console level until `restore()`. */
export function capturePrinted(): { text(): string; warnings(): string[]; restore(): void } {
  const printed: string[] = [];
  const warnings: string[] = [];
  const capture = (chunk: unknown) => void printed.push(String(chunk));
  const spies = [
    jest.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      capture(chunk);
      return true;
    }),
    jest.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      capture(chunk);
      return true;
    }),
    ...(["log", "info", "warn", "error", "debug"] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...args) => {
        const line = args.map(String).join(" ");
        if (level === "warn") warnings.push(line);
        capture(line);
      }),
    ),
  ];
  return {
    text: () => printed.join("\n"),
    warnings: () => [...warnings],
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
