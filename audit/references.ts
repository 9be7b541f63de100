/**
 * Resolves the Terraform references in a synthesized stack (`${aws_ssm_parameter.x.arn}`,
 * `${data.aws_region.y.region}`) to the values they will have after apply, so that
 * policies can be evaluated as AWS will see them.
 *
 * Attributes AWS chooses at create time (a key id, a secret's random suffix) get a stand-in
 * derived from the Terraform address: stable across runs, distinct per resource, and in
 * the exact shape AWS gives them, because the policies compare those ARNs.
 */
import { createHash } from "node:crypto";
import { literalText } from "../constructs/leak-guard/literal";
import { AuditError, bodyAt, type Body, type StackJson } from "./terraform-json";
import type { AuditTarget } from "./target";

type AttributeResolver = (
  body: Body,
  resolved: (argument: string) => string,
  standIn: StandIn,
  target: AuditTarget,
) => string | undefined;

/** Stand-in values derived from a resource's address. */
interface StandIn {
  /** A UUID-shaped id (KMS key ids). */
  readonly uuid: string;
  /** `length` lower-case hex characters. */
  hex(length: number): string;
  /** `length` letters, as Secrets Manager's ARN suffix. */
  letters(length: number): string;
}

const arnOf = (t: AuditTarget, service: string, resource: string, regional = true) =>
  `arn:${t.partition}:${service}:${regional ? t.region : ""}:${t.accountId}:${resource}`;

// What each attribute the stacks refer to will be; `resolved(arg)` is the resource's own
// argument with its references resolved. An attribute missing here fails the audit.
const RESOURCE_ATTRIBUTES: Readonly<Record<string, Readonly<Record<string, AttributeResolver>>>> = {
  aws_ssm_parameter: {
    name: (_, r) => r("name"),
    arn: (_, r, __, t) => arnOf(t, "ssm", `parameter${r("name").startsWith("/") ? "" : "/"}${r("name")}`),
  },
  aws_kms_key: {
    key_id: (_, __, s) => s.uuid,
    id: (_, __, s) => s.uuid,
    arn: (_, __, s, t) => arnOf(t, "kms", `key/${s.uuid}`),
  },
  aws_kms_alias: {
    name: (_, r) => r("name"),
    arn: (_, r, __, t) => arnOf(t, "kms", r("name")),
  },
  aws_cloudwatch_log_group: {
    name: (_, r) => r("name"),
    id: (_, r) => r("name"),
    // The provider's `arn` has no `:*` suffix (since v4); policies add `:log-stream:*` themselves.
    arn: (_, r, __, t) => arnOf(t, "logs", `log-group:${r("name")}`),
  },
  aws_iam_role: {
    name: (_, r) => r("name"),
    id: (_, r) => r("name"),
    arn: (body, r, __, t) =>
      arnOf(t, "iam", `role${typeof body.path === "string" ? body.path : "/"}${r("name")}`, false),
  },
  aws_iam_policy: {
    name: (_, r) => r("name"),
    arn: (body, r, __, t) =>
      arnOf(t, "iam", `policy${typeof body.path === "string" ? body.path : "/"}${r("name")}`, false),
    id: (body, r, __, t) =>
      arnOf(t, "iam", `policy${typeof body.path === "string" ? body.path : "/"}${r("name")}`, false),
  },
  aws_lambda_function: {
    function_name: (_, r) => r("function_name"),
    arn: (_, r, __, t) => arnOf(t, "lambda", `function:${r("function_name")}`),
  },
  aws_sqs_queue: {
    name: (_, r) => r("name"),
    arn: (_, r, __, t) => arnOf(t, "sqs", r("name")),
    url: (_, r, __, t) => `https://sqs.${t.region}.${t.dnsSuffix}/${t.accountId}/${r("name")}`,
  },
  aws_sns_topic: {
    name: (_, r) => r("name"),
    arn: (_, r, __, t) => arnOf(t, "sns", r("name")),
  },
  aws_secretsmanager_secret: {
    name: (_, r) => r("name"),
    // Secrets Manager appends `-` and six random letters to every secret's ARN.
    arn: (_, r, s, t) => arnOf(t, "secretsmanager", `secret:${r("name")}-${s.letters(6)}`),
    id: (_, r, s, t) => arnOf(t, "secretsmanager", `secret:${r("name")}-${s.letters(6)}`),
  },
  aws_security_group: {
    id: (_, __, s) => `sg-${s.hex(17)}`,
  },
  aws_scheduler_schedule_group: {
    name: (_, r) => r("name"),
    arn: (_, r, __, t) => arnOf(t, "scheduler", `schedule-group/${r("name")}`),
  },
  aws_scheduler_schedule: {
    name: (_, r) => r("name"),
    arn: (body, r, __, t) =>
      arnOf(
        t,
        "scheduler",
        `schedule/${typeof body.group_name === "string" ? r("group_name") : "default"}/${r("name")}`,
      ),
  },
  aws_lambda_alias: {
    name: (_, r) => r("name"),
    // An alias's ARN is its function's, qualified by the alias name.
    arn: (_, r, __, t) =>
      `${r("function_name").startsWith("arn:") ? r("function_name") : arnOf(t, "lambda", `function:${r("function_name")}`)}:${r("name")}`,
  },
  aws_iam_user: {
    name: (_, r) => r("name"),
    id: (_, r) => r("name"),
    arn: (body, r, __, t) =>
      arnOf(t, "iam", `user${typeof body.path === "string" ? body.path : "/"}${r("name")}`, false),
  },
  aws_iam_group: {
    name: (_, r) => r("name"),
    id: (_, r) => r("name"),
    arn: (body, r, __, t) =>
      arnOf(t, "iam", `group${typeof body.path === "string" ? body.path : "/"}${r("name")}`, false),
  },
  aws_iam_openid_connect_provider: {
    arn: (body, _, __, t) => arnOf(t, "iam", `oidc-provider/${String(body.url).replace(/^https:\/\//, "")}`, false),
  },
  aws_ram_resource_share: {
    name: (_, r) => r("name"),
    arn: (_, __, s, t) => arnOf(t, "ram", `resource-share/${s.uuid}`),
    id: (_, __, s, t) => arnOf(t, "ram", `resource-share/${s.uuid}`),
  },
  aws_lambda_code_signing_config: {
    arn: (_, __, s, t) => arnOf(t, "lambda", `code-signing-config:csc-${s.hex(17)}`),
  },
};

