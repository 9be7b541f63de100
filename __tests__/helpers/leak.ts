import { SecretLeakError } from "../../constructs";

/** The error of class `type` that `run` throws; fails the test when it throws anything else or nothing. */
export function thrownBy<E extends Error>(type: new (...args: never[]) => E, run: () => unknown): E {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a ${type.name}, but it ran to the end`);
}

/** The SecretLeakError `run` throws; fails the test when it throws anything else or nothing. */
export function leakOf(run: () => unknown): SecretLeakError {
  return thrownBy(SecretLeakError, run);
}
