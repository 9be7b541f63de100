/**
 * What the deploy policy allows and denies, evaluated with the same IAM policy engine as
 * the functions' proof: its own environment's resources allowed, and a neighbouring
 * function's parameter, key, role, function and secret denied (as if they shared the
 * account), the decrypt it holds stated, and what `prevent_destroy` protects denied too.
 */
import type { Check, Expectation } from "../checks/check";
import { References } from "../references";
import { evaluate, type CheckResult } from "../simulate";
import { OTHER_ACCOUNT_ID, targetOf, type AuditTarget } from "../target";
import { AuditError, resourcesOf, type Body, type SynthesizedStack } from "../terraform-json";
import { isPlainObject } from "../../common/values";
import type { DeployerPolicy } from "./policy";

/** How many other functions the deployer is probed against. */
const MAX_NEIGHBOURS = 3;

/** The resources of one function's stack that the proof asks about. */
interface FunctionResources {
  readonly stack: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly roleArn: string;
  readonly parameter?: { readonly name: string; readonly arn: string; readonly protected: boolean };
  readonly secret?: { readonly name: string; readonly arn: string; readonly protected: boolean };
  readonly key?: {
    readonly arn: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly policy?: unknown;
    readonly protected: boolean;
  };
  readonly stateObject?: string;
  /** The schedule that invokes the function, its group and the role it invokes as. */
  readonly schedule?: { readonly arn: string; readonly groupArn: string; readonly roleArn: string };
  /** A subscription of the function to a topic: the topic, the protocol and the endpoint (the function). */
  readonly subscription?: { readonly topicArn: string; readonly protocol: string; readonly endpoint: string };
  /** The authorization type of the function's URL, when it has one. */
  readonly functionUrl?: string;
  /** A topic of the function's stack (its own, as in the sns-python example). */
  readonly topicArn?: string;
}

/** The proof's rows, in the order printed. */
export interface DeployerProof {
  readonly principal: string;
  readonly results: readonly CheckResult[];
  readonly ok: boolean;
}

