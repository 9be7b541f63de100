import { SecureLambdaValidationError } from "../constructs";
import { SecretsEndpoints, type SecretsEndpointsProps } from "../constructs/secrets-endpoints";
import { Fn, SecurityGroup, type TerraformStack } from "../constructs/tf";
import { only, ref, resources, statements, synthStack, type TerraformJson } from "./helpers/synth";

const VPC = "vpc-0a1b2c3d4e5f60718";
const SUBNETS = ["subnet-0a1b2c3d", "subnet-0123456789abcdef0"];
const CLIENTS = ["sg-0123456789abcdef0", "sg-11223344"];

function synthEndpoints(
  props: Partial<SecretsEndpointsProps> = {},
  build?: (stack: TerraformStack) => Partial<SecretsEndpointsProps>,
): TerraformJson {
  return synthStack((stack) => {
    new SecretsEndpoints(stack, "endpoints", {
      vpcId: VPC,
      subnetIds: SUBNETS,
      clientSecurityGroupIds: CLIENTS,
      ...build?.(stack),
      ...props,
    });
  });
}

/** `${data.aws_region.<name>.region}` of the stack's AWS context. */
function regionRef(json: TerraformJson): string {
  const [name] = Object.keys(json.data!.aws_region!);
  return `\${data.aws_region.${name}.region}`;
}

/** The services of the synthesized endpoints, from `com.amazonaws.<region>.<service>`, sorted. */
function endpointServices(json: TerraformJson): string[] {
  const prefix = `com.amazonaws.${regionRef(json)}.`;
  return resources(json, "aws_vpc_endpoint")
    .map(([, endpoint]) => {
      expect(endpoint.service_name.startsWith(prefix)).toBe(true);
      return endpoint.service_name.slice(prefix.length) as string;
    })
    .sort();
}

describe("SecretsEndpoints endpoints", () => {
  const json = synthEndpoints();
  const endpoints = resources(json, "aws_vpc_endpoint");
  const [groupName] = only(json, "aws_security_group");

  test.each([
    ["ssm", true, ["kms", "logs", "ssm", "xray"]],
    ["ssm", false, ["kms", "logs", "ssm"]],
    ["secretsmanager", true, ["kms", "logs", "secretsmanager", "xray"]],
    ["secretsmanager", false, ["kms", "logs", "secretsmanager"]],
  ] as const)("for store %s with tracing %s, creates endpoints for exactly %j", (store, tracing, expected) => {
    expect(endpointServices(synthEndpoints({ store, tracing }))).toEqual(expected);
  });

  test("defaults to the ssm store with tracing, and names the services in serviceNames", () => {
    expect(endpointServices(json)).toEqual(["kms", "logs", "ssm", "xray"]);
    synthStack((stack) => {
      const construct = new SecretsEndpoints(stack, "endpoints", {
        vpcId: VPC,
        subnetIds: SUBNETS,
        clientSecurityGroupIds: CLIENTS,
        store: "secretsmanager",
      });
      expect(construct.serviceNames).toEqual(["secretsmanager", "kms", "logs", "xray"]);
      expect(Object.keys(construct.endpoints).sort()).toEqual(["kms", "logs", "secretsmanager", "xray"]);
      expect(construct.endpoints.kms!.node.id).toBe("Endpoint-kms");
      expect(construct.securityGroup.node.id).toBe("SecurityGroup");
    });
  });

  test("makes every endpoint an Interface endpoint with private DNS, in the region of the stack", () => {
    expect(endpoints).toHaveLength(4);
    for (const [, endpoint] of endpoints) {
      expect(endpoint.vpc_endpoint_type).toBe("Interface");
      expect(endpoint.private_dns_enabled).toBe(true);
      expect(endpoint.service_name).toMatch(/^com\.amazonaws\.\$\{data\.aws_region\.[^}]+\.region\}\.[a-z]+$/);
    }
  });

  test("places every endpoint in the VPC and the given subnets, behind only the construct's security group", () => {
    for (const [, endpoint] of endpoints) {
      expect(endpoint.vpc_id).toBe(VPC);
      expect(endpoint.subnet_ids).toEqual(SUBNETS);
      expect(endpoint.security_group_ids).toEqual([ref("aws_security_group", groupName, "id")]);
    }
  });

  test("has an endpoint policy that admits only principals of this account", () => {
    const [account] = Object.keys(json.data!.aws_caller_identity!);
    for (const [, endpoint] of endpoints) {
      expect(statements(endpoint.policy)).toEqual([
        {
          Effect: "Allow",
          Principal: "*",
          Action: "*",
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalAccount": `\${data.aws_caller_identity.${account}.account_id}` } },
        },
      ]);
    }
  });

  test("takes subnets as one list reference, such as a data source's ids", () => {
    const listed = synthEndpoints({ subnetIds: Fn.tolist(["subnet-0a1b2c3d"]) });
    for (const [, endpoint] of resources(listed, "aws_vpc_endpoint"))
      expect(endpoint.subnet_ids).toBe('${tolist(["subnet-0a1b2c3d"])}');
  });

  test("puts the tags on the endpoints, the security group and its rules", () => {
    const tagged = synthEndpoints({ tags: { team: "sre" } });
    for (const type of ["aws_vpc_endpoint", "aws_security_group", "aws_vpc_security_group_ingress_rule"]) {
      for (const [, resource] of resources(tagged, type)) expect(resource.tags).toEqual({ team: "sre" });
    }
  });
});

