import { SecureLambda, SecureLambdaValidationError, type SecureLambdaProps } from "../../constructs";
import type { TerraformStack } from "../../constructs/tf";
import { synthStack } from "./synth";

type LooseProps = Partial<Record<keyof SecureLambdaProps, unknown>>;

/**
 * The refusal checks of a test file: `test/fn` is built with `base`, then the props of the case, on top of
 * `functionName: "fn"`.
 */
export function propsChecker(base: Partial<SecureLambdaProps>) {
  /** The validation error building `test/fn` with these props raises (`build` adds props that need the stack). */
  function errorOf(
    props: LooseProps,
    build?: (stack: TerraformStack) => Partial<SecureLambdaProps>,
  ): SecureLambdaValidationError {
    try {
      synthStack((stack) => {
        const extra = build?.(stack) ?? {};
        new SecureLambda(stack, "fn", {
          functionName: "fn",
          ...base,
          ...extra,
          ...(props as Partial<SecureLambdaProps>),
        } as SecureLambdaProps);
      });
    } catch (error) {
      expect(error).toBeInstanceOf(SecureLambdaValidationError);
      return error as SecureLambdaValidationError;
    }
    throw new Error("expected a SecureLambdaValidationError, but the stack synthesized");
  }

  /**
   * Asserts the error names the construct path, the prop, and each expected fragment (the bad value, what is allowed).
   */
  function expectInvalid(props: LooseProps, prop: string, ...fragments: Array<string | RegExp>): void {
    const error = errorOf(props);
    expect(error.constructPath).toBe("test/fn");
    expect(error.prop).toBe(prop);
    expect(error.message).toContain(`test/fn: invalid ${prop}: `);
    for (const fragment of fragments) {
      if (typeof fragment === "string") expect(error.message).toContain(fragment);
      else expect(error.message).toMatch(fragment);
    }
  }

  return { errorOf, expectInvalid };
}
