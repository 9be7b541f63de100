/**
 * Runs that a suite starts at once in its beforeAll and judges one by one in its tests:
 * each run's result or error is kept by name, so one failing run fails only its own tests.
 */

/** The outcome of each run, by name. */
export class ConcurrentRuns<T> {
  private readonly outcomes = new Map<string, T | Error>();

  /** Starts every run at once and waits for all of them. */
  async run(runs: Readonly<Record<string, () => Promise<T>>>): Promise<void> {
    const names = Object.keys(runs);
    const settled = await Promise.allSettled(names.map((name) => runs[name]!()));
    settled.forEach((result, i) => {
      this.outcomes.set(names[i]!, result.status === "fulfilled" ? result.value : (result.reason as Error));
    });
  }

  /** The run's result; throws its error, or says it never ran. */
  get(name: string): T {
    const outcome = this.outcomes.get(name);
    if (outcome === undefined) throw new Error(`${name} did not run`);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /** The runs that succeeded, by name. */
  succeeded(): Array<[string, T]> {
    return [...this.outcomes.entries()].filter((entry): entry is [string, T] => !(entry[1] instanceof Error));
  }
}

/** Clean-up steps, run last-registered first (a proxy before the moto behind it). */
export class CleanUp {
  private readonly steps: Array<() => Promise<void> | void> = [];

  push(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step();
  }
}
