import * as fc from "fast-check";
import {
  LOG_RETENTION_DAYS,
  NODE_RUNTIMES,
  PLACEHOLDER_VALUE,
  SUPPORTED_ARCHITECTURES,
  SUPPORTED_RUNTIMES,
  SecretLeakError,
  SecureLambda,
  SecureLambdaValidationError,
  parameterNameFor,
  paramNameEnvVar,
  type SecureLambdaProps,
} from "../constructs";
import { LOADER_TIMEOUT_ENV_VAR, loaderBudgetMs } from "../common/loader-budget";
import { knownTokenFormat, looksRandomName } from "../common/token-formats";
import { Testing, TerraformStack } from "../constructs/tf";
import {
  expectWriteOnlyPlaceholder,
  HELLO_ENTRY,
  resources,
  statements,
  synthStack,
  type TerraformJson,
} from "./helpers/synth";

const RESERVED_PREFIXES = /^(AWS_|LAMBDA_)/;
const SECRET_LIKE_NAME = /(_TOKEN|_SECRET|_PASSWORD|_KEY)$/;
const PARAM_NAME_SUFFIX = /_PARAM_NAME$/;
const RESERVED_SSM_PREFIX = /^(aws|ssm)/i;

// --- Generators of valid props -------------------------------------------------------

const functionName = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
// Token-shaped secret names are refused by the leak guard (a name that looks like a
// credential usually is one pasted by mistake), so valid names avoid them.
const secretName = fc
  .stringMatching(/^[a-z][a-z0-9_.-]{0,19}$/)
  .filter(
    (name) => !RESERVED_PREFIXES.test(paramNameEnvVar(name)) && !knownTokenFormat(name) && !looksRandomName(name),
  );
const secrets = fc.uniqueArray(secretName, { maxLength: 5, selector: paramNameEnvVar });
const prefixSegment = fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/);
const parameterPrefix = fc
  .array(prefixSegment, { minLength: 1, maxLength: 4 })
  .filter((segments) => !RESERVED_SSM_PREFIX.test(segments[0]!))
  .map((segments) => `/${segments.join("/")}`);
// A name that looks random is one the guard never prints (it could be a pasted secret), so the property's "names the
// variable" holds for plain names only (seed 201378827 found A0AA000A0G00).
const variableName = fc
  .stringMatching(/^[A-Z][A-Z0-9_]{1,20}$/)
  .filter(
    (name) =>
      !RESERVED_PREFIXES.test(name) &&
      name !== "TZ" &&
      !PARAM_NAME_SUFFIX.test(name) &&
      !SECRET_LIKE_NAME.test(name) &&
      !looksRandomName(name),
  );
// Plain settings: words, paths and URLs, never credential-shaped.
const variableValue = fc.stringMatching(/^[a-z][a-z .:/]{0,30}$/);

const validProps = fc
  .record({
    functionName,
    secrets,
    parameterPrefix: fc.option(parameterPrefix, { nil: undefined }),
    environment: fc.dictionary(variableName, variableValue, { maxKeys: 5 }),
    // entry is bundled for Node.js: the other runtimes take code (function-code.test.ts).
    runtime: fc.constantFrom(...NODE_RUNTIMES),
    architecture: fc.constantFrom(...SUPPORTED_ARCHITECTURES),
    memorySize: fc.integer({ min: 128, max: 10240 }),
    timeout: fc.integer({ min: 1, max: 900 }),
    logRetentionDays: fc.constantFrom(...LOG_RETENTION_DAYS),
    handler: fc.constantFrom("handler", "other"),
    protect: fc.boolean(),
  })
  // The default prefix is "/<functionName>", which SSM refuses for names starting aws/ssm.
  .filter((p) => p.parameterPrefix !== undefined || !RESERVED_SSM_PREFIX.test(p.functionName))
  .map((p) => {
    const variables = new Set(p.secrets.map(paramNameEnvVar));
    return {
      ...p,
      environment: Object.fromEntries(Object.entries(p.environment).filter(([name]) => !variables.has(name))),
      entry: HELLO_ENTRY,
    };
  });

// --- Invariants ----------------------------------------------------------------------

const LOG_STREAM_RESOURCE = /^\$\{aws_cloudwatch_log_group\.[^}]+\.arn\}:log-stream:\*$/;

