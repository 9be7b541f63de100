import { SecretLeakError } from "../../constructs";

/** The SecretLeakError `run` throws; fails the test when it throws anything else or nothing. */
export function leakOf(run: () => unknown): SecretLeakError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretLeakError);
    return error as SecretLeakError;
  }
  throw new Error("expected a SecretLeakError, but synthesis succeeded");
}