const DATA_ATTRIBUTES: Readonly<Record<string, Readonly<Record<string, (t: AuditTarget) => string>>>> = {
  aws_caller_identity: { account_id: (t) => t.accountId },
  aws_region: { region: (t) => t.region, name: (t) => t.region, id: (t) => t.region },
  aws_partition: { partition: (t) => t.partition, dns_suffix: (t) => t.dnsSuffix },
};

// `${type.name.attribute}` or `${data.type.name.attribute}`, and nothing else.
const REFERENCE = /^(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)$/;
// Another stack's output, as cdktf writes a cross-stack reference.
const REMOTE_OUTPUT = /^data\.terraform_remote_state\.[A-Za-z0-9_-]+\.outputs\.([A-Za-z0-9_-]+)$/;

/** The value of another stack's output, by name (a cross-stack reference); undefined when no stack has it. */
export type RemoteOutput = (output: string, where: string) => string | undefined;

/** Resolves the references of one stack for one target. */
export class References {
  constructor(
    private readonly stackJson: StackJson,
    readonly target: AuditTarget,
    private readonly remote?: RemoteOutput,
  ) {}

  /**
   * `text` with every `${...}` replaced by its value, and `$${` by the literal `${` AWS
   * receives (IAM policy variables are written so). `where` names the place in errors.
   * Throws {@link AuditError} on anything but a plain reference to an attribute this
   * module knows: the audit never guesses what an expression yields.
   */
  resolve(text: string, where: string, depth = 0): string {
    if (depth > 8) throw new AuditError(`${where}: references nest too deeply to resolve`);
    return literalText(text, (expression) => this.value(expression, where, depth));
  }

  /** The value of an attribute at a Terraform address (`aws_kms_key.x`, `arn`). */
  attribute(address: string, attribute: string, where: string, depth = 0): string {
    const body = bodyAt(this.stackJson, address);
    if (!body) throw new AuditError(`${where}: ${address} is not in stack ${this.target.stack}`);
    const [type, kind] = address.startsWith("data.")
      ? [address.split(".")[1]!, "data"]
      : [address.split(".")[0]!, "resource"];
    if (kind === "data") {
      const resolver = DATA_ATTRIBUTES[type]?.[attribute];
      if (!resolver) throw new AuditError(`${where}: the audit does not know what ${address}.${attribute} will be`);
      return resolver(this.target);
    }
    const resolver = RESOURCE_ATTRIBUTES[type]?.[attribute];
    if (!resolver) throw new AuditError(`${where}: the audit does not know what ${address}.${attribute} will be`);
    const argument = (name: string): string => {
      const value = body[name];
      if (typeof value !== "string")
        throw new AuditError(`${where}: ${address} has no ${name}, which its ${attribute} is made of`);
      return this.resolve(value, `${address}.${name}`, depth + 1);
    };
    // A resource of another region than the provider's (a replica's key) says so in its `region` argument.
    const target = typeof body.region === "string" ? { ...this.target, region: argument("region") } : this.target;
    const value = resolver(body, argument, standIn(address), target);
    if (value === undefined) throw new AuditError(`${where}: ${address}.${attribute} cannot be resolved`);
    return value;
  }

  private value(expression: string, where: string, depth: number): string {
    const output = REMOTE_OUTPUT.exec(expression)?.[1];
    const remote = output === undefined ? undefined : this.remote?.(output, where);
    if (remote !== undefined) return remote;
    const match = REFERENCE.exec(expression);
    if (!match) throw new AuditError(`${where}: the audit resolves only plain references, not \${${expression}}`);
    const [, data, type, name, attribute] = match;
    return this.attribute(`${data ? "data." : ""}${type}.${name}`, attribute!, where, depth);
  }
}

function standIn(address: string): StandIn {
  const digest = createHash("sha256").update(address).digest("hex");
  return {
    uuid: `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`,
    hex: (length) => digest.slice(0, length),
    letters: (length) =>
      [...digest.slice(0, length)].map((c) => String.fromCharCode(97 + (parseInt(c, 16) % 26))).join(""),
  };
}
