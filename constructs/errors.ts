/**
 * The one error raised for invalid SecureLambda input at synth time.
 * Its message names where (construct path), what (prop and value) and what is allowed;
 * it never carries a secret value.
 */
export class SecureLambdaValidationError extends Error {
  /** Construct path of the offending construct, e.g. `dev/notifier`. */
  readonly constructPath: string;
  /** Name of the offending prop, e.g. `memorySize`. */
  readonly prop: string;

  constructor(constructPath: string, prop: string, problem: string) {
    super(`${constructPath}: invalid ${prop}: ${problem}`);
    this.name = "SecureLambdaValidationError";
    this.constructPath = constructPath;
    this.prop = prop;
  }
}
