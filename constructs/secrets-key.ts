import { Construct, type IConstruct } from "constructs";
import { awsContext } from "./aws-context";
import { SecureLambdaValidationError } from "./errors";
import { keyAliasName } from "../common/naming";
import { renderPolicy, type PolicyStatement } from "./policy";
import { Annotations, KmsAlias, KmsKey, Lazy, Token, type TerraformResourceLifecycle } from "./tf";
import { show } from "../common/show";
import { REGION_NAME } from "../common/external-secret";
import { isPlainObject } from "../common/values";
import { failAt } from "./errors";
import { checkTags } from "./tags";

// KMS: an alias of 1 to 256 characters, `alias/` included, of A-Z, a-z, 0-9, /, _ and -; `alias/aws/` is AWS's.
const ALIAS_NAME = /^[A-Za-z0-9/_-]{1,250}$/;
// KMS: a key's description is at most 8192 characters.
const MAX_KEY_DESCRIPTION_LENGTH = 8192;
const MIN_DELETION_WINDOW_DAYS = 7;
const MAX_DELETION_WINDOW_DAYS = 30;

// A key ARN (not an alias ARN: IAM policies and log groups need the key itself).
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-)?[0-9a-f-]{32,36}$/;

/** A KMS key SecureLambda can encrypt parameters and logs with. */
export interface ISecretsKey extends IConstruct {
  /** ARN of the key. */
  readonly keyArn: string;
  /** Whether the key survives `terraform destroy` of this stack. */
  readonly preventDestroy: boolean;
  /** Lets CloudWatch Logs use the key for exactly this log group (by ARN, without `:*`). */
  allowLogGroup(logGroupArn: string): void;
}

/** Properties of a {@link SecretsKey}. */
export interface SecretsKeyProps {
  /**
   * Alias name without the `alias/` prefix; the alias is `alias/<aliasName>`: 1 to 250 characters of
   * A-Z, a-z, 0-9, `/`, `_` and `-`, not starting with `aws/`.
   */
  readonly aliasName: string;
  /**
   * Human-readable description of the key.
   *
   * @default "Encrypts the secrets of <aliasName>"
   */
  readonly description?: string;
  /**
   * Days KMS waits before deleting the key once scheduled (7 to 30; 30 when `preventDestroy`).
   *
   * @default 30
   */
  readonly deletionWindowDays?: number;
  /**
   * Refuse `terraform destroy` and replacement of the key (a protected environment).
   *
   * @default false
   */
  readonly preventDestroy?: boolean;
  /**
   * Tags for the key.
   *
   * @default - none
   */
  readonly tags?: Record<string, string>;
  /**
   * The region of the key, when not the stack's provider's (the key of a Secrets Manager replica).
   *
   * @default - the provider's region
   */
  readonly region?: string;
}

/**
 * A customer-managed KMS key for secrets, with rotation on and an explicit key policy.
 *
 * SecureLambda creates one per function unless given one as `kmsKey`. Share one between
 * functions by passing it as `kmsKey`; each function that uses it calls
 * {@link allowLogGroup} so CloudWatch Logs may encrypt that function's logs. It encrypts
 * SSM parameters and Secrets Manager secrets alike.
 *
 * @example
 * const key = new SecretsKey(stack, "TeamKey", { aliasName: "team-secrets", preventDestroy: true });
 * new SecureLambda(stack, "a", { functionName: "a", entry, secrets: ["token"], kmsKey: key, protect: true });
 * new SecureLambda(stack, "b", { functionName: "b", entry, secrets: ["token"], kmsKey: key, protect: true });
 *
 * @example
 * // A key managed elsewhere: its policy must already let CloudWatch Logs use it (synth warns).
 * const imported = SecretsKey.fromKeyArn(stack, "Key",
 * "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
 */