describe("SecretsEndpoints security group", () => {
  const json = synthEndpoints();
  const [groupName, group] = only(json, "aws_security_group");
  const rules = resources(json, "aws_vpc_security_group_ingress_rule");
  // What EC2 accepts in a group or rule description.
  const EC2_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{1,255}$/;

  test("is in the VPC and has a description EC2 accepts", () => {
    expect(group.vpc_id).toBe(VPC);
    expect(group.description).toMatch(EC2_DESCRIPTION);
  });

  test("has no egress rule, inline or separate", () => {
    expect(group.egress).toBeUndefined();
    expect(group.ingress).toBeUndefined();
    expect(resources(json, "aws_vpc_security_group_egress_rule")).toHaveLength(0);
    expect(resources(json, "aws_security_group_rule")).toHaveLength(0);
  });

  test("admits exactly one tcp rule on port 443 per client group, referencing that group, with a description", () => {
    expect(rules).toHaveLength(CLIENTS.length);
    expect(rules.map(([, rule]) => rule.referenced_security_group_id).sort()).toEqual([...CLIENTS].sort());
    for (const [, rule] of rules) {
      expect(rule.security_group_id).toBe(ref("aws_security_group", groupName, "id"));
      expect(rule).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443 });
      expect(rule.description).toMatch(EC2_DESCRIPTION);
    }
  });

  test("admits no CIDR and no prefix list anywhere", () => {
    const text = JSON.stringify(json.resource);
    expect(text).not.toMatch(/cidr/i);
    expect(text).not.toContain("0.0.0.0/0");
    expect(text).not.toContain("prefix_list");
  });

  test("admits a client group given as a Terraform reference", () => {
    const referenced = synthEndpoints({}, (stack) => ({
      clientSecurityGroupIds: [new SecurityGroup(stack, "app", { vpcId: VPC, description: "app" }).id],
    }));
    const [, rule] = only(referenced, "aws_vpc_security_group_ingress_rule");
    expect(rule.referenced_security_group_id).toBe(ref("aws_security_group", "app", "id"));
  });
});

describe("SecretsEndpoints addresses", () => {
  const json = synthEndpoints();
  const names = (type: string) =>
    resources(json, type)
      .map(([name]) => name)
      .sort();

  test("are stable: endpoints by service, the security group, and rules by client group", () => {
    expect(names("aws_vpc_endpoint").map((name) => name.replace(/_[0-9A-F]{8}$/, ""))).toEqual([
      "endpoints_Endpoint-kms",
      "endpoints_Endpoint-logs",
      "endpoints_Endpoint-ssm",
      "endpoints_Endpoint-xray",
    ]);
    expect(names("aws_security_group")).toEqual([expect.stringMatching(/^endpoints_SecurityGroup_[0-9A-F]{8}$/)]);
    expect(names("aws_vpc_security_group_ingress_rule").map((name) => name.replace(/_[0-9A-F]{8}$/, ""))).toEqual([
      "endpoints_Ingress-sg-0123456789abcdef0",
      "endpoints_Ingress-sg-11223344",
    ]);
  });

  test("keep a client's rule when another client is removed or the list is reordered", () => {
    const rulesFor = (clients: string[]) =>
      Object.fromEntries(
        resources(synthEndpoints({ clientSecurityGroupIds: clients }), "aws_vpc_security_group_ingress_rule").map(
          ([name, rule]) => [rule.referenced_security_group_id, name],
        ),
      );
    const both = rulesFor(CLIENTS);
    expect(rulesFor([CLIENTS[1]!])).toEqual({ [CLIENTS[1]!]: both[CLIENTS[1]!] });
    expect(rulesFor([...CLIENTS].reverse())).toEqual(both);
  });

  test("key a referenced client group by its reference, not its position", () => {
    const ruleName = (extra: string[]) =>
      resources(
        synthEndpoints({}, (stack) => ({
          clientSecurityGroupIds: [...extra, new SecurityGroup(stack, "app", { vpcId: VPC, description: "app" }).id],
        })),
        "aws_vpc_security_group_ingress_rule",
      ).find(([, rule]) => rule.referenced_security_group_id === "${aws_security_group.app.id}")![0];
    expect(ruleName([])).toMatch(/^endpoints_Ingress-ref-[0-9a-f]{12}_[0-9A-F]{8}$/);
    expect(ruleName(["sg-11223344"])).toBe(ruleName([]));
  });
});