function checkInvariants(
  props: SecureLambdaProps & { secrets: string[]; environment: Record<string, string> },
  json: TerraformJson,
): void {
  const prefix = props.parameterPrefix ?? `/${props.functionName}`;
  const parameters = resources(json, "aws_ssm_parameter");
  expect(parameters.map(([, p]) => p.name).sort()).toEqual(
    props.secrets.map((s) => parameterNameFor(prefix, s)).sort(),
  );
  for (const [, parameter] of parameters) {
    expect(parameter.type).toBe("SecureString");
    expectWriteOnlyPlaceholder(parameter, props.protect === true);
  }

  // The environment holds the user's plain variables, the parameters' names and the loader's budget, nothing else.
  const [[, fn]] = resources(json, "aws_lambda_function") as [[string, Record<string, any>]];
  const budget =
    props.secrets.length > 0 && !(LOADER_TIMEOUT_ENV_VAR in props.environment)
      ? { [LOADER_TIMEOUT_ENV_VAR]: String(loaderBudgetMs((props.timeout ?? 10) * 1000)) }
      : {};
  const expected = {
    ...props.environment,
    ...Object.fromEntries(props.secrets.map((s) => [paramNameEnvVar(s), parameterNameFor(prefix, s)])),
    ...budget,
  };
  expect(fn.environment?.variables ?? {}).toEqual(expected);
  expect(JSON.stringify(fn)).not.toContain(PLACEHOLDER_VALUE);

  for (const [, policy] of resources(json, "aws_iam_role_policy")) {
    for (const statement of statements(policy.policy)) {
      for (const action of statement.Action as string[]) expect(action).not.toContain("*");
      // X-Ray's two actions take only "*", and only in their own statement.
      if (statement.Sid === "WriteTraces") {
        expect(statement).toEqual({
          Sid: "WriteTraces",
          Effect: "Allow",
          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
          Resource: ["*"],
        });
        continue;
      }
      for (const resource of statement.Resource as string[])
        expect(resource.replace(LOG_STREAM_RESOURCE, "")).not.toContain("*");
    }
  }

  const [[, key]] = resources(json, "aws_kms_key") as [[string, Record<string, any>]];
  expect(key.deletion_window_in_days).toBe(30);
  expect(key.lifecycle?.prevent_destroy).toBe(props.protect ? true : undefined);
}

// --- Generators of invalid props: valid props with exactly one prop broken --------------

const notNullish = fc.anything().filter((v) => v !== undefined && v !== null);
const notAString = notNullish.filter((v) => typeof v !== "string");
const notANumber = notNullish.filter((v) => typeof v !== "number");
const nonInteger = fc.double({ noDefaultInfinity: false }).filter((n) => !Number.isInteger(n));