export class SecretsKey extends Construct implements ISecretsKey {
  /** The KMS key resource. */
  readonly key: KmsKey;
  /** The `alias/<aliasName>` alias. */
  readonly alias: KmsAlias;
  /** Whether Terraform refuses to destroy or replace the key. */
  readonly preventDestroy: boolean;
  /** Days KMS waits before deleting the key once scheduled. */
  readonly deletionWindowDays: number;
  /** ARN of the key (one reference, shared by every user of the key). */
  readonly keyArn: string;
  private readonly logGroupArns: string[] = [];
  private readonly readerStatements: PolicyStatement[] = [];

  /**
   * A key this stack does not manage (another stack's, or one made by hand), by ARN.
   * Its key policy is not ours to change: it must already let CloudWatch Logs use the key
   * for the log groups of the functions that use it; synth warns about that.
   */
  static fromKeyArn(scope: Construct, id: string, keyArn: string): ISecretsKey {
    if (typeof keyArn !== "string" || (!Token.isUnresolved(keyArn) && !KEY_ARN.test(keyArn))) {
      throw new SecureLambdaValidationError(
        `${scope.node.path}/${id}`,
        "keyArn",
        `${show(keyArn)}: allowed is a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (not an alias)`,
      );
    }
    return new ImportedSecretsKey(scope, id, keyArn);
  }

  constructor(scope: Construct, id: string, props: SecretsKeyProps) {
    super(scope, id);
    validateKeyProps(this.node.path, props);
    this.preventDestroy = props.preventDestroy === true;
    // 30 days for every key, not only protected ones: deleting a key makes every
    // parameter encrypted with it unreadable for good, and a pending deletion costs
    // nothing, so the longest window KMS offers is the only safe default.
    this.deletionWindowDays = props.deletionWindowDays ?? MAX_DELETION_WINDOW_DAYS;
    validateDeletionWindow(this.node.path, this.deletionWindowDays, this.preventDestroy);
    const aws = awsContext(this);
    const lifecycle: TerraformResourceLifecycle | undefined = this.preventDestroy
      ? { preventDestroy: true }
      : undefined;

    this.key = new KmsKey(this, "Key", {
      description: props.description ?? `Encrypts the secrets of ${props.aliasName}`,
      enableKeyRotation: true,
      deletionWindowInDays: this.deletionWindowDays,
      policy: Lazy.stringValue({ produce: () => renderPolicy(this.policyStatements(aws)) }),
      tags: props.tags,
      lifecycle,
      region: props.region,
    });
    // Every attribute read creates a token that records a stack trace: read it once.
    this.keyArn = this.key.arn;
    this.alias = new KmsAlias(this, "Alias", {
      name: keyAliasName(props.aliasName),
      targetKeyId: this.key.keyId,
      region: props.region,
    });
  }

  /** Lets CloudWatch Logs use the key for exactly this log group (by ARN, without `:*`). */
  allowLogGroup(logGroupArn: string): void {
    this.logGroupArns.push(logGroupArn);
  }

  /**
   * Adds a reader's statement (SecureLambda.grantSecretsRead) to the key policy.
   *
   * @internal
   */
  _addReaderStatement(statement: PolicyStatement): void {
    this.readerStatements.push(statement);
  }

  private policyStatements(aws: ReturnType<typeof awsContext>): PolicyStatement[] {
    const statements: PolicyStatement[] = [
      {
        // Without this statement only the key policy could grant use of the key, and the
        // IAM policies of the roles (least-privilege kms:Decrypt) would have no effect.
        // In a key policy "Resource": "*" means this key.
        Sid: "AccountAdministersKeyAndEnablesIamPolicies",
        Effect: "Allow",
        Principal: { AWS: `arn:${aws.partition}:iam::${aws.accountId}:root` },
        Action: ["kms:*"],
        Resource: "*",
      },
    ];
    if (this.logGroupArns.length > 0) {
      statements.push({
        // CloudWatch Logs encrypts log events with the key, but only for the listed log
        // groups: the encryption context names the log group it works for.
        Sid: "CloudWatchLogsEncryptsOwnLogGroups",
        Effect: "Allow",
        Principal: { Service: `logs.${aws.region}.${aws.dnsSuffix}` },
        Action: [
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:ReEncryptFrom",
          "kms:ReEncryptTo",
          "kms:GenerateDataKey",
          "kms:DescribeKey",
        ],
        Resource: "*",
        Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": [...this.logGroupArns] } },
      });
    }
    statements.push(...this.readerStatements);
    return statements;
  }
}

