/**
 * Other readers of a function's secrets (`SecureLambda.grantSecretsRead`): a role or user of
 * this account or of another, granted exactly what reading the secrets takes, on every side
 * that decides it, and recorded in the stack's metadata so that the audit knows them.
 */
import { Construct } from "constructs";
import {
  CURRENT_STAGE,
  defaultSecretName,
  parameterNameFor,
  regionStatementIdPart,
  type SecretStore,
} from "../common/naming";
import { READERS_RECORD_KEY, type ReaderRecord } from "../common/readers-record";
import { show } from "../common/show";
import { awsContext, type AwsContext } from "./aws-context";
import { SecureLambdaValidationError } from "./errors";
import { renderPolicy, type PolicyStatement } from "./policy";
import { defaultAwsProvider } from "./default-provider";
import { SecretsKey, type ISecretsKey } from "./secrets-key";
import type { SecretReplica } from "./replicas";
import {
  Annotations,
  DefaultTokenResolver,
  StringConcat,
  Tokenization,
  IamRole,
  IamRolePolicy,
  Lazy,
  RamPrincipalAssociation,
  RamResourceAssociation,
  RamResourceShare,
  SecretsmanagerSecretPolicy,
  TerraformElement,
  TerraformOutput,
  TerraformStack,
  Token,
  type SecretsmanagerSecret,
  type SsmParameter,
} from "./tf";

/** The SSM parameter tiers, as constants (`parameterTier: ParameterTier.ADVANCED`). */
export class ParameterTier {
  /** Free, up to 4 KB; cannot be shared with another account. */
  static readonly STANDARD: string = "Standard";
  /** Charged per parameter and month; up to 8 KB; can be shared through AWS RAM. */
  static readonly ADVANCED: string = "Advanced";

  private constructor() {}
}

/** Refuses a `parameterTier` that is not a tier, or that is given for a store without parameters. */
export function checkParameterTier(path: string, tier: unknown, store: SecretStore): void {
  if (tier === undefined) return;
  if (tier !== ParameterTier.STANDARD && tier !== ParameterTier.ADVANCED)
    throw new SecureLambdaValidationError(
      path,
      "parameterTier",
      `${show(tier)}: allowed are "${ParameterTier.STANDARD}" and "${ParameterTier.ADVANCED}" (ParameterTier)`,
    );
  if (store !== "ssm")
    throw new SecureLambdaValidationError(
      path,
      "parameterTier",
      `${show(tier)}: only store "ssm" has parameters; store "${store}" keeps the secrets in one Secrets Manager secret`,
    );
}

/** What {@link SecretReaders} grants readers of. */
export interface SecretReadersProps {
  readonly functionName: string;
  readonly store: SecretStore;
  readonly key: ISecretsKey;
  /** The parameters, by secret name (store "ssm"). */
  readonly parameters: Readonly<Record<string, SsmParameter>>;
  /** The one secret (store "secretsmanager", when there are secrets). */
  readonly secret?: SecretsmanagerSecret;
  /** The secret's replicas, each with the key of its region (store "secretsmanager", `replicaRegions`). */
  readonly replicas: ReadonlyArray<SecretReplica & { readonly key: SecretsKey }>;
  /** Path of the parameters (store "ssm"). */
  readonly parameterPrefix: string;
  /** The tier the parameters were created in. */
  readonly parameterTier: string;
  readonly tags?: Record<string, string>;
  /** The function's own role (made after this construct), which reads the secrets already. */
  readonly ownRole: () => IamRole;
}

// A role or user ARN: `arn:<partition>:iam::<account>:role/<path><name>` (or `user/`), no wildcard.
const PRINCIPAL_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)\/((?:[\x21-\x7e]+\/)?)([\w+=,.@-]{1,128})$/;
const RESOLVER = new DefaultTokenResolver(new StringConcat());
const ALLOWED =
  "allowed is the ARN of one IAM role or user, arn:<partition>:iam::<account>:role/<name> (or :user/<name>)";

/** A grantee understood: where it lives and how the grants name it. */
interface Grantee {
  /** How every policy names it: a literal ARN, or the reference to an app role's ARN. */
  readonly arn: string;
  /** Its account, when known; undefined for a role of this stack named by reference. */
  readonly accountId?: string;
  /** The role of this stack it is, if any. */
  readonly role?: IamRole;
  /** Whether it is of the stack's own account. */
  readonly sameAccount: boolean;
  /** A stable label for ids: `<account>-<name>`, or the role's construct id. */
  readonly label: string;
}

