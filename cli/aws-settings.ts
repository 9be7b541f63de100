/**
 * Where and as whom the CLI calls AWS for a stack: read from the stack's AWS provider
 * block, so the CLI writes exactly where Terraform deployed (the region, the `local`
 * stack's moto or LocalStack endpoints), and the SDK's standard chain for credentials
 * (AWS_PROFILE, an SSO login, AWS_ACCESS_KEY_ID, ...) unless the block names its own.
 */
import { isPlainObject } from "../common/values";
import { CliError, EXIT, shownArgument } from "./errors";
import type { SynthesizedStack } from "./synthesis";

/** The services the CLI calls, by the provider's `endpoints` key. */
export type CliService = "ssm" | "secretsmanager" | "sts";

/** The variables the SDK reads a service's endpoint from, most specific first. */
const ENDPOINT_VARIABLES: Record<CliService, readonly string[]> = {
  ssm: ["AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL"],
  secretsmanager: ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"],
  sts: ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"],
};

/** Static credentials, as the SDK clients take them. */
export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** How the CLI reaches AWS for one stack. */
export interface AwsSettings {
  readonly stack: string;
  /** The provider's region; undefined: the SDK's own (AWS_REGION, the profile's). */
  readonly region: string | undefined;
  /** Each service's endpoint; undefined: AWS's. */
  readonly endpoints: Readonly<Record<CliService, string | undefined>>;
  /** undefined: the SDK's standard chain. */
  readonly credentials: StaticCredentials | undefined;
  /** The provider's `profile`, else the SDK's (AWS_PROFILE). */
  readonly profile: string | undefined;
  /** `allowed_account_ids`: the only accounts the stack may be written in (empty: any). */
  readonly allowedAccountIds: readonly string[];
  /** `forbidden_account_ids`: accounts the stack must never be written in. */
  readonly forbiddenAccountIds: readonly string[];
}

/**
 * The stack's settings, with Terraform's precedence: the provider block first, then the
 * standard AWS_* variables. A setting Terraform resolves only at plan (`${var.region}`)
 * cannot be read here: the CLI says so, and takes AWS_REGION for the region when it is set.
 */
export function awsSettings(stack: SynthesizedStack, env: NodeJS.ProcessEnv): AwsSettings {
  const provider = stack.provider;
  if (!provider)
    throw new CliError(
      `stack ${shownArgument(stack.name)} has no AWS provider block: the CLI cannot tell where its secrets are`,
    );
  const name = shownArgument(stack.name);
  if (provider.assume_role !== undefined || provider.assume_role_with_web_identity !== undefined) {
    // Following it would need the role's whole configuration; writing as the caller instead
    // could reach another account than Terraform does.
    throw new CliError(
      `stack ${name}'s AWS provider assumes a role (assume_role), which the CLI does not follow: run it with that role's credentials (e.g. AWS_PROFILE naming a profile with role_arn)`,
      EXIT.usage,
    );
  }
  const text = (key: string): string | undefined => literal(stack, provider, key);
  const endpointBlock = Array.isArray(provider.endpoints) ? provider.endpoints.find(isPlainObject) : undefined;
  const endpoint = (service: CliService): string | undefined => {
    const configured = endpointBlock ? literal(stack, endpointBlock, service, `endpoints.${service}`) : undefined;
    return (
      configured ??
      ENDPOINT_VARIABLES[service].map((variable) => env[variable]).find((value) => value !== undefined && value !== "")
    );
  };
  const accessKeyId = text("access_key");
  const secretAccessKey = text("secret_key");
  const fromEnv = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
  return {
    stack: stack.name,
    region: regionOf(stack, provider, env),
    endpoints: { ssm: endpoint("ssm"), secretsmanager: endpoint("secretsmanager"), sts: endpoint("sts") },
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, sessionToken: text("token") }
        : fromEnv
          ? {
              accessKeyId: env.AWS_ACCESS_KEY_ID!,
              secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
              sessionToken: env.AWS_SESSION_TOKEN,
            }
          : undefined,
    profile: text("profile") ?? env.AWS_PROFILE,
    allowedAccountIds: accountIds(stack, provider, "allowed_account_ids"),
    forbiddenAccountIds: accountIds(stack, provider, "forbidden_account_ids"),
  };
}

function regionOf(
  stack: SynthesizedStack,
  provider: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const region = provider.region;
  const fromEnv = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  if (region === undefined) return fromEnv;
  if (typeof region === "string" && !isExpression(region)) return region;
  if (fromEnv) return fromEnv;
  throw new CliError(
    `stack ${shownArgument(stack.name)}'s provider region is known only at plan (a Terraform expression): set AWS_REGION to the region it deploys to`,
    EXIT.usage,
  );
}

/** A string argument of the block, or undefined when absent; an expression is refused, naming the argument. */
function literal(
  stack: SynthesizedStack,
  block: Record<string, unknown>,
  key: string,
  label = key,
): string | undefined {
  const value = block[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && !isExpression(value)) return value;
  throw new CliError(
    `stack ${shownArgument(stack.name)}'s provider sets ${label} to a value known only at plan; the CLI reads only literal settings`,
    EXIT.usage,
  );
}

function accountIds(stack: SynthesizedStack, provider: Record<string, unknown>, key: string): string[] {
  const value = provider[key];
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((id) => typeof id === "string" && !isExpression(id))) return value;
  throw new CliError(
    `stack ${shownArgument(stack.name)}'s provider sets ${key} to a value known only at plan: the CLI cannot check the account it writes in`,
    EXIT.usage,
  );
}

/** A Terraform reference or function call (`${var.region}`), as cdktf writes a token. */
function isExpression(value: string): boolean {
  return value.includes("${");
}
