/**
 * Every policy of every stack of the app, gathered for the access analysis: the identities
 * (roles and users, with every policy that reaches them by any route, from any stack of the
 * app), and the resource-side policies (key policies however attached, KMS grants, secret,
 * queue and topic policies, log resource policies, RAM shares, Lambda permissions and URLs).
 * Each policy keeps the Terraform address that made it, so a finding can name it.
 */
import { isPlainObject } from "../../common/values";
import MANAGED from "../managed-policies.json";
import { References } from "../references";
import { parsePolicy, type PolicyDocument } from "../subjects";
import { targetOf, type AuditTarget } from "../target";
import { AuditError, type Body, resourcesOf, type SynthesizedStack } from "../terraform-json";

/** A policy and the Terraform address that grants it (`<stack>: <address>`). */
export interface PolicySource {
  readonly address: string;
  readonly document: PolicyDocument;
}

/** A role or user of the app, with every policy that reaches it. */
export interface Identity {
  readonly kind: "role" | "user";
  readonly stack: string;
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  /** Who makes the calls: a session of a role, the user itself. */
  readonly principal: string;
  readonly accountId: string;
  readonly policies: PolicySource[];
  /** A role's trust policy. */
  readonly trust?: PolicySource;
  /** The construct path cdktf recorded (`dev/notifier-dev/Role/Role`), if any. */
  readonly path?: string;
}

/** One `aws_lambda_permission` or URL, resolved, with the function it names. */
export interface Invocation {
  readonly address: string;
  readonly functionName: string;
  readonly accountId: string;
  readonly qualifier?: string;
  readonly path?: string;
  /** A permission as the statement Lambda adds for it (its `Resource` left to the caller). */
  readonly permission?: { principal: string; action: string; conditions: Record<string, Record<string, string>> };
  /** A URL's authorization type. */
  readonly urlAuthType?: string;
}

/** A schedule and the function (ARN, maybe qualified) and role it names. */
export interface ScheduleTarget {
  readonly address: string;
  readonly targetArn: string;
  readonly roleArn: string;
  readonly path?: string;
}

/** Everything the analysis reads, app-wide. */
export interface AppPolicies {
  readonly identities: readonly Identity[];
  /** Resource-side policies by the resource's ARN (keys, secrets, queues, topics, shared parameters). */
  readonly resourcePolicies: ReadonlyMap<string, PolicySource[]>;
  /** Log resource policies by account. */
  readonly logPolicies: ReadonlyMap<string, PolicySource[]>;
  readonly invocations: readonly Invocation[];
  readonly schedules: readonly ScheduleTarget[];
  /** `aws_lambda_alias` names by function name (`<account>/<function>`). */
  readonly aliases: ReadonlyMap<string, string[]>;
  /** The references of each stack, cross-stack outputs resolved. */
  readonly references: ReadonlyMap<string, References>;
  /** The addresses (`<stack>: <address>`) whose resource the analysis read. */
  readonly understood: ReadonlySet<string>;
}

type ManagedPolicies = Readonly<Record<string, { readonly path: string; readonly document: PolicyDocument }>>;

/** The references of every stack, each resolving the outputs of the others (cdktf's cross-stack references). */
export function appReferences(stacks: readonly SynthesizedStack[]): Map<string, References> {
  const all = new Map<string, References>();
  const remote = (output: string, where: string): string | undefined => {
    for (const stack of stacks) {
      const body = stack.json.output?.[output];
      if (body && typeof body.value === "string") return all.get(stack.name)!.resolve(body.value, where);
    }
    return undefined;
  };
  for (const stack of stacks) {
    let target: AuditTarget;
    try {
      target = targetOf(stack.name, stack.json);
    } catch {
      continue;
    }
    all.set(stack.name, new References(stack.json, target, remote));
  }
  return all;
}

