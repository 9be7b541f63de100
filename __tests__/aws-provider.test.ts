import * as path from "node:path";
import { environments } from "../config/environments";
import { AWS_PROVIDER_BINDINGS, AwsProvider, TerraformStack, Testing } from "../constructs/tf";
import {
  AWS_PROVIDER_BEHAVIOURS,
  AWS_PROVIDER_CONSTRAINT,
  AWS_PROVIDER_FLOOR,
  AWS_PROVIDER_NEXT_MAJOR,
} from "../constructs/aws-provider-version";
import { SecureLambda } from "../constructs";
import { EnvironmentStack } from "../stacks/environment-stack";
import { HELLO_ENTRY } from "./helpers/synth";
import { highestVersion, releaseOf, satisfiesConstraint } from "../constructs/version-constraint";

type ProviderPin = { terraform: { required_providers: { aws: { version: string } } } };

describe("the AWS provider range", () => {
  test("the floor is 6.26.0, the first release whose refresh of a write-only secret version reads no value (CHANGELOG 6.26.0, #44876)", () => {
    expect(AWS_PROVIDER_FLOOR).toBe("6.26.0");
    const refresh = AWS_PROVIDER_BEHAVIOURS.find((b) => b.behaviour.includes("ListSecretVersionIds"));
    expect(refresh).toMatchObject({ since: "6.26.0" });
    expect(refresh?.source).toContain("CHANGELOG 6.26.0");
    expect(refresh?.source).toContain("#44876");
    // The floor is the highest release a documented behaviour needs, nothing picked by hand.
    expect(AWS_PROVIDER_FLOOR).toBe(highestVersion(AWS_PROVIDER_BEHAVIOURS.map((b) => b.since)));
  });

  test("the range runs from the floor to below the next major", () => {
    expect(AWS_PROVIDER_CONSTRAINT).toBe(">= 6.26.0, < 7.0.0");
    expect(AWS_PROVIDER_NEXT_MAJOR).toBe("7.0.0");
    for (const inside of ["6.26.0", "6.26.1", "6.48.0", "6.66.0", "6.999.0"])
      expect([inside, satisfiesConstraint(inside, AWS_PROVIDER_CONSTRAINT)]).toEqual([inside, true]);
    for (const outside of ["6.25.0", "6.0.0", "5.100.0", "7.0.0", "7.1.0"])
      expect([outside, satisfiesConstraint(outside, AWS_PROVIDER_CONSTRAINT)]).toEqual([outside, false]);
  });

  // @cdktf/provider-aws 21.22 pins 6.25.0, below the floor (the range test above); @cdktn/provider-aws 25.7 pins
  // 6.66.0.
  test("every stack replaces the bindings' exact pin (the release they were generated for) with the range", () => {
    const bindings = require(`${AWS_PROVIDER_BINDINGS}/package.json`) as { cdktf: { provider: { version: string } } };
    const bare = new TerraformStack(Testing.app(), "bare");
    new AwsProvider(bare, "aws", { region: "eu-west-1" });
    expect((JSON.parse(Testing.synth(bare)) as ProviderPin).terraform.required_providers.aws.version).toBe(
      bindings.cdktf.provider.version,
    );
    const dev = new EnvironmentStack(Testing.app(), "dev", {
      config: environments.dev,
      projectRoot: path.join(__dirname, ".."),
    });
    expect((JSON.parse(Testing.synth(dev)) as ProviderPin).terraform.required_providers.aws.version).toBe(
      AWS_PROVIDER_CONSTRAINT,
    );
  });

  test("a user's own stack that holds a SecureLambda requires the range too, and a narrower constraint the user adds after it wins", () => {
    const synthUserStack = (narrower?: string) => {
      const stack = new TerraformStack(Testing.app(), "theirs");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      new SecureLambda(stack, "a", { functionName: "a", entry: HELLO_ENTRY, secrets: ["token"] });
      new SecureLambda(stack, "b", { functionName: "b", entry: HELLO_ENTRY, secrets: ["token"] });
      if (narrower) stack.addOverride("terraform.required_providers.aws.version", narrower);
      return (JSON.parse(Testing.synth(stack)) as ProviderPin).terraform.required_providers.aws.version;
    };
    expect(synthUserStack()).toBe(AWS_PROVIDER_CONSTRAINT);
    expect(synthUserStack("~> 6.40.0")).toBe("~> 6.40.0");
  });

  test("the build the deploy suite runs, 6.48.0-dev, is a prerelease Terraform matches only exactly; its release number lies inside the range", () => {
    expect(satisfiesConstraint("6.48.0-dev", AWS_PROVIDER_CONSTRAINT)).toBe(false);
    expect(satisfiesConstraint("6.48.0-dev", "6.48.0-dev")).toBe(true);
    expect(satisfiesConstraint("6.48.0-dev", "= 6.48.0-dev")).toBe(true);
    expect(releaseOf("6.48.0-dev")).toBe("6.48.0");
    expect(satisfiesConstraint(releaseOf("6.48.0-dev"), AWS_PROVIDER_CONSTRAINT)).toBe(true);
  });
});

describe("Terraform's version constraints", () => {
  test.each([
    ["6.26.0", "6.26.0", true],
    ["6.26.1", "= 6.26.0", false],
    ["6.26.1", "!= 6.26.0", true],
    ["6.27.0", "> 6.26.0", true],
    ["6.26.0", "> 6.26.0", false],
    ["6.26.0", "<= 6.26.0", true],
    ["6.40.0", "~> 6.26", true],
    ["7.0.0", "~> 6.26", false],
    ["6.26.9", "~> 6.26.0", true],
    ["6.27.0", "~> 6.26.0", false],
    ["6.25.9", "~> 6.26.0", false],
  ])("%s against %s: %s", (version, constraint, expected) => {
    expect(satisfiesConstraint(version, constraint)).toBe(expected);
  });

  test("refuses what is not a version, naming it", () => {
    expect(() => satisfiesConstraint("latest", AWS_PROVIDER_CONSTRAINT)).toThrow('"latest" is not a version');
    expect(() => satisfiesConstraint("6.26.0", ">= six")).toThrow('"six" is not a version');
  });
});
