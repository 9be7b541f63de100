/**
 * Hostile values in every prop of every construct the package ships end in SecureLambdaValidationError
 * naming the construct (or synthesize, where the value is a valid one, such as an object without a
 * prototype for a map), never in another exception: not a TypeError from converting an object whose
 * `toString` is no function, a symbol or a bigint, not cdktf's refusal to resolve a function.
 *
 * The props are read from the interfaces' source, so a prop added later is probed without a change
 * here; the places inside a prop (a variable, a list entry, a struct's field) are written out below.
 * The properties test found the first such case: `{ toString: 0 }` as `functionName`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SecretsEndpoints, SecretsKey, SecureLambda, SecureLambdaValidationError } from "../constructs";
import { AwsProvider, Testing, TerraformStack } from "../constructs/tf";
import { HELLO_ENTRY } from "./helpers/synth";

const HOSTILE: ReadonlyArray<readonly [string, () => unknown]> = [
  ["an object whose toString is no function", () => ({ toString: 0 })],
  ["an object whose toString and valueOf are no functions", () => ({ toString: 0, valueOf: 0 })],
  ["an object without a prototype", () => Object.create(null)],
  ["an object whose Symbol.toPrimitive is no function", () => ({ [Symbol.toPrimitive]: 1 })],
  [
    "an object whose toString throws",
    () => ({
      toString: () => {
        throw new Error("hostile");
      },
    }),
  ],
  ["an object with a constructor key", () => ({ constructor: 1 })],
  ["an object with a toJSON key", () => ({ toJSON: 1 })],
  ["an object with a length", () => ({ length: 1 })],
  ["an array holding an object whose toString is no function", () => [{ toString: 0 }]],
  ["an array holding null", () => [null]],
  ["a nested empty array", () => [[]]],
  ["a bigint", () => 10n],
  ["a symbol", () => Symbol("hostile")],
  ["a function", () => () => "x"],
  ["NaN", () => Number.NaN],
  ["an invalid date", () => new Date(Number.NaN)],
  ["a regular expression", () => /x/],
  ["a Map", () => new Map([["a", "b"]])],
  ["a Buffer", () => Buffer.from("x")],
];

/** The props of `name`, read from the interface's body in `file`. */
function propsOf(file: string, name: string): string[] {
  const source = fs.readFileSync(path.join(__dirname, "..", "constructs", file), "utf8");
  const start = source.indexOf(`export interface ${name} {`);
  expect(start).toBeGreaterThanOrEqual(0);
  const body = source.slice(start, source.indexOf("\n}", start));
  return [...body.matchAll(/^ {2}readonly (\w+)\??:/gm)].map((m) => m[1]!);
}

const LAMBDA_PROPS = propsOf("secure-lambda-props.ts", "SecureLambdaProps");
const KEY_PROPS = propsOf("secrets-key.ts", "SecretsKeyProps");
const ENDPOINT_PROPS = propsOf("secrets-endpoints.ts", "SecretsEndpointsProps");

const ARN = {
  secret: "arn:aws:secretsmanager:us-east-1:111122223333:secret:shared-AbCdEf",
  key: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  topic: "arn:aws:sns:us-east-1:111122223333:alerts",
};

/** The places inside SecureLambda's props where a value is one level down, each with the hostile value put there. */
function nestedPlaces(value: unknown): Array<Record<string, unknown>> {
  const code = { directory: path.join(__dirname, "fixtures", "java-function") };
  return [
    { environment: { PLAIN: value } },
    { tags: { team: value } },
    { secrets: ["ok", value] },
    { entry: undefined, code: { directory: value } },
    { entry: undefined, code: { zipFile: value } },
    { entry: undefined, code, runtime: value },
    { entry: undefined, code, runtime: "python3.13", handler: value },
    { vpc: { subnetIds: [value], securityGroupIds: ["sg-0123456789abcdef0"] } },
    { vpc: { subnetIds: ["subnet-0123456789abcdef0"], securityGroupIds: value } },
    { schedule: { expression: value } },
    { store: "secretsmanager", rotation: { lambdaArn: value } },
    { externalSecrets: [{ name: value, arn: ARN.secret, keyArn: ARN.key }] },
    { externalSecrets: [{ name: "shared", arn: value, keyArn: ARN.key }] },
    { externalSecrets: [{ name: "shared", arn: ARN.secret, keyArn: value }] },
    { externalSecrets: [value] },
    { store: "secretsmanager", replicaRegions: [value] },
    { snsTopicArns: [value] },
    { deadLetterTarget: { targetArn: value } },
    { environment: { PLAIN: "x" }, allowLiteralEnvironment: { PLAIN: value } },
  ];
}