/** Gathers every policy of the app. Throws {@link AuditError} on a policy it cannot read. */
export function gatherApp(
  stacks: readonly SynthesizedStack[],
  references: ReadonlyMap<string, References>,
): AppPolicies {
  const understood = new Set<string>();
  const read = (stack: string, address: string) => understood.add(`${stack}: ${address}`);
  const identities: Identity[] = [];
  const groups = new Map<string, PolicySource[]>();
  const customerPolicies = new Map<string, PolicySource>();
  const attach: Array<{ kind: "role" | "user" | "group"; key: string; where: string; arn: string; stack: string }> = [];
  const inline: Array<{ kind: "role" | "user" | "group"; key: string; source: PolicySource }> = [];
  const memberships: Array<{ user: string; group: string }> = [];
  const resourcePolicies = new Map<string, PolicySource[]>();
  const logPolicies = new Map<string, PolicySource[]>();
  const invocations: Invocation[] = [];
  const schedules: ScheduleTarget[] = [];
  const aliases = new Map<string, string[]>();
  const shares = new Map<string, { resources: string[]; principals: Array<{ address: string; principal: string }> }>();
  const addResourcePolicy = (arn: string, source: PolicySource) =>
    resourcePolicies.set(arn, [...(resourcePolicies.get(arn) ?? []), source]);

  for (const stack of stacks) {
    const refs = references.get(stack.name);
    if (!refs) continue;
    const account = refs.target.accountId;
    const text = (body: Body, name: string, where: string) =>
      typeof body[name] === "string" ? refs.resolve(body[name] as string, `${where}.${name}`) : undefined;
    const list = (value: unknown, where: string) =>
      (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((item) => {
        if (typeof item !== "string") throw new AuditError(`${stack.name}: ${where}: not a list the audit can read`);
        return refs.resolve(item, where);
      });
    const source = (address: string, policy: unknown): PolicySource => ({
      address: `${stack.name}: ${address}`,
      document: parsePolicy(refs, policy, `${stack.name}: ${address}`),
    });
    const keyOfName = (kind: string, name: string) => `${account}/${kind}/${name}`;
    const each = (type: string, visit: (address: string, body: Body) => void) => {
      for (const [address, body] of resourcesOf(stack.json, type)) {
        read(stack.name, address);
        visit(address, body);
      }
    };

    each("aws_iam_policy", (address, body) =>
      customerPolicies.set(refs.attribute(address, "arn", address), source(`${address}.policy`, body.policy)),
    );
    each("aws_iam_role", (address, body) => {
      const name = refs.attribute(address, "name", address);
      const arn = refs.attribute(address, "arn", address);
      const policies = blocksOf(body.inline_policy)
        .filter((block) => block.policy !== undefined)
        .map((block) => source(`${address}.inline_policy`, block.policy));
      identities.push({
        kind: "role",
        stack: stack.name,
        address,
        name,
        arn,
        principal: `arn:${refs.target.partition}:sts::${account}:assumed-role/${name}/audit`,
        accountId: account,
        policies,
        trust: source(`${address}.assume_role_policy`, body.assume_role_policy),
        path: metadataPath(body),
      });
      for (const arnOf of list(body.managed_policy_arns, `${address}.managed_policy_arns`))
        attach.push({ kind: "role", key: keyOfName("role", name), where: address, arn: arnOf, stack: stack.name });
    });
    each("aws_iam_user", (address, body) => {
      const name = refs.attribute(address, "name", address);
      const arn = refs.attribute(address, "arn", address);
      identities.push({
        kind: "user",
        stack: stack.name,
        address,
        name,
        arn,
        principal: arn,
        accountId: account,
        policies: [],
        path: metadataPath(body),
      });
    });
    each("aws_iam_group", () => undefined);
    for (const [kind, type, field] of [
      ["role", "aws_iam_role_policy", "role"],
      ["user", "aws_iam_user_policy", "user"],
      ["group", "aws_iam_group_policy", "group"],
    ] as const)
      each(type, (address, body) =>
        inline.push({
          kind,
          key: keyOfName(kind, text(body, field, address) ?? ""),
          source: source(address, body.policy),
        }),
      );
    for (const [kind, type, field, arns] of [
      ["role", "aws_iam_role_policy_attachment", "role", "policy_arn"],
      ["user", "aws_iam_user_policy_attachment", "user", "policy_arn"],
      ["group", "aws_iam_group_policy_attachment", "group", "policy_arn"],
      ["role", "aws_iam_role_policy_attachments_exclusive", "role_name", "policy_arns"],
      ["user", "aws_iam_user_policy_attachments_exclusive", "user_name", "policy_arns"],
      ["group", "aws_iam_group_policy_attachments_exclusive", "group_name", "policy_arns"],
    ] as const)
      each(type, (address, body) => {
        for (const arn of list(body[arns], `${address}.${arns}`))
          attach.push({
            kind,
            key: keyOfName(kind, text(body, field, address) ?? ""),
            where: address,
            arn,
            stack: stack.name,
          });
      });
    each("aws_iam_policy_attachment", (address, body) => {
      const arn = text(body, "policy_arn", address) ?? "";
      for (const [kind, field] of [
        ["role", "roles"],
        ["user", "users"],
        ["group", "groups"],
      ] as const)
        for (const name of list(body[field], `${address}.${field}`))
          attach.push({ kind, key: keyOfName(kind, name), where: address, arn, stack: stack.name });
    });
    each("aws_iam_group_membership", (address, body) => {
      const group = keyOfName("group", text(body, "group", address) ?? "");
      for (const user of list(body.users, `${address}.users`))
        memberships.push({ user: keyOfName("user", user), group });
    });
    each("aws_iam_user_group_membership", (address, body) => {
      const user = keyOfName("user", text(body, "user", address) ?? "");
      for (const group of list(body.groups, `${address}.groups`))
        memberships.push({ user, group: keyOfName("group", group) });
    });

    // Keys: the policy argument, aws_kms_key_policy (either may hold the key's one policy), and grants.
    const keyArns = new Map<string, string>();
    each("aws_kms_key", (address, body) => {
      const arn = refs.attribute(address, "arn", address);
      keyArns.set(arn, arn);
      keyArns.set(refs.attribute(address, "key_id", address), arn);
      if (body.policy !== undefined) addResourcePolicy(arn, source(`${address}.policy`, body.policy));
    });
    const keyArn = (value: string) => keyArns.get(value) ?? value;
    each("aws_kms_key_policy", (address, body) =>
      addResourcePolicy(keyArn(text(body, "key_id", address) ?? ""), source(address, body.policy)),
    );
    each("aws_kms_grant", (address, body) => {
      const grantee = text(body, "grantee_principal", address) ?? "";
      const operations = list(body.operations, `${address}.operations`).map((operation) => `kms:${operation}`);
      const conditions: Record<string, Record<string, string>> = {};
      for (const constraint of blocksOf(body.constraints))
        for (const [field, operator] of [
          ["encryption_context_equals", "StringEquals"],
          ["encryption_context_subset", "StringEquals"],
        ] as const)
          if (isPlainObject(constraint[field]))
            for (const [key, value] of Object.entries(constraint[field] as Record<string, unknown>))
              conditions[operator] = { ...conditions[operator], [`kms:EncryptionContext:${key}`]: String(value) };
      addResourcePolicy(keyArn(text(body, "key_id", address) ?? ""), {
        address: `${stack.name}: ${address}`,
        document: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: grantee },
              Action: operations,
              Resource: "*",
              ...(Object.keys(conditions).length > 0 ? { Condition: conditions } : {}),
            },
          ],
        },
      });
    });
    each("aws_secretsmanager_secret", (address, body) => {
      if (body.policy !== undefined)
        addResourcePolicy(refs.attribute(address, "arn", address), source(`${address}.policy`, body.policy));
    });
    each("aws_secretsmanager_secret_policy", (address, body) =>
      addResourcePolicy(text(body, "secret_arn", address) ?? "", source(address, body.policy)),
    );
    const queueUrls = new Map<string, string>();
    each("aws_sqs_queue", (address, body) => {
      const arn = refs.attribute(address, "arn", address);
      queueUrls.set(refs.attribute(address, "url", address), arn);
      if (body.policy !== undefined) addResourcePolicy(arn, source(`${address}.policy`, body.policy));
    });
    each("aws_sqs_queue_policy", (address, body) => {
      const url = text(body, "queue_url", address) ?? "";
      addResourcePolicy(queueUrls.get(url) ?? url, source(address, body.policy));
    });
    each("aws_sns_topic", (address, body) => {
      if (body.policy !== undefined)
        addResourcePolicy(refs.attribute(address, "arn", address), source(`${address}.policy`, body.policy));
    });
    each("aws_sns_topic_policy", (address, body) =>
      addResourcePolicy(text(body, "arn", address) ?? "", source(address, body.policy)),
    );
    each("aws_cloudwatch_log_resource_policy", (address, body) =>
      logPolicies.set(account, [...(logPolicies.get(account) ?? []), source(address, body.policy_document)]),
    );
    // AWS RAM: a share's resources are let to its principals.
    const share = (arn: string) => {
      const found = shares.get(arn) ?? { resources: [], principals: [] };
      shares.set(arn, found);
      return found;
    };
    each("aws_ram_resource_share", () => undefined);
    each("aws_ram_resource_association", (address, body) =>
      share(text(body, "resource_share_arn", address) ?? "").resources.push(text(body, "resource_arn", address) ?? ""),
    );
    each("aws_ram_principal_association", (address, body) =>
      share(text(body, "resource_share_arn", address) ?? "").principals.push({
        address: `${stack.name}: ${address}`,
        principal: text(body, "principal", address) ?? "",
      }),
    );

    // Who may invoke: permissions and URLs, by the function they name.
    const lambdaTarget = (value: string) => functionNamed(value, account);
    each("aws_lambda_permission", (address, body) => {
      const named = lambdaTarget(text(body, "function_name", address) ?? "");
      const principal = text(body, "principal", address);
      const action = text(body, "action", address);
      if (principal === undefined || action === undefined)
        throw new AuditError(
          `${stack.name}: ${address}: a permission without a literal action and principal cannot be evaluated`,
        );
      const conditions: Record<string, Record<string, string>> = {};
      const add = (operator: string, key: string, field: string) => {
        const value = text(body, field, address);
        if (value !== undefined) conditions[operator] = { ...conditions[operator], [key]: value };
      };
      add("ArnLike", "AWS:SourceArn", "source_arn");
      add("StringEquals", "AWS:SourceAccount", "source_account");
      add("StringEquals", "aws:PrincipalOrgID", "principal_org_id");
      add("StringEquals", "lambda:FunctionUrlAuthType", "function_url_auth_type");
      add("StringEquals", "lambda:EventSourceToken", "event_source_token");
      invocations.push({
        address: `${stack.name}: ${address}`,
        functionName: named.name,
        accountId: named.accountId,
        qualifier: text(body, "qualifier", address) ?? named.qualifier,
        path: metadataPath(body),
        permission: { principal, action, conditions },
      });
    });
    each("aws_lambda_function_url", (address, body) => {
      const named = lambdaTarget(text(body, "function_name", address) ?? "");
      invocations.push({
        address: `${stack.name}: ${address}`,
        functionName: named.name,
        accountId: named.accountId,
        qualifier: text(body, "qualifier", address) ?? named.qualifier,
        path: metadataPath(body),
        urlAuthType: text(body, "authorization_type", address) ?? "(not set)",
      });
    });
    each("aws_lambda_alias", (address, body) => {
      const named = lambdaTarget(text(body, "function_name", address) ?? "");
      const key = `${named.accountId}/${named.name}`;
      aliases.set(key, [...(aliases.get(key) ?? []), text(body, "name", address) ?? ""]);
    });
    each("aws_scheduler_schedule", (address, body) => {
      const target = blocksOf(body.target)[0];
      if (!target) return;
      schedules.push({
        address: `${stack.name}: ${address}`,
        targetArn: text(target, "arn", `${address}.target`) ?? "",
        roleArn: text(target, "role_arn", `${address}.target`) ?? "",
        path: metadataPath(body),
      });
    });
  }

  // Shares become resource-side statements: each principal may read each resource.
  for (const { resources, principals } of shares.values())
    for (const resource of resources)
      for (const { address, principal } of principals)
        addResourcePolicy(resource, { address, document: shareStatement(principal, resource) });

  // Policies reach identities by name, in their account, from any stack.
  const policyAt = (where: string, arn: string): PolicySource => {
    const customer = customerPolicies.get(arn);
    if (customer) return { address: `${customer.address} (attached by ${where})`, document: customer.document };
    const aws = /^arn:[a-z-]+:iam::aws:policy(\/.*\/|\/)([^/]+)$/.exec(arn);
    const known = aws ? (MANAGED as unknown as ManagedPolicies)[aws[2]!] : undefined;
    if (aws && known && known.path === aws[1])
      return { address: `${where} (attaches AWS managed ${aws[2]})`, document: known.document };
    throw new AuditError(
      `${where}: attaches ${aws ? `the AWS managed policy ${aws[2]}` : `the policy ${arn}`}, whose content ${aws ? "the audit does not know" : "is not in the app"}; ` +
        "its holder cannot be proven, so the audit refuses it (attach a policy the app creates, or add the AWS managed policy to audit/managed-policies.json with its published document)",
    );
  };
  for (const { kind, key, source } of inline) bucket(kind, key).push(source);
  for (const { kind, key, where, arn, stack } of attach) bucket(kind, key).push(policyAt(`${stack}: ${where}`, arn));
  function bucket(kind: "role" | "user" | "group", key: string): PolicySource[] {
    if (kind === "group") {
      const found = groups.get(key) ?? [];
      groups.set(key, found);
      return found;
    }
    const identity = identities.find((i) => `${i.accountId}/${i.kind}/${i.name}` === key);
    // A policy for an identity outside the app reaches nobody the analysis asks about.
    return identity ? identity.policies : [];
  }
  for (const { user, group } of memberships) bucket("user", user).push(...(groups.get(group) ?? []));

  return { identities, resourcePolicies, logPolicies, invocations, schedules, aliases, references, understood };
}

