import { Construct } from "constructs";
import { awsContext } from "./aws-context";
import { SECRET_STORES, type SecretStore } from "../common/naming";
import { checkNetworkId, checkNetworkIdList, isListToken, type KeyedId } from "./network-ids";
import { SecurityGroup, Token, VpcEndpoint, VpcSecurityGroupIngressRule } from "./tf";
import { checkTags } from "./tags";
import { failAt } from "./validation";
import { show } from "../common/show";

const HTTPS_PORT = 443;

// Both descriptions are constants: EC2 cannot change a security group's description, so
// Terraform would replace the group (and detach it from every endpoint) on any change.
// EC2 allows only a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$* in them (no apostrophes).
const GROUP_DESCRIPTION =
  "Admits HTTPS to the secrets VPC endpoints only from the security groups of the client functions";
const RULE_DESCRIPTION = "HTTPS from a client function security group to the secrets VPC endpoints";

/** Properties of {@link SecretsEndpoints}. */
export interface SecretsEndpointsProps {
  /** The VPC of the functions (`vpc-` and 8 or 17 hex digits, or a reference). */
  readonly vpcId: string;
  /**
   * Subnets for the endpoints' network interfaces, normally the functions' subnets, at most one per availability zone.
   */
  readonly subnetIds: string[];
  /** Security groups of the functions: the only sources the endpoints admit, on port 443. */
  readonly clientSecurityGroupIds: string[];
  /**
   * The secret store the functions read.
   *
   * @default "ssm"
   */
  readonly store?: string;
  /**
   * Also create an `xray` endpoint, for functions that trace with X-Ray.
   *
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * Tags for the security group, its rules and the endpoints.
   *
   * @default - none
   */
  readonly tags?: Record<string, string>;
}

/**
 * Interface VPC endpoints that let functions in private subnets, with no route to the
 * internet, reach their secret store (`ssm` or `secretsmanager`), `kms`, `logs` and
 * (with `tracing`) `xray`.
 *
 * The VPC must have DNS support and DNS hostnames enabled (private DNS needs both), and
 * must not already hold an endpoint with private DNS for any of these services: their
 * private hosted zones would conflict, so create one SecretsEndpoints per VPC.
 *
 * @example
 * new SecureLambda(stack, "notifier", {
 *   functionName: "notifier",
 *   entry,
 *   secrets: ["github_token"],
 *   vpc: { subnetIds: ["subnet-0a1b2c3d", "subnet-4e5f6a7b"], securityGroupIds: ["sg-0123abcd"] },
 * });
 * new SecretsEndpoints(stack, "endpoints", {
 *   vpcId: "vpc-0a1b2c3d",
 *   subnetIds: ["subnet-0a1b2c3d", "subnet-4e5f6a7b"], // one per availability zone
 *   clientSecurityGroupIds: ["sg-0123abcd"], // the functions' groups
 *   store: "ssm", // or "secretsmanager", as the functions' store
 * });
 */
export class SecretsEndpoints extends Construct {
  /** The group of the endpoints' network interfaces: HTTPS in from the client groups only, nothing out. */
  readonly securityGroup: SecurityGroup;
  /** The endpoints, by service name (`ssm`, `kms`, ...). */
  readonly endpoints: Readonly<Record<string, VpcEndpoint>>;
  /** The services that have an endpoint, the store first. */
  readonly serviceNames: string[];

  constructor(scope: Construct, id: string, props: SecretsEndpointsProps) {
    super(scope, id);
    const { store, tracing, clients } = this.validate(props);
    this.serviceNames = [store, "kms", "logs", ...(tracing ? ["xray"] : [])];
    this.securityGroup = this.createSecurityGroup(props.vpcId, clients, props.tags);
    const aws = awsContext(this);
    const policy = accountOnlyPolicy(aws.accountId);
    const endpoints: Record<string, VpcEndpoint> = {};
    for (const service of this.serviceNames) {
      // The id is the Terraform address: renaming it would replace the endpoint.
      endpoints[service] = new VpcEndpoint(this, `Endpoint-${service}`, {
        vpcId: props.vpcId,
        serviceName: `com.amazonaws.${aws.region}.${service}`,
        vpcEndpointType: "Interface",
        // The SDK's default hostnames (ssm.<region>.amazonaws.com) then resolve to the
        // endpoint inside the VPC; without it every client would need the vpce-... URL.
        privateDnsEnabled: true,
        subnetIds: props.subnetIds,
        securityGroupIds: [this.securityGroup.id],
        policy,
        tags: props.tags,
      });
    }
    this.endpoints = endpoints;
  }

  /** Every check of the props, before anything is made; returns them with defaults applied. */
  private validate(props: SecretsEndpointsProps): { store: SecretStore; tracing: boolean; clients: KeyedId[] } {
    const fail = failAt(this.node.path);
    const store = props.store ?? "ssm";
    const tracing = props.tracing ?? true;
    // Both decide which endpoints exist: they must be known at synth, never a token.
    if (Token.isUnresolved(store) || !(SECRET_STORES as readonly unknown[]).includes(store)) {
      fail("store", `${show(store)}: allowed are ${SECRET_STORES.map((s) => `"${s}"`).join(", ")}`);
    }
    if (typeof tracing !== "boolean") fail("tracing", `${show(tracing)}: allowed are true and false`);
    checkNetworkId(fail, "vpcId", "vpc", props.vpcId);
    // A list token (`data.aws_subnets.private.ids`) goes to Terraform as it is: the subnets
    // only feed one argument, while each client group needs a rule of its own.
    if (!isListToken(props.subnetIds)) checkNetworkIdList(this, fail, "subnetIds", "subnet", props.subnetIds);
    const clients = checkNetworkIdList(this, fail, "clientSecurityGroupIds", "sg", props.clientSecurityGroupIds);
    checkTags(fail, props.tags);
    // Checked against SECRET_STORES above (the prop is a string: jsii has no literal types).
    return { store: store as SecretStore, tracing, clients };
  }

  private createSecurityGroup(
    vpcId: string,
    clients: readonly KeyedId[],
    tags: Record<string, string> | undefined,
  ): SecurityGroup {
    // No egress block: Terraform then removes the allow-all egress rule AWS adds to a new
    // group. The endpoints never open connections, and a security group is stateful, so
    // replies to the functions' requests flow without an egress rule.
    const group = new SecurityGroup(this, "SecurityGroup", { vpcId, description: GROUP_DESCRIPTION, tags });
    const groupId = group.id;
    for (const client of clients) {
      // Sources are the functions' groups, never a CIDR: anything else in the VPC, or
      // anything that later joins the subnets, cannot use the endpoints. Keyed by the
      // group, not by position, so removing one client leaves the other rules in place.
      new VpcSecurityGroupIngressRule(this, `Ingress-${client.key}`, {
        securityGroupId: groupId,
        referencedSecurityGroupId: client.id,
        ipProtocol: "tcp",
        fromPort: HTTPS_PORT,
        toPort: HTTPS_PORT,
        description: RULE_DESCRIPTION,
        tags,
      });
    }
    return group;
  }
}

/**
 * An endpoint policy that admits only principals of this account: credentials of another
 * account (an attacker's) cannot use the endpoint to move data out of the VPC into
 * their own parameters, secrets, keys or log groups. IAM still decides what this
 * account's principals may do.
 */
function accountOnlyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: "*",
        Action: "*",
        Resource: "*",
        Condition: { StringEquals: { "aws:PrincipalAccount": accountId } },
      },
    ],
  });
}