/**
 * The other readers of one function's secrets. Each grant writes:
 * - the reader's identity policy: attached when the reader is a role of this stack, written
 *   out as a Terraform output for its owner otherwise (this stack cannot attach it);
 * - a key policy statement naming the reader, for `kms:Decrypt` only through the store
 *   (`kms:ViaService`) and only for these secrets (the encryption context);
 * - for a reader of another account: the secret's resource policy (Secrets Manager) or a
 *   RAM share of the parameters (SSM, which shares only advanced parameters);
 * - a record in the stack's metadata, from which the audit takes its intended readers.
 */
export class SecretReaders extends Construct {
  private readonly aws: AwsContext;
  private readonly granted: Grantee[] = [];
  private readonly resourcePolicyStatements: PolicyStatement[] = [];
  private resourcePolicy?: SecretsmanagerSecretPolicy;
  private share?: RamResourceShare;
  private readonly sharedWith = new Set<string>();
  private record?: ReadersRecord;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: SecretReadersProps,
  ) {
    super(scope, id);
    this.aws = awsContext(this);
  }

  /** Grants `grantee` (a role or user ARN) exactly what reading the function's secrets takes. */
  grant(grantee: string): void {
    const path = this.node.scope!.node.path;
    const reader = this.understand(path, grantee);
    const arns = this.secretArns();
    if (arns.length === 0)
      throw new SecureLambdaValidationError(
        path,
        "grantee",
        `${show(grantee)}: the function has no secrets to read (its \`secrets\` is empty)`,
      );
    if (!reader.sameAccount && this.props.store === "ssm" && this.props.parameterTier !== ParameterTier.ADVANCED)
      throw new SecureLambdaValidationError(
        path,
        "grantee",
        `${show(grantee)} is of another account, and SSM shares parameters with another account only through AWS RAM, ` +
          `only in the advanced tier, which is charged per parameter and month (docs/terraform.md): ` +
          `set parameterTier: "${ParameterTier.ADVANCED}" to choose it, or use store "secretsmanager"`,
      );
    this.granted.push(reader);
    this.addKeyStatement(reader);
    if (!reader.sameAccount) this.shareWith(reader);
    const identity = this.identityStatements();
    if (reader.role) {
      new IamRolePolicy(this, `Policy-${reader.label}`, {
        name: `${this.props.functionName}-secrets-read`,
        role: reader.role.id,
        policy: renderPolicy(identity),
      });
    } else {
      const output = new TerraformOutput(this, `Policy-${reader.label}`, {
        value: renderPolicy(identity),
        description:
          `The identity policy ${reader.arn} needs to read the secrets of ${this.props.functionName}: ` +
          "its owner attaches it (this stack cannot)",
      });
      output.overrideLogicalId(`${this.props.functionName}-reader-${reader.label}`.replace(/[^A-Za-z0-9_-]/g, "_"));
    }
    this.record ??= new ReadersRecord(this);
    this.record.add({ constructPath: path, functionName: this.props.functionName, grantee: reader.arn });
  }

  /** Reads the grantee: refuses anything but one role or user, and a second grant of the same one. */
  private understand(path: string, grantee: unknown): Grantee {
    const fail = (problem: string): never => {
      throw new SecureLambdaValidationError(path, "grantee", problem);
    };
    if (typeof grantee !== "string") return fail(`${show(grantee)}: ${ALLOWED}`);
    const stack = TerraformStack.of(this);
    // Walked only for a reader that may be a role of the stack (a reference, or one of this account).
    const roles = () => stack.node.findAll().filter((c): c is IamRole => c instanceof IamRole);
    let found: Grantee;
    if (Token.isUnresolved(grantee)) {
      // Only a reference to a role of this stack: its account is this one, and its ARN orders
      // the grants after the role exists (a key policy naming a missing principal is refused).
      const resolve = (value: string) => String(Tokenization.resolve(value, { scope: stack, resolver: RESOLVER }));
      const expression = resolve(grantee);
      const role = roles().find((r) => resolve(r.arn) === expression);
      if (!role)
        return fail(
          `${show(grantee)}: a Terraform reference that is not the arn of an aws_iam_role of this stack; ${ALLOWED}, or role.arn of a role of this stack`,
        );
      found = { arn: role.arn, role, sameAccount: true, label: role.node.id };
    } else {
      if (grantee === "*") return fail(`"*": everyone is never a reader; ${ALLOWED}`);
      if (/^\d{12}$/.test(grantee) || /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(grantee))
        return fail(`${show(grantee)}: a whole account is never a reader, only one of its roles or users; ${ALLOWED}`);
      const match = PRINCIPAL_ARN.exec(grantee);
      if (!match || match[4]!.includes("*")) return fail(`${show(grantee)}: ${ALLOWED}`);
      const [, , accountId, kind, , name] = match;
      const thisAccount = providerAccount(stack);
      if (thisAccount === undefined)
        return fail(
          `${show(grantee)}: the stack's aws provider names no account (allowedAccountIds), so whether the reader is of ` +
            "this account or another cannot be told, and the grants differ: name the one account the stack deploys to",
        );
      const sameAccount = accountId === thisAccount;
      const role =
        sameAccount && kind === "role"
          ? roles().find((r) => r.nameInput === name && TerraformStack.of(r) === stack)
          : undefined;
      found = role
        ? { arn: role.arn, role, accountId, sameAccount, label: role.node.id }
        : { arn: grantee, accountId, sameAccount, label: `${accountId}-${kind}-${name}` };
    }
    if (found.role === this.props.ownRole())
      return fail(`${show(grantee)}: the function's own role, which reads its secrets already`);
    const key = (g: Grantee) => (g.role ? `role ${g.role.node.path}` : g.arn);
    if (this.granted.some((g) => key(g) === key(found)))
      return fail(`${show(grantee)}: already a reader of these secrets; grant each reader once`);
    return found;
  }

  /** The ARNs of the secrets: the parameters', or the one secret's. */
  private secretArns(): string[] {
    if (this.props.store === "ssm") return Object.values(this.props.parameters).map((p) => p.arn);
    return this.props.secret ? [this.props.secret.arn] : [];
  }

  /**
   * The secrets' ARNs as the key policy names them: built from their parts, never from the
   * resources' own `arn`, since the parameters and the secret are encrypted with the key (they
   * depend on it) and a key policy naming them would form a cycle. A Secrets Manager ARN ends in
   * six characters AWS picks at creation: `<name>-??????` names that secret, as AWS advises.
   */
  private keyPolicyCondition(region = this.aws.region): Record<string, Record<string, string | string[]>> {
    const { partition, accountId, dnsSuffix } = this.aws;
    if (this.props.store === "ssm") {
      const arns = Object.keys(this.props.parameters).map((secret) => {
        const name = parameterNameFor(this.props.parameterPrefix, secret);
        return `arn:${partition}:ssm:${region}:${accountId}:parameter${name.startsWith("/") ? "" : "/"}${name}`;
      });
      return {
        StringEquals: { "kms:ViaService": `ssm.${region}.${dnsSuffix}`, "kms:EncryptionContext:PARAMETER_ARN": arns },
      };
    }
    return {
      StringEquals: { "kms:ViaService": `secretsmanager.${region}.${dnsSuffix}` },
      StringLike: { "kms:EncryptionContext:SecretARN": this.secretPattern(region) },
    };
  }

  /** The function's secret in `region` (the primary's, or a replica's) by name: `<name>-??????`. */
  private secretPattern(region: string): string {
    const { partition, accountId } = this.aws;
    return `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${defaultSecretName(this.props.functionName)}-??????`;
  }

  /** What `kms:Decrypt` is kept to: the store's endpoint, and these secrets by encryption context. */
  private decryptCondition(): Record<string, Record<string, string | string[]>> {
    const { region, dnsSuffix } = this.aws;
    return this.props.store === "ssm"
      ? {
          StringEquals: {
            "kms:ViaService": `ssm.${region}.${dnsSuffix}`,
            "kms:EncryptionContext:PARAMETER_ARN": this.secretArns(),
          },
        }
      : {
          StringEquals: {
            "kms:ViaService": `secretsmanager.${region}.${dnsSuffix}`,
            "kms:EncryptionContext:SecretARN": this.secretArns()[0]!,
          },
        };
  }

  /** The reader's identity policy: the secrets, and the key only through the store and for them. */
  private identityStatements(): PolicyStatement[] {
    const read: PolicyStatement =
      this.props.store === "ssm"
        ? {
            Sid: "ReadGrantedSecretParameters",
            Effect: "Allow",
            Action: ["ssm:GetParameter", "ssm:GetParameters"],
            Resource: this.secretArns(),
          }
        : {
            Sid: "ReadGrantedSecret",
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue"],
            Resource: this.secretArns(),
            // Only the current values, as for the function itself: an earlier version may hold a
            // value that was replaced because it leaked.
            Condition: { StringEquals: { "secretsmanager:VersionStage": CURRENT_STAGE } },
          };
    const { dnsSuffix } = this.aws;
    // A replica by pattern (the primary's name, AWS's six characters), not by an expression on the
    // primary's ARN: policies name ARNs and `-??????` patterns only.
    return [
      { ...read, Resource: [...this.secretArns(), ...this.props.replicas.map((r) => this.secretPattern(r.region))] },
      {
        Sid:
          this.props.store === "ssm"
            ? "DecryptGrantedSecretParametersThroughSsm"
            : "DecryptGrantedSecretThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [this.props.key.keyArn],
        Condition: this.decryptCondition(),
      },
      // Each replica is encrypted under its own region's key, and read through Secrets Manager there.
      ...this.props.replicas.map(
        (replica): PolicyStatement => ({
          Sid: `DecryptGrantedSecretReplicaIn${regionStatementIdPart(replica.region)}ThroughSecretsManager`,
          Effect: "Allow",
          Action: ["kms:Decrypt"],
          Resource: [replica.keyArn],
          Condition: {
            StringEquals: { "kms:ViaService": `secretsmanager.${replica.region}.${dnsSuffix}` },
            StringLike: { "kms:EncryptionContext:SecretARN": this.secretPattern(replica.region) },
          },
        }),
      ),
    ];
  }

  /**
   * The key policy names the reader: needed for another account (only the key policy can let
   * it use the key), and written for this account too, so that the key policy alone says who
   * may decrypt these secrets, each kept to the store and to them.
   */
  private addKeyStatement(reader: Grantee): void {
    const statement: PolicyStatement = {
      Sid: `Reader${this.granted.length}DecryptsThrough${this.props.store === "ssm" ? "Ssm" : "SecretsManager"}`,
      Effect: "Allow",
      Principal: { AWS: reader.arn },
      Action: ["kms:Decrypt"],
      Resource: "*",
      Condition: this.keyPolicyCondition(),
    };
    // The resource policy Secrets Manager copies to each replica lets the reader ask there too;
    // the replica's key, of its region, decides as the primary's does.
    for (const replica of this.props.replicas)
      replica.key._addReaderStatement({ ...statement, Condition: this.keyPolicyCondition(replica.region) });
    const key = this.props.key;
    if (key instanceof SecretsKey) {
      key._addReaderStatement(statement);
      return;
    }
    Annotations.of(this).addWarning(
      `the key ${key.keyArn} is not managed by this stack: its key policy must let ${reader.arn} use it ` +
        `(this statement: ${JSON.stringify({ ...statement, Sid: undefined })}), or the reader cannot decrypt the secrets`,
    );
  }

  /** Another account's reader: the secret's resource policy, or a RAM share of the parameters. */
  private shareWith(reader: Grantee): void {
    if (this.props.store === "secretsmanager") {
      this.resourcePolicyStatements.push({
        Sid: `Reader${this.granted.length}ReadsCurrentValues`,
        Effect: "Allow",
        Principal: { AWS: reader.arn },
        Action: ["secretsmanager:GetSecretValue"],
        Resource: "*",
        Condition: { StringEquals: { "secretsmanager:VersionStage": CURRENT_STAGE } },
      });
      this.resourcePolicy ??= new SecretsmanagerSecretPolicy(this, "SecretPolicy", {
        secretArn: this.props.secret!.arn,
        policy: Lazy.stringValue({ produce: () => renderPolicy(this.resourcePolicyStatements) }),
        // Secrets Manager refuses a policy that would let anyone in.
        blockPublicPolicy: true,
      });
      return;
    }
    const share = this.shareOfParameters();
    // RAM shares parameters with accounts, not with one role: the key policy, which names the
    // reader alone, keeps every other principal of that account from decrypting them.
    const account = reader.accountId!;
    if (this.sharedWith.has(account)) return;
    this.sharedWith.add(account);
    new RamPrincipalAssociation(this, `ShareWith-${account}`, { principal: account, resourceShareArn: share.arn });
  }

  private shareOfParameters(): RamResourceShare {
    if (this.share) return this.share;
    const share = new RamResourceShare(this, "Share", {
      name: `${this.props.functionName}-secrets`,
      allowExternalPrincipals: true,
      tags: this.props.tags,
    });
    for (const [name, parameter] of Object.entries(this.props.parameters))
      new RamResourceAssociation(this, `Share-${name}`, { resourceArn: parameter.arn, resourceShareArn: share.arn });
    this.share = share;
    return share;
  }
}

/** The one account the stack's default aws provider allows, if it names exactly one literally. */
function providerAccount(stack: TerraformStack): string | undefined {
  const allowed = defaultAwsProvider(stack)?.allowedAccountIds;
  return Array.isArray(allowed) && allowed.length === 1 && !Token.isUnresolved(allowed[0]) ? allowed[0] : undefined;
}

/** The readers' record in the stack's metadata (Terraform ignores it; the audit reads it). */
class ReadersRecord extends TerraformElement {
  private readonly readers: ReaderRecord[] = [];

  constructor(scope: Construct) {
    super(scope, "Record");
  }

  add(reader: ReaderRecord): void {
    this.readers.push(reader);
  }

  override toMetadata(): Record<string, ReaderRecord[]> {
    return { [READERS_RECORD_KEY]: this.readers };
  }
}
