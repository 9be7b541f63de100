/**
 * VPC placement: Lambda may attach the function to its own subnets and security groups
 * and nowhere else; the function's own code may not create or delete network interfaces;
 * a function outside a VPC may not create them at all.
 */
import type { Check } from "./check";
import { arnIn, functionAsks } from "./context";
import { block, type FunctionSubject } from "../subjects";
import { AuditError, bodyAt } from "../terraform-json";

// A network interface as Lambda creates it: its id is chosen at run time.
const NETWORK_INTERFACE = "network-interface/eni-0123456789abcdef0";
// Ids no function is given: the first one not in the function's own list is "another".
const OTHER_SUBNETS = ["subnet-0fedcba9876543210", "subnet-0123456789fedcba0"];
const OTHER_SECURITY_GROUPS = ["sg-0fedcba9876543210", "sg-0123456789fedcba0"];

export function vpcChecks(subject: FunctionSubject): Check[] {
  const ask = functionAsks(subject);
  const ec2 = (resource: string): string => arnIn(subject, "ec2", resource);
  const networkInterface = ec2(NETWORK_INTERFACE);
  const vpc = vpcConfigOf(subject);
  if (!vpc)
    return [ask("ec2:CreateNetworkInterface (not in a VPC)", "denied", "ec2:CreateNetworkInterface", networkInterface)];

  const otherSubnet = OTHER_SUBNETS.find((id) => !vpc.subnetIds.includes(id))!;
  const otherGroup = OTHER_SECURITY_GROUPS.find((id) => !vpc.securityGroupIds.includes(id))!;
  // Lambda's own calls carry no lambda:SourceFunctionArn; the function's code's calls do.
  const fromCode = { context: { "lambda:SourceFunctionArn": subject.functionArn } };
  return [
    ask(
      "ec2:DescribeNetworkInterfaces (no resource-level permissions)",
      "allowed",
      "ec2:DescribeNetworkInterfaces",
      "*",
    ),
    ask(
      "ec2:CreateNetworkInterface, the new interface (Lambda's call)",
      "allowed",
      "ec2:CreateNetworkInterface",
      networkInterface,
    ),
    ...vpc.subnetIds.map((id) =>
      ask(
        `ec2:CreateNetworkInterface in own subnet ${id}`,
        "allowed",
        "ec2:CreateNetworkInterface",
        ec2(`subnet/${id}`),
      ),
    ),
    ...vpc.securityGroupIds.map((id) =>
      ask(
        `ec2:CreateNetworkInterface with own security group ${id}`,
        "allowed",
        "ec2:CreateNetworkInterface",
        ec2(`security-group/${id}`),
      ),
    ),
    ask(
      "ec2:CreateNetworkInterface in another subnet",
      "denied",
      "ec2:CreateNetworkInterface",
      ec2(`subnet/${otherSubnet}`),
    ),
    ask(
      "ec2:CreateNetworkInterface with another security group",
      "denied",
      "ec2:CreateNetworkInterface",
      ec2(`security-group/${otherGroup}`),
    ),
    ask("ec2:DeleteNetworkInterface (Lambda's call)", "allowed", "ec2:DeleteNetworkInterface", networkInterface),
    ask(
      "ec2:CreateNetworkInterface from the function's code",
      "denied",
      "ec2:CreateNetworkInterface",
      networkInterface,
      fromCode,
    ),
    ask(
      "ec2:DeleteNetworkInterface from the function's code",
      "denied",
      "ec2:DeleteNetworkInterface",
      networkInterface,
      fromCode,
    ),
    ask("ec2:TerminateInstances", "denied", "ec2:TerminateInstances", ec2("instance/i-0123456789abcdef0")),
  ];
}

/** The function's `vpc_config`, its ids resolved; undefined when it has none. */
function vpcConfigOf(subject: FunctionSubject): { subnetIds: string[]; securityGroupIds: string[] } | undefined {
  const body = bodyAt(subject.stack.json, subject.address);
  const config = body && block(body, "vpc_config");
  if (!config) return undefined;
  const ids = (attribute: string): string[] => {
    const value = config[attribute];
    const where = `${subject.address}.vpc_config.${attribute}`;
    if (!Array.isArray(value) || !value.every((id) => typeof id === "string")) {
      throw new AuditError(`${where}: not a list of ids the audit can read (a list reference cannot be resolved)`);
    }
    return value.map((id: string) => subject.references.resolve(id, where));
  };
  return { subnetIds: ids("subnet_ids"), securityGroupIds: ids("security_group_ids") };
}