/** Evaluates the proof of `policy`, probing the other stacks of `stacks` as neighbours. */
export async function proveDeployerPolicy(
  policy: DeployerPolicy,
  stacks: readonly SynthesizedStack[],
): Promise<DeployerProof> {
  const own = stacks.find((s) => s.name === policy.stack);
  if (!own) throw new AuditError(`stack ${policy.stack} is not among the synthesized stacks`);
  const t = policy.target;
  const principal = `arn:${t.partition}:iam::${t.accountId}:role/secure-lambda-deployer-${policy.stack}`;
  const mine = functionsOf(own, t);
  const ownNames = new Set(mine.map((f) => f.functionName));
  const neighbours = stacks
    .filter((s) => s.name !== policy.stack)
    .flatMap((s) => functionsOf(s, { ...t, stack: s.name }))
    .filter((f) => !ownNames.has(f.functionName))
    .slice(0, MAX_NEIGHBOURS);
  const ask = (
    describe: string,
    expected: Expectation,
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
    resourcePolicy?: unknown,
  ): Check => ({
    describe,
    expected,
    request: { principal, action, resource, resourceAccount: t.accountId, context },
    identityPolicies: [{ name: `secure-lambda-deployer-${policy.stack}`, document: policy.document }],
    resourcePolicy: resourcePolicy as Check["resourcePolicy"],
  });
  const tagged = (tags: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
  const via = (service: string) => `${service}.${t.region}.${t.dnsSuffix}`;

  const checks: Check[] = [];
  const [first] = mine;
  if (!first) throw new AuditError(`stack ${policy.stack} holds no function to prove the deploy policy on`);
  const { parameter, secret, key } = first;
  if (parameter) {
    checks.push(
      ask(`ssm:PutParameter on own ${parameter.name}`, "allowed", "ssm:PutParameter", parameter.arn),
      ask(
        `ssm:GetParameter on own ${parameter.name} (the provider's refresh)`,
        "allowed",
        "ssm:GetParameter",
        parameter.arn,
      ),
    );
    if (key) {
      const context = {
        ...tagged(key.tags),
        "kms:ViaService": via("ssm"),
        "kms:CallerAccount": t.accountId,
        "kms:EncryptionContext:PARAMETER_ARN": parameter.arn,
      };
      checks.push(
        ask(
          `kms:Decrypt via SSM for own ${parameter.name}: the deployer can read the secret (#42849)`,
          "allowed",
          "kms:Decrypt",
          key.arn,
          context,
          key.policy,
        ),
        // Whoever holds a parameter's ciphertext can call KMS with its encryption context: only kms:ViaService stops
        // that.
        ask(
          `kms:Decrypt called directly (not via SSM) with own key, for own ${parameter.name}'s context`,
          "denied",
          "kms:Decrypt",
          key.arn,
          {
            ...tagged(key.tags),
            "kms:CallerAccount": t.accountId,
            "kms:EncryptionContext:PARAMETER_ARN": parameter.arn,
          },
          key.policy,
        ),
      );
    }
    checks.push(
      parameter.protected
        ? ask(
            `ssm:DeleteParameter on own ${parameter.name} (prevent_destroy)`,
            "denied",
            "ssm:DeleteParameter",
            parameter.arn,
          )
        : ask(`ssm:DeleteParameter on own ${parameter.name}`, "allowed", "ssm:DeleteParameter", parameter.arn),
    );
  }
  if (secret) {
    checks.push(
      ask(
        `secretsmanager:PutSecretValue on own ${secret.name}`,
        "allowed",
        "secretsmanager:PutSecretValue",
        secret.arn,
      ),
      ask(
        `secretsmanager:GetSecretValue on own ${secret.name}: the deployer cannot read the values`,
        "denied",
        "secretsmanager:GetSecretValue",
        secret.arn,
      ),
    );
    if (secret.protected)
      checks.push(
        ask(
          `secretsmanager:DeleteSecret on own ${secret.name} (prevent_destroy)`,
          "denied",
          "secretsmanager:DeleteSecret",
          secret.arn,
        ),
      );
  }
  if (key) {
    checks.push(
      ask("kms:PutKeyPolicy of own key", "allowed", "kms:PutKeyPolicy", key.arn, tagged(key.tags), key.policy),
    );
    checks.push(
      key.protected
        ? ask(
            "kms:ScheduleKeyDeletion of own key (prevent_destroy)",
            "denied",
            "kms:ScheduleKeyDeletion",
            key.arn,
            tagged(key.tags),
            key.policy,
          )
        : ask(
            "kms:ScheduleKeyDeletion of own key",
            "allowed",
            "kms:ScheduleKeyDeletion",
            key.arn,
            tagged(key.tags),
            key.policy,
          ),
    );
    const requestTags = (tags: Readonly<Record<string, string>>) => ({
      ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
      "aws:TagKeys": Object.keys(tags),
    });
    checks.push(
      ask("kms:CreateKey tagged for this environment", "allowed", "kms:CreateKey", "*", requestTags(key.tags)),
      ask("kms:CreateKey without tags", "denied", "kms:CreateKey", "*", requestTags({})),
    );
    const elsewhere = neighbours.find((n) => n.key && JSON.stringify(n.key.tags) !== JSON.stringify(key.tags))?.key;
    if (elsewhere)
      checks.push(
        ask(
          "kms:CreateKey tagged for another environment",
          "denied",
          "kms:CreateKey",
          "*",
          requestTags(elsewhere.tags),
        ),
      );
  }
  checks.push(
    ask(`iam:PassRole of own role to Lambda`, "allowed", "iam:PassRole", first.roleArn, {
      "iam:PassedToService": `lambda.${t.dnsSuffix}`,
    }),
    ask(`iam:PassRole of own role to EC2`, "denied", "iam:PassRole", first.roleArn, {
      "iam:PassedToService": `ec2.${t.dnsSuffix}`,
    }),
    ask(
      `lambda:UpdateFunctionCode of own ${first.functionName}`,
      "allowed",
      "lambda:UpdateFunctionCode",
      first.functionArn,
    ),
  );
  const roleName = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);
  if (first.schedule) {
    const { schedule } = first;
    checks.push(
      ask("scheduler:UpdateSchedule of own schedule", "allowed", "scheduler:UpdateSchedule", schedule.arn),
      ask("scheduler:DeleteScheduleGroup of own group", "allowed", "scheduler:DeleteScheduleGroup", schedule.groupArn),
      ask(
        `iam:PassRole of own schedule role ${roleName(schedule.roleArn)} to Scheduler`,
        "allowed",
        "iam:PassRole",
        schedule.roleArn,
        { "iam:PassedToService": `scheduler.${t.dnsSuffix}` },
      ),
      ask(
        `iam:PassRole of own schedule role ${roleName(schedule.roleArn)} to Lambda`,
        "denied",
        "iam:PassRole",
        schedule.roleArn,
        { "iam:PassedToService": `lambda.${t.dnsSuffix}` },
      ),
      ask(`iam:PassRole of own function's role to Scheduler`, "denied", "iam:PassRole", first.roleArn, {
        "iam:PassedToService": `scheduler.${t.dnsSuffix}`,
      }),
    );
  }
  if (first.subscription) {
    const { topicArn, protocol, endpoint } = first.subscription;
    checks.push(
      ask(`sns:Subscribe of own ${first.functionName} to its topic`, "allowed", "sns:Subscribe", topicArn, {
        "sns:Protocol": protocol,
        "sns:Endpoint": endpoint,
      }),
      ask("sns:Subscribe of an HTTPS endpoint to own topic", "denied", "sns:Subscribe", topicArn, {
        "sns:Protocol": "https",
        "sns:Endpoint": "https://collector.example.com/",
      }),
      ask("sns:Unsubscribe from own topic", "allowed", "sns:Unsubscribe", topicArn),
      ask(
        `lambda:AddPermission on own ${first.functionName} for sns.amazonaws.com`,
        "allowed",
        "lambda:AddPermission",
        first.functionArn,
        { "lambda:Principal": "sns.amazonaws.com" },
      ),
      ask(
        `lambda:AddPermission on own ${first.functionName} for "*"`,
        "denied",
        "lambda:AddPermission",
        first.functionArn,
        {
          "lambda:Principal": "*",
        },
      ),
    );
  }
  if (first.functionUrl) {
    checks.push(
      ask(
        `lambda:CreateFunctionUrlConfig of own ${first.functionName} with ${first.functionUrl}`,
        "allowed",
        "lambda:CreateFunctionUrlConfig",
        first.functionArn,
        { "lambda:FunctionUrlAuthType": first.functionUrl },
      ),
      ask(
        `lambda:CreateFunctionUrlConfig of own ${first.functionName} with NONE (public)`,
        "denied",
        "lambda:CreateFunctionUrlConfig",
        first.functionArn,
        { "lambda:FunctionUrlAuthType": "NONE" },
      ),
    );
  }
  if (first.topicArn) checks.push(ask("sns:DeleteTopic of own topic", "allowed", "sns:DeleteTopic", first.topicArn));
  if (first.stateObject) {
    checks.push(ask("s3:PutObject of own state", "allowed", "s3:PutObject", first.stateObject));
    const otherState = first.stateObject.replace(`/${policy.stack}/`, "/other-environment/");
    if (otherState !== first.stateObject)
      checks.push(
        ask("s3:GetObject of another environment's state in the bucket", "denied", "s3:GetObject", otherState),
      );
  }

  for (const other of neighbours) {
    const whose = `another function's`;
    if (other.parameter) {
      checks.push(
        ask(`ssm:GetParameter on ${whose} ${other.parameter.name}`, "denied", "ssm:GetParameter", other.parameter.arn),
        ask(`ssm:PutParameter on ${whose} ${other.parameter.name}`, "denied", "ssm:PutParameter", other.parameter.arn),
      );
      if (other.key) {
        const context = {
          ...tagged(other.key.tags),
          "kms:ViaService": via("ssm"),
          "kms:CallerAccount": t.accountId,
          "kms:EncryptionContext:PARAMETER_ARN": other.parameter.arn,
        };
        checks.push(
          ask(
            `kms:Decrypt via SSM for ${whose} ${other.parameter.name} with its key`,
            "denied",
            "kms:Decrypt",
            other.key.arn,
            context,
            other.key.policy,
          ),
        );
      }
    }
    if (other.secret) {
      checks.push(
        ask(
          `secretsmanager:PutSecretValue on ${whose} ${other.secret.name}`,
          "denied",
          "secretsmanager:PutSecretValue",
          other.secret.arn,
        ),
      );
    }
    if (other.key) {
      checks.push(
        ask(
          `kms:PutKeyPolicy of ${whose} key (${other.functionName})`,
          "denied",
          "kms:PutKeyPolicy",
          other.key.arn,
          tagged(other.key.tags),
          other.key.policy,
        ),
        ask(
          `kms:ScheduleKeyDeletion of ${whose} key (${other.functionName})`,
          "denied",
          "kms:ScheduleKeyDeletion",
          other.key.arn,
          tagged(other.key.tags),
          other.key.policy,
        ),
      );
    }
    checks.push(
      ask(
        `iam:PassRole of ${whose} role ${other.roleArn.slice(other.roleArn.lastIndexOf("/") + 1)} to Lambda`,
        "denied",
        "iam:PassRole",
        other.roleArn,
        {
          "iam:PassedToService": `lambda.${t.dnsSuffix}`,
        },
      ),
      ask(
        `iam:PutRolePolicy on ${whose} role ${other.roleArn.slice(other.roleArn.lastIndexOf("/") + 1)}`,
        "denied",
        "iam:PutRolePolicy",
        other.roleArn,
      ),
      ask(
        `lambda:UpdateFunctionCode of ${whose} ${other.functionName}`,
        "denied",
        "lambda:UpdateFunctionCode",
        other.functionArn,
      ),
    );
  }
  for (const other of neighbours) {
    const whose = `another function's`;
    if (other.schedule) {
      checks.push(
        ask(`scheduler:UpdateSchedule of ${whose} schedule`, "denied", "scheduler:UpdateSchedule", other.schedule.arn),
        ask(
          `scheduler:DeleteScheduleGroup of ${whose} group`,
          "denied",
          "scheduler:DeleteScheduleGroup",
          other.schedule.groupArn,
        ),
        ask(
          `iam:PassRole of ${whose} schedule role ${roleName(other.schedule.roleArn)} to Scheduler`,
          "denied",
          "iam:PassRole",
          other.schedule.roleArn,
          { "iam:PassedToService": `scheduler.${t.dnsSuffix}` },
        ),
      );
    }
    if (other.subscription && first.subscription) {
      checks.push(
        ask(
          `sns:Subscribe of own ${first.functionName} to ${whose} topic`,
          "denied",
          "sns:Subscribe",
          other.subscription.topicArn,
          { "sns:Protocol": first.subscription.protocol, "sns:Endpoint": first.subscription.endpoint },
        ),
        ask(`sns:Unsubscribe from ${whose} topic`, "denied", "sns:Unsubscribe", other.subscription.topicArn),
      );
    }
    if (first.subscription) {
      checks.push(
        ask(
          `lambda:AddPermission on ${whose} ${other.functionName} for sns.amazonaws.com`,
          "denied",
          "lambda:AddPermission",
          other.functionArn,
          { "lambda:Principal": "sns.amazonaws.com" },
        ),
      );
    }
    if (first.functionUrl) {
      checks.push(
        ask(
          `lambda:CreateFunctionUrlConfig of ${whose} ${other.functionName}`,
          "denied",
          "lambda:CreateFunctionUrlConfig",
          other.functionArn,
          { "lambda:FunctionUrlAuthType": first.functionUrl },
        ),
      );
    }
    if (other.topicArn) {
      checks.push(ask(`sns:SetTopicAttributes of ${whose} topic`, "denied", "sns:SetTopicAttributes", other.topicArn));
    }
  }
  // A principal of another account holding the same policy text reaches nothing of this one.
  if (parameter) {
    checks.push({
      ...ask(
        `ssm:PutParameter on own ${parameter.name} from another account`,
        "denied",
        "ssm:PutParameter",
        parameter.arn,
      ),
      request: {
        principal: `arn:${t.partition}:iam::${OTHER_ACCOUNT_ID}:role/deployer`,
        action: "ssm:PutParameter",
        resource: parameter.arn,
        resourceAccount: t.accountId,
        context: {},
      },
    });
  }

  const results = await Promise.all(checks.map(evaluate));
  return { principal, results, ok: results.every((r) => r.ok) };
}