const breakages: Array<fc.Arbitrary<Record<string, unknown>>> = [
  fc
    .oneof(
      fc.string().filter((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s)),
      notAString,
    )
    .map((functionName) => ({ functionName })),
  fc
    .oneof(
      fc.string().filter((s) => !/^[A-Za-z0-9_.-]+$/.test(s)),
      notAString,
    )
    .map((bad) => ({ secrets: ["ok", bad] })),
  secretName.map((name) => ({ secrets: [name, name] })),
  secretName.map((name) => ({ secrets: [name, name.toUpperCase()] })),
  notNullish.filter((v) => !Array.isArray(v)).map((secrets) => ({ secrets })),
  fc
    .oneof(
      fc.string().filter((s) => !/^(\/[A-Za-z0-9_.-]+)+$/.test(s)),
      notAString,
    )
    .map((parameterPrefix) => ({ parameterPrefix })),
  fc
    .tuple(fc.constantFrom("/aws", "/ssm", "/AWS", "/Ssm"), prefixSegment)
    .map(([reserved, rest]) => ({ parameterPrefix: `${reserved}${rest}` })),
  fc
    .oneof(fc.integer({ max: 127 }), fc.integer({ min: 10241 }), nonInteger, notANumber)
    .map((memorySize) => ({ memorySize })),
  fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 901 }), nonInteger, notANumber).map((timeout) => ({ timeout })),
  fc
    .oneof(
      fc.integer().filter((n) => !(LOG_RETENTION_DAYS as readonly number[]).includes(n)),
      notANumber,
    )
    .map((logRetentionDays) => ({ logRetentionDays })),
  fc
    .oneof(
      fc.string().filter((s) => !/^[a-zA-Z][a-zA-Z0-9_]+$/.test(s)),
      fc.constantFrom("AWS_REGION", "LAMBDA_TASK_ROOT", "TZ", "_HANDLER"),
    )
    .map((name) => ({ environment: { [name]: "x" } })),
  fc.tuple(variableName, notAString).map(([name, value]) => ({ environment: { [name]: value } })),
  notNullish.filter((v) => typeof v !== "object" || Array.isArray(v)).map((environment) => ({ environment })),
  fc
    .oneof(fc.string(), notNullish)
    .filter((v) => !(SUPPORTED_RUNTIMES as readonly unknown[]).includes(v))
    .map((runtime) => ({ runtime })),
  fc
    .oneof(fc.string(), notNullish)
    .filter((v) => !(SUPPORTED_ARCHITECTURES as readonly unknown[]).includes(v))
    .map((architecture) => ({ architecture })),
  fc
    .oneof(
      fc.string().filter((s) => !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)),
      notAString,
    )
    .map((handler) => ({ handler })),
  fc.oneof(fc.constant("no/such/handler.ts"), fc.constant(""), notAString).map((entry) => ({ entry })),
  notNullish.filter((v) => typeof v !== "boolean").map((protect) => ({ protect })),
];

// --- Generators of leaked credentials (fake, assembled at run time) -----------------------

const alnum = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${min},${max}}$`));
const leakedValue = fc.oneof(
  alnum(36, 40).map((body) => `ghp_${body}`),
  alnum(22, 60).map((body) => `github_pat_${body}`),
  alnum(12, 30).map((body) => `xoxb-${body}`),
  alnum(20, 24).map((body) => `https://hooks.slack.com/services/${body}`),
  fc.stringMatching(/^[A-Z0-9]{16}$/).map((body) => `AKIA${body}`),
  fc
    .uint8Array({ minLength: 24, maxLength: 48 })
    .map((bytes) => Buffer.from(bytes).toString("hex"))
    .filter((hex) => new Set(hex).size >= 10),
  // A plain word in a variable named like a secret.
  fc
    .tuple(fc.stringMatching(/^[a-z]{16,24}$/), fc.constantFrom("_TOKEN", "_SECRET", "_PASSWORD", "_KEY"))
    .map(([word, suffix]) => ({ word, suffix })),
);

describe("properties", () => {
  test("random valid props always synthesize and keep the invariants", () => {
    fc.assert(
      fc.property(validProps, (props) => {
        const json = synthStack((stack) => new SecureLambda(stack, "fn", props));
        checkInvariants(props, json);
      }),
      { numRuns: 60 },
    );
  });

  test("random invalid props always end in SecureLambdaValidationError naming the construct, never another exception", () => {
    fc.assert(
      fc.property(validProps, fc.oneof(...breakages), (props, broken) => {
        const stack = new TerraformStack(Testing.app(), "test");
        let caught: unknown;
        try {
          new SecureLambda(stack, "fn", { ...props, ...broken } as SecureLambdaProps);
          Testing.synth(stack, true);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(SecureLambdaValidationError);
        expect((caught as SecureLambdaValidationError).message).toMatch(/^test\/fn: invalid [A-Za-z]+: /);
      }),
      { numRuns: 300 },
    );
  });

  test("a credential in any variable of a valid SecureLambda always ends in SecretLeakError that names the variable, never the value", () => {
    fc.assert(
      fc.property(validProps, variableName, leakedValue, (props, name, leaked) => {
        const [variable, value] =
          typeof leaked === "string" ? [name, leaked] : [`${name}${leaked.suffix}`, leaked.word];
        let caught: unknown;
        try {
          synthStack(
            (stack) =>
              new SecureLambda(stack, "fn", { ...props, environment: { ...props.environment, [variable]: value } }),
          );
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(SecretLeakError);
        const message = (caught as SecretLeakError).message;
        expect(message).toContain(`variable ${variable}:`);
        expect(message).not.toContain(value);
      }),
      { numRuns: 60 },
    );
  });
});