describe("SecretsEndpoints validation", () => {
  type LooseProps = Partial<Record<keyof SecretsEndpointsProps, unknown>>;

  function errorOf(props: LooseProps, build?: (stack: TerraformStack) => LooseProps): SecureLambdaValidationError {
    try {
      synthEndpoints(
        props as Partial<SecretsEndpointsProps>,
        build as (stack: TerraformStack) => Partial<SecretsEndpointsProps>,
      );
    } catch (error) {
      expect(error).toBeInstanceOf(SecureLambdaValidationError);
      return error as SecureLambdaValidationError;
    }
    throw new Error("expected a SecureLambdaValidationError, but the stack synthesized");
  }

  /** Asserts the error names the construct path, the prop and each fragment (the value, what is allowed). */
  function expectInvalid(props: LooseProps, prop: string, ...fragments: string[]): void {
    const error = errorOf(props);
    expect(error.constructPath).toBe("test/endpoints");
    expect(error.prop).toBe(prop);
    expect(error.message).toContain(`test/endpoints: invalid ${prop}`);
    for (const fragment of fragments) expect(error.message).toContain(fragment);
  }

  const HEX_IDS = "8 or 17 lower-case hex digits, or a Terraform reference";

  test("refuses a vpcId that is not a VPC id", () =>
    expectInvalid({ vpcId: "subnet-0a1b2c3d" }, "vpcId", '"subnet-0a1b2c3d"', `"vpc-" and ${HEX_IDS}`));
  test("refuses a vpcId with 9 hex digits", () =>
    expectInvalid({ vpcId: "vpc-0a1b2c3d4" }, "vpcId", '"vpc-0a1b2c3d4"'));
  test("refuses a vpcId in upper case", () => expectInvalid({ vpcId: "vpc-0A1B2C3D" }, "vpcId", '"vpc-0A1B2C3D"'));
  test("refuses a missing vpcId", () => expectInvalid({ vpcId: undefined }, "vpcId", "undefined"));

  test("refuses empty subnetIds", () =>
    expectInvalid({ subnetIds: [] }, "subnetIds", "an empty array", "a non-empty array of ids"));
  test("refuses subnetIds that are not an array", () =>
    expectInvalid({ subnetIds: "subnet-0a1b2c3d" }, "subnetIds", '"subnet-0a1b2c3d"', "a non-empty array"));
  test("refuses a subnet id that is not one", () =>
    expectInvalid(
      { subnetIds: ["subnet-0a1b2c3d", "sg-0a1b2c3d"] },
      "subnetIds",
      '"sg-0a1b2c3d"',
      `"subnet-" and ${HEX_IDS}`,
    ));
  test("refuses a subnet listed twice", () =>
    expectInvalid(
      { subnetIds: ["subnet-0a1b2c3d", "subnet-0a1b2c3d"] },
      "subnetIds",
      '"subnet-0a1b2c3d" is listed twice',
    ));

  test("refuses empty clientSecurityGroupIds", () =>
    expectInvalid(
      { clientSecurityGroupIds: [] },
      "clientSecurityGroupIds",
      "an empty array",
      "a non-empty array of ids",
    ));
  test("refuses a client group id that is not one", () =>
    expectInvalid(
      { clientSecurityGroupIds: ["sg-12345678", "vpc-12345678"] },
      "clientSecurityGroupIds",
      '"vpc-12345678"',
      `"sg-" and ${HEX_IDS}`,
    ));
  test("refuses a client group id that is not a string", () =>
    expectInvalid({ clientSecurityGroupIds: [42] }, "clientSecurityGroupIds", "42"));
  test("refuses a client group listed twice", () =>
    expectInvalid(
      { clientSecurityGroupIds: ["sg-12345678", "sg-12345678"] },
      "clientSecurityGroupIds",
      '"sg-12345678" is listed twice',
    ));
  test("refuses a client group referenced twice", () => {
    const error = errorOf({}, (stack) => {
      const app = new SecurityGroup(stack, "app", { vpcId: VPC, description: "app" });
      return { clientSecurityGroupIds: [app.id, app.id] };
    });
    expect(error.prop).toBe("clientSecurityGroupIds");
    expect(error.message).toContain('"${aws_security_group.app.id}" is listed twice');
  });
  test("refuses client groups given as one list reference, since each needs its own rule", () =>
    expectInvalid(
      { clientSecurityGroupIds: Fn.tolist(["sg-12345678"]) },
      "clientSecurityGroupIds",
      "a list token",
      "one resource is made per id",
    ));

  test("refuses an unknown store", () =>
    expectInvalid({ store: "parameterstore" }, "store", '"parameterstore"', '"ssm", "secretsmanager"'));
  test("refuses a tracing that is not a boolean", () =>
    expectInvalid({ tracing: "yes" }, "tracing", '"yes"', "true and false"));
  test("refuses a tag whose value is not a string", () =>
    expectInvalid({ tags: { team: 1 } }, "tags", '"team"', "1", "string values"));

  test("accepts 8- and 17-digit ids and references", () => {
    expect(() =>
      synthEndpoints({}, (stack) => {
        const app = new SecurityGroup(stack, "app", { vpcId: "vpc-0a1b2c3d", description: "app" });
        return {
          vpcId: app.vpcId,
          subnetIds: ["subnet-0a1b2c3d", "subnet-0123456789abcdef0"],
          clientSecurityGroupIds: ["sg-0a1b2c3d", app.id],
        };
      }),
    ).not.toThrow();
  });
});