/** The function a `function_name` names: by name, ARN, partial ARN (`account:function:name`), maybe qualified. */
export function functionNamed(
  value: string,
  accountId: string,
): { name: string; accountId: string; qualifier?: string } {
  const full = /^arn:[a-z-]+:lambda:[a-z0-9-]+:(\d{12}):function:([^:]+)(?::(.+))?$/.exec(value);
  if (full) return { accountId: full[1]!, name: full[2]!, qualifier: full[3] };
  const partial = /^(?:(\d{12}):)?function:([^:]+)(?::(.+))?$/.exec(value);
  if (partial) return { accountId: partial[1] ?? accountId, name: partial[2]!, qualifier: partial[3] };
  const [name, qualifier] = value.split(":");
  return { accountId, name: name ?? value, qualifier };
}

/** What AWS RAM lets a share's principal do with a resource of the share. */
function shareStatement(principal: string, resource: string): PolicyDocument {
  const service = resource.split(":")[2] ?? "*";
  const actions = service === "ssm" ? ["ssm:GetParameter", "ssm:GetParameters"] : [`${service}:*`];
  const organization = /^arn:[a-z-]+:organizations::\d{12}:organization\/(o-[a-z0-9]+)$/.exec(principal);
  const unit = /:ou\/o-[a-z0-9]+\/(ou-[a-z0-9-]+)$/.exec(principal);
  const statement = organization
    ? { Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": organization[1] } } }
    : unit
      ? { Principal: "*", Condition: { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": `*/${unit[1]}/*` } } }
      : { Principal: { AWS: principal } };
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: resource, ...statement }] };
}

function metadataPath(body: Body): string | undefined {
  const meta = (body["//"] as { metadata?: { path?: unknown } } | undefined)?.metadata?.path;
  return typeof meta === "string" ? meta : undefined;
}

function blocksOf(value: unknown): Array<Record<string, unknown>> {
  return (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]).filter(isPlainObject);
}