/** What building and synthesizing threw, if anything. */
function thrownBy(build: (stack: TerraformStack) => void): unknown {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  try {
    build(stack);
    Testing.synth(stack, true);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** The exceptions that are not SecureLambdaValidationError, described, for one failure message listing them all. */
function others(cases: ReadonlyArray<readonly [string, (stack: TerraformStack) => void]>): string[] {
  const found: string[] = [];
  for (const [what, build] of cases) {
    const error = thrownBy(build);
    if (error !== undefined && !(error instanceof SecureLambdaValidationError))
      found.push(
        `${what}: ${error instanceof Error ? `${error.name}: ${error.message.split("\n")[0]}` : typeof error}`,
      );
  }
  return found;
}

test("the props read from the source are the constructs' props", () => {
  expect(LAMBDA_PROPS.length).toBeGreaterThan(25);
  expect(LAMBDA_PROPS).toEqual(expect.arrayContaining(["functionName", "secrets", "environment", "replicaRegions"]));
  expect(KEY_PROPS).toEqual(expect.arrayContaining(["aliasName", "description", "tags", "region"]));
  expect(ENDPOINT_PROPS).toEqual(expect.arrayContaining(["vpcId", "subnetIds", "clientSecurityGroupIds"]));
});

test("SecureLambda: a hostile value in any prop, or inside one, is refused as invalid props", () => {
  const base = { functionName: "fn", secrets: ["api_token"], entry: HELLO_ENTRY };
  const cases: Array<readonly [string, (stack: TerraformStack) => void]> = [];
  for (const [what, value] of HOSTILE) {
    for (const prop of LAMBDA_PROPS)
      cases.push([`${prop} = ${what}`, (s) => new SecureLambda(s, "fn", { ...base, [prop]: value() } as never)]);
    for (const place of nestedPlaces(value()))
      cases.push([
        `${JSON.stringify(Object.keys(place))} with ${what}`,
        (s) => new SecureLambda(s, "fn", { ...base, ...place } as never),
      ]);
    cases.push([
      `grantSecretsRead(${what})`,
      (s) => new SecureLambda(s, "fn", base).grantSecretsRead(value() as never),
    ]);
  }
  expect(others(cases)).toEqual([]);
});

test("SecretsKey and SecretsEndpoints: a hostile value in any prop, or as a list's entry, is refused as invalid props", () => {
  const key = { aliasName: "team" };
  const endpoints = {
    vpcId: "vpc-0123456789abcdef0",
    subnetIds: ["subnet-0123456789abcdef0"],
    clientSecurityGroupIds: ["sg-0123456789abcdef0"],
  };
  const constructs = [
    ["SecretsKey", KEY_PROPS, (s: TerraformStack, props: object) => new SecretsKey(s, "key", { ...key, ...props })],
    [
      "SecretsEndpoints",
      ENDPOINT_PROPS,
      (s: TerraformStack, props: object) => new SecretsEndpoints(s, "endpoints", { ...endpoints, ...props }),
    ],
  ] as const;
  const cases: Array<readonly [string, (stack: TerraformStack) => void]> = [];
  for (const [what, value] of HOSTILE) {
    for (const [name, props, build] of constructs)
      for (const prop of props) {
        cases.push([`${name} ${prop} = ${what}`, (s) => build(s, { [prop]: value() })]);
        cases.push([`${name} ${prop} = [${what}]`, (s) => build(s, { [prop]: [value()] })]);
      }
    cases.push([`SecretsKey.fromKeyArn(${what})`, (s) => SecretsKey.fromKeyArn(s, "imported", value() as never)]);
  }
  expect(others(cases)).toEqual([]);
});
