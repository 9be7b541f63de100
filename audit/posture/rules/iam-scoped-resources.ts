import { blockOf, referencedAddress } from "../json-values";
import { actionsOf, allows, identityPolicies, resourcesIn, type Statement } from "../policy-documents";
import { resourcesOf, type PostureFinding, type PostureRule, type StackJson, ruleIdOf } from "../rule";
import { isWildcardOnlyAction } from "../wildcard-only";

export const iamScopedResourcesRule: PostureRule = {
  id: ruleIdOf(__filename),
  title:
    'no IAM policy allows a wildcard resource beyond the unavoidable (own log streams, Lambda\'s network interfaces, actions that take only "*")',
  why:
    "A resource with a wildcard extends a grant to resources that are not the function's: another function's parameters, every key, every queue. " +
    "Three exceptions cannot be avoided and are kept narrow: Lambda names log streams at run time (so `<own log group ARN>:log-stream:*`), " +
    "it creates a VPC function's network interfaces and picks their ids (so `network-interface/*`, in a statement of Lambda's interface actions only), " +
    'and some actions take no resource at all (xray:PutTraceSegments), which are allowed on "*" only in a statement holding nothing else.',
  nearest: ["CKV_AWS_355", "CKV_AWS_286", "CKV_AWS_287", "CKV_AWS_288", "CKV_AWS_289", "CKV_AWS_290", "AWS-0057"],
  scannerGap:
    "Checkov's resource-wildcard checks read aws_iam_policy_document data sources only, not a role policy's JSON; Trivy 0.74's AWS-0057 passes a role policy that grants ssm:GetParameters on \"*\".",
  check: (json) => {
    const findings: PostureFinding[] = [];
    const logGroups = ownLogGroups(json);
    for (const { address, roleAddress, statements } of identityPolicies(json)) {
      if (statements === undefined) {
        findings.push({ address, problem: "its policy is not a JSON policy document" });
        continue;
      }
      const own = (roleAddress && logGroups.get(roleAddress)) || EMPTY;
      for (const statement of statements.filter(allows)) findings.push(...statementFindings(address, statement, own));
    }
    return findings;
  },
};

interface OwnLogGroups {
  /** Addresses of the log groups the role's functions write to. */
  readonly addresses: ReadonlySet<string>;
  /** Their names, as written in the stack (a literal or a `${...name}` reference). */
  readonly names: ReadonlySet<string>;
}

const EMPTY: OwnLogGroups = { addresses: new Set(), names: new Set() };

function statementFindings(address: string, statement: Statement, own: OwnLogGroups): PostureFinding[] {
  const sid = statement.Sid ?? "(no Sid)";
  if (statement.NotResource !== undefined)
    return [{ address, problem: `statement ${sid} allows with NotResource: every resource but those listed` }];
  const actions = actionsOf(statement);
  const findings: PostureFinding[] = [];
  for (const resource of resourcesIn(statement)) {
    if (!/[*?]/.test(resource) || isOwnLogStreams(resource, own) || isLambdaNetworkInterfaces(resource, actions))
      continue;
    if (resource === "*") {
      const scopable = actions.filter((action) => !isWildcardOnlyAction(action));
      if (actions.length > 0 && scopable.length === 0) continue;
      findings.push({
        address,
        problem: `statement ${sid} allows "*" for actions that can be scoped to a resource: ${scopable.join(", ")}`,
      });
    } else {
      findings.push({ address, problem: `statement ${sid} allows the wildcard resource ${JSON.stringify(resource)}` });
    }
  }
  return findings;
}

// The network-interface actions Lambda performs with the role to place a function in a VPC.
const LAMBDA_INTERFACE_ACTIONS = new Set([
  "ec2:createnetworkinterface",
  "ec2:deletenetworkinterface",
  "ec2:assignprivateipaddresses",
  "ec2:unassignprivateipaddresses",
]);

/**
 * `arn:...:ec2:<region>:<account>:network-interface/*` in a statement holding only Lambda's
 * network-interface actions: Lambda creates the interfaces and picks their ids at run time,
 * so no policy can name them (the subnets and groups they go in are named, see vpc-placement).
 */
function isLambdaNetworkInterfaces(resource: string, actions: readonly string[]): boolean {
  if (
    !/^arn:[^:*?]+:ec2:[^:*?]+:[^:*?]+:network-interface\/\*$/.test(resource) &&
    !/^arn:\$\{[^}]+\}:ec2:\$\{[^}]+\}:\$\{[^}]+\}:network-interface\/\*$/.test(resource)
  )
    return false;
  return actions.length > 0 && actions.every((action) => LAMBDA_INTERFACE_ACTIONS.has(action.toLowerCase()));
}

/** `<log group ARN>:log-stream:*` of a log group the role's own functions write to. */
function isOwnLogStreams(resource: string, own: OwnLogGroups): boolean {
  const byReference = /^\$\{(aws_cloudwatch_log_group\.[A-Za-z0-9_-]+)\.arn\}:log-stream:\*$/.exec(resource);
  if (byReference) return own.addresses.has(byReference[1]!);
  const byParts = /^arn:[^:]+:logs:[^:]+:[^:]+:log-group:([^*?]+):log-stream:\*$/.exec(resource);
  return byParts !== null && own.names.has(byParts[1]!);
}

/** For each role, the log groups of the functions that run as it. */
function ownLogGroups(json: StackJson): Map<string, OwnLogGroups> {
  const groups = new Map(resourcesOf(json, "aws_cloudwatch_log_group"));
  const byRole = new Map<string, { addresses: Set<string>; names: Set<string> }>();
  for (const [, fn] of resourcesOf(json, "aws_lambda_function")) {
    const role = referencedAddress(fn.role, "arn");
    if (role === undefined) continue;
    const entry = byRole.get(role) ?? { addresses: new Set<string>(), names: new Set<string>() };
    byRole.set(role, entry);
    const logGroup = blockOf(fn, "logging_config")?.log_group;
    const groupAddress = referencedAddress(logGroup, "name");
    if (groupAddress !== undefined && groups.has(groupAddress)) {
      entry.addresses.add(groupAddress);
      entry.names.add(String(logGroup));
      const name = groups.get(groupAddress)!.name;
      if (typeof name === "string") entry.names.add(name);
    } else if (typeof logGroup === "string") {
      entry.names.add(logGroup);
    } else if (typeof fn.function_name === "string") {
      // Without logging_config, Lambda writes to /aws/lambda/<function name>.
      entry.names.add(`/aws/lambda/${fn.function_name}`);
    }
  }
  // A group given by name whose resource is in the stack counts by address too.
  for (const [groupAddress, group] of groups) {
    for (const entry of byRole.values())
      if (typeof group.name === "string" && entry.names.has(group.name)) entry.addresses.add(groupAddress);
  }
  return byRole;
}
