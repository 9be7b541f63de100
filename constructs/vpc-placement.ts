/**
 * Placing a function in a VPC: the `vpc` prop, its validation, and the only EC2
 * permissions Lambda needs to attach the function to its subnets.
 */
import type { Construct } from "constructs";
import type { AwsContext } from "./aws-context";
import { checkNetworkIdList } from "./network-ids";
import type { PolicyStatement } from "./policy";
import { isPlainObject, type Fail } from "../common/values";
import { show } from "../common/show";

/** The subnets and security groups a function's network interfaces use. */
export interface VpcPlacement {
  /**
   * Subnets for the function's network interfaces (`subnet-` ids or Terraform references), ideally in two or more
   * availability zones.
   */
  readonly subnetIds: string[];
  /**
   * Security groups of the function's network interfaces (`sg-` ids or Terraform references): they decide where the
   * function may connect.
   */
  readonly securityGroupIds: string[];
}

// Lambda's own limits on VpcConfig.
const MAX_SUBNETS = 16;
const MAX_SECURITY_GROUPS = 5;
const KEYS: readonly string[] = ["subnetIds", "securityGroupIds"];

// The EC2 calls that change network interfaces: Lambda's, never the function code's.
const CHANGE_NETWORK_INTERFACES = [
  "ec2:CreateNetworkInterface",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
];

/**
 * The `vpc` prop, validated (undefined when it is absent). Each subnet and group must be
 * named one by one, not as a list token: the role's policy names each of their ARNs.
 */
export function checkVpcPlacement(scope: Construct, fail: Fail, vpc: unknown): VpcPlacement | undefined {
  if (vpc === undefined) return undefined;
  if (!isPlainObject(vpc)) fail("vpc", `${show(vpc)}: allowed is an object with subnetIds and securityGroupIds`);
  // A misspelt key (`subnetId`) must not silently leave the function outside the VPC it was meant for.
  for (const key of Object.keys(vpc)) {
    if (!KEYS.includes(key)) fail("vpc", `${show(key)} is not a vpc setting: allowed are ${KEYS.join(" and ")}`);
  }
  const { subnetIds, securityGroupIds } = vpc;
  const subnets = checkNetworkIdList(scope, fail, "vpc.subnetIds", "subnet", subnetIds);
  if (subnets.length > MAX_SUBNETS)
    fail("vpc.subnetIds", `${subnets.length} subnets: Lambda allows at most ${MAX_SUBNETS}`);
  const groups = checkNetworkIdList(scope, fail, "vpc.securityGroupIds", "sg", securityGroupIds);
  if (groups.length > MAX_SECURITY_GROUPS)
    fail("vpc.securityGroupIds", `${groups.length} security groups: Lambda allows at most ${MAX_SECURITY_GROUPS}`);
  return { subnetIds: subnets.map((subnet) => subnet.id), securityGroupIds: groups.map((group) => group.id) };
}

/**
 * The statements that let Lambda attach a function to its subnets (the EC2 actions of
 * AWS's AWSLambdaVPCAccessExecutionRole, each scoped as far as EC2 allows), and that
 * keep the function's own code from using them.
 */
export function networkInterfaceStatements(aws: AwsContext, vpc: VpcPlacement, functionArn: string): PolicyStatement[] {
  const ec2Arn = (resource: string): string => `arn:${aws.partition}:ec2:${aws.region}:${aws.accountId}:${resource}`;
  const networkInterfaces = ec2Arn("network-interface/*");
  const subnets = vpc.subnetIds.map((id) => ec2Arn(`subnet/${id}`));
  const securityGroups = vpc.securityGroupIds.map((id) => ec2Arn(`security-group/${id}`));
  return [
    {
      Sid: "DescribeNetworkInterfacesAndSubnets",
      Effect: "Allow",
      Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
      // EC2's Describe actions have no resource-level permissions: "*" is the only resource
      // IAM accepts for them. They stay alone in this statement so that "*" never reaches
      // an action that could have been scoped. They reveal network layout, never data.
      Resource: ["*"],
    },
    {
      Sid: "CreateNetworkInterfacesInOwnSubnets",
      Effect: "Allow",
      Action: ["ec2:CreateNetworkInterface"],
      // EC2 authorizes CreateNetworkInterface on the new interface and on the subnet and
      // security groups it uses: naming exactly the function's subnets and groups keeps the
      // role from placing an interface anywhere else (another VPC, an open security group).
      // The new interface has no id yet, so it can only be named by the wildcard.
      Resource: [networkInterfaces, ...subnets, ...securityGroups],
    },
    {
      Sid: "ManageNetworkInterfaces",
      Effect: "Allow",
      Action: ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
      // Lambda chooses the interfaces' ids at run time; AWS documents that
      // DeleteNetworkInterface must name either one id or all of them, and with one id
      // Lambda could not clean up the interfaces it creates later.
      Resource: [networkInterfaces],
    },
    {
      Sid: "DenyNetworkInterfaceChangesFromFunctionCode",
      Effect: "Deny",
      Action: [...CHANGE_NETWORK_INTERFACES],
      // Lambda's own network-interface calls carry no lambda:SourceFunctionArn, but calls
      // the function's code makes with its credentials do: code running in the function
      // cannot create, delete or re-address interfaces (AWS's "Using source function ARN to
      // control function access behavior"). Its resources are those of the Allow
      // statements, not "*": scanners judge Deny statements too.
      Resource: [networkInterfaces, ...subnets, ...securityGroups],
      Condition: { ArnEquals: { "lambda:SourceFunctionArn": functionArn } },
    },
  ];
}