/** Throws, naming the prop, unless the props are what KMS accepts (a value known only at plan is KMS's to judge). */
function validateKeyProps(path: string, props: SecretsKeyProps): void {
  const fail = failAt(path);
  if (!isPlainObject(props)) fail("props", `${show(props)}: allowed is an object with at least aliasName`);
  const { aliasName, description, preventDestroy, region } = props as unknown as Record<string, unknown>;
  if (
    !Token.isUnresolved(aliasName) &&
    (typeof aliasName !== "string" || !ALIAS_NAME.test(aliasName) || /^aws\//.test(aliasName))
  )
    fail(
      "aliasName",
      `${show(aliasName, { min: 1, max: 250, chars: /[A-Za-z0-9/_-]/ })}: allowed are 1 to 250 characters of A-Z, a-z, 0-9, /, _ and - ` +
        "(the alias is alias/<aliasName>), not starting with aws/ (AWS's own keys)",
    );
  if (
    description !== undefined &&
    !Token.isUnresolved(description) &&
    (typeof description !== "string" || description.length > MAX_KEY_DESCRIPTION_LENGTH)
  )
    fail(
      "description",
      `${show(description)}: allowed is a string of at most ${MAX_KEY_DESCRIPTION_LENGTH} characters`,
    );
  if (preventDestroy !== undefined && typeof preventDestroy !== "boolean")
    fail("preventDestroy", `${show(preventDestroy)}: allowed is true or false`);
  if (region !== undefined && !Token.isUnresolved(region) && (typeof region !== "string" || !REGION_NAME.test(region)))
    fail("region", `${show(region)}: allowed is a region name, e.g. eu-west-1`);
  checkTags(fail, props.tags);
}

function validateDeletionWindow(path: string, days: unknown, protectedKey: boolean): void {
  const protectedWindow = `a protected key (preventDestroy) keeps the ${MAX_DELETION_WINDOW_DAYS}-day window, the longest chance to cancel a deletion`;
  // A window known only at plan is KMS's to judge, except on a protected key, which keeps the longest.
  if (Token.isUnresolved(days)) {
    if (protectedKey)
      throw new SecureLambdaValidationError(
        path,
        "deletionWindowDays",
        `a Terraform reference or variable: ${protectedWindow}`,
      );
    return;
  }
  if (
    typeof days !== "number" ||
    !Number.isInteger(days) ||
    days < MIN_DELETION_WINDOW_DAYS ||
    days > MAX_DELETION_WINDOW_DAYS
  ) {
    const allowed = `allowed is a whole number of days from ${MIN_DELETION_WINDOW_DAYS} to ${MAX_DELETION_WINDOW_DAYS}`;
    throw new SecureLambdaValidationError(path, "deletionWindowDays", `${show(days)}: ${allowed}`);
  }
  if (protectedKey && days !== MAX_DELETION_WINDOW_DAYS) {
    throw new SecureLambdaValidationError(path, "deletionWindowDays", `${show(days)}: ${protectedWindow}`);
  }
}

/** A key managed elsewhere, used by ARN. */
class ImportedSecretsKey extends Construct implements ISecretsKey {
  // Terraform does not manage the key here, so no destroy of this stack can delete it.
  readonly preventDestroy = true;
  private warned = false;

  constructor(
    scope: Construct,
    id: string,
    readonly keyArn: string,
  ) {
    super(scope, id);
  }

  allowLogGroup(): void {
    if (this.warned) return;
    this.warned = true;
    Annotations.of(this).addWarning(
      `the key ${this.keyArn} is not managed by this stack: its key policy must let CloudWatch Logs (logs.<region>.amazonaws.com) ` +
        `use it for the log groups of the functions that use it (condition kms:EncryptionContext:aws:logs:arn), or their log groups cannot be created`,
    );
  }
}