/** The functions of a stack and the resources of theirs the proof asks about, in `t`'s account and region. */
function functionsOf(stack: SynthesizedStack, t: AuditTarget): FunctionResources[] {
  const own = targetOf(stack.name, stack.json);
  const references = new References(stack.json, {
    ...own,
    accountId: t.accountId,
    accountIsStandIn: t.accountIsStandIn,
    region: t.region,
    partition: t.partition,
    dnsSuffix: t.dnsSuffix,
  });
  const provider = (stack.json.provider?.aws ?? []).find((p) => p.alias === undefined);
  const defaultTags = Object.assign(
    {},
    ...(Array.isArray(provider?.default_tags) ? provider.default_tags : []).map((b: unknown) =>
      isPlainObject(b) && isPlainObject(b.tags) ? b.tags : {},
    ),
  );
  const prevents = (body: Body) =>
    (body.lifecycle as { prevent_destroy?: unknown } | undefined)?.prevent_destroy === true;
  const [keyAddress, keyBody] = resourcesOf(stack.json, "aws_kms_key")[0] ?? [];
  const key =
    keyAddress && keyBody
      ? {
          arn: references.attribute(keyAddress, "arn", keyAddress),
          tags: { ...defaultTags, ...(isPlainObject(keyBody.tags) ? (keyBody.tags as Record<string, string>) : {}) },
          policy:
            typeof keyBody.policy === "string"
              ? JSON.parse(references.resolve(keyBody.policy, `${keyAddress}.policy`))
              : undefined,
          protected: prevents(keyBody),
        }
      : undefined;
  const [parameterAddress, parameterBody] = resourcesOf(stack.json, "aws_ssm_parameter")[0] ?? [];
  const [secretAddress, secretBody] = resourcesOf(stack.json, "aws_secretsmanager_secret")[0] ?? [];
  const backend = (stack.json as { terraform?: { backend?: { s3?: { bucket?: string; key?: string } } } }).terraform
    ?.backend?.s3;
  const [topicAddress] = resourcesOf(stack.json, "aws_sns_topic")[0] ?? [];
  const roleOf = (reference: unknown) =>
    typeof reference === "string" ? /^\$\{(aws_iam_role\.[^.]+)\.arn\}$/.exec(reference)?.[1] : undefined;
  return resourcesOf(stack.json, "aws_lambda_function").map(([address, body]) => {
    const role = roleOf(body.role);
    if (!role) throw new AuditError(`${stack.name}: ${address}'s role is not an aws_iam_role of the stack`);
    const invokes = `\${${address}.arn}`;
    const schedule = resourcesOf(stack.json, "aws_scheduler_schedule").find(([, s]) =>
      [s.target].flat().some((target) => isPlainObject(target) && target.arn === invokes),
    );
    const scheduleRole = schedule && roleOf([schedule[1].target].flat().find(isPlainObject)?.role_arn);
    const subscription = resourcesOf(stack.json, "aws_sns_topic_subscription").find(([, s]) => s.endpoint === invokes);
    const resolve = (where: string, value: unknown) => references.resolve(String(value), where);
    const url = resourcesOf(stack.json, "aws_lambda_function_url").find(
      ([, u]) => u.function_name === `\${${address}.function_name}`,
    );
    return {
      functionUrl: url ? resolve(`${url[0]}.authorization_type`, url[1].authorization_type) : undefined,
      schedule:
        schedule && scheduleRole
          ? {
              arn: references.attribute(schedule[0], "arn", schedule[0]),
              groupArn: `arn:${t.partition}:scheduler:${t.region}:${t.accountId}:schedule-group/${resolve(`${schedule[0]}.group_name`, schedule[1].group_name ?? "default")}`,
              roleArn: references.attribute(scheduleRole, "arn", scheduleRole),
            }
          : undefined,
      subscription: subscription
        ? {
            topicArn: resolve(`${subscription[0]}.topic_arn`, subscription[1].topic_arn),
            protocol: resolve(`${subscription[0]}.protocol`, subscription[1].protocol),
            endpoint: resolve(`${subscription[0]}.endpoint`, subscription[1].endpoint),
          }
        : undefined,
      topicArn: topicAddress ? references.attribute(topicAddress, "arn", topicAddress) : undefined,
      stack: stack.name,
      functionName: references.attribute(address, "function_name", address),
      functionArn: references.attribute(address, "arn", address),
      roleArn: references.attribute(role, "arn", role),
      parameter:
        parameterAddress && parameterBody
          ? {
              name: references.attribute(parameterAddress, "name", parameterAddress),
              arn: references.attribute(parameterAddress, "arn", parameterAddress),
              protected: prevents(parameterBody),
            }
          : undefined,
      secret:
        secretAddress && secretBody
          ? {
              name: references.attribute(secretAddress, "name", secretAddress),
              arn: references.attribute(secretAddress, "arn", secretAddress),
              protected: prevents(secretBody),
            }
          : undefined,
      key,
      stateObject:
        backend?.bucket && backend.key ? `arn:${t.partition}:s3:::${backend.bucket}/${backend.key}` : undefined,
    };
  });
}
