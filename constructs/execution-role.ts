import { Construct } from "constructs";
import { awsContext, type AwsContext } from "./aws-context";
import { CURRENT_STAGE } from "../common/naming";
import { show } from "../common/show";
import { failAt, SecureLambdaValidationError } from "./errors";
import { checkExternalSecrets, externalSecretStatements, type ExternalSecret } from "./external-secrets";
import { policyStatementOf, renderPolicy, type PolicyStatement, type PolicyStatementProps } from "./policy";
import { IamRole, IamRolePolicy, Lazy } from "./tf";
import { networkInterfaceStatements, type VpcPlacement } from "./vpc-placement";

/** Properties of an {@link ExecutionRole}. */
export interface ExecutionRoleProps {
  /** Name of the role (also used for its inline policy). */
  readonly roleName: string;
  /**
   * What the role is for.
   *
   * @default "Execution role of the <roleName> Lambda function"
   */
  readonly description?: string;
  /**
   * Tags for the role.
   *
   * @default - none
   */
  readonly tags?: Record<string, string>;
}

/**
 * The role a function runs as: assumable only by Lambda in this account, with an inline
 * policy that holds exactly the statements its grants added, and nothing by default.
 */
export class ExecutionRole extends Construct {
  /** The IAM role resource. */
  readonly role: IamRole;
  /** The inline policy holding the grants. */
  readonly policy: IamRolePolicy;
  private readonly statements: PolicyStatement[] = [];
  private readonly aws: AwsContext;

  constructor(scope: Construct, id: string, props: ExecutionRoleProps) {
    super(scope, id);
    this.aws = awsContext(this);
    this.role = new IamRole(this, "Role", {
      name: props.roleName,
      description: props.description ?? `Execution role of the ${props.roleName} Lambda function`,
      assumeRolePolicy: renderPolicy([
        {
          Sid: "LambdaInThisAccountOnly",
          Effect: "Allow",
          Principal: { Service: "lambda.amazonaws.com" },
          Action: ["sts:AssumeRole"],
          // Confused-deputy guard: Lambda may assume the role only on behalf of this account.
          Condition: { StringEquals: { "aws:SourceAccount": this.aws.accountId } },
        },
      ]),
      tags: props.tags,
    });
    this.policy = new IamRolePolicy(this, "Policy", {
      name: props.roleName,
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => renderPolicy(this.statements) }),
    });
  }

  /**
   * Adds a statement to the role's inline policy.
   *
   * @example
   * role.addStatement({ sid: "ReadReports", actions: ["s3:GetObject"], resources: [`${bucket.arn}/reports/*`] });
   */
  addStatement(statement: PolicyStatementProps): void {
    const fail = failAt(this.node.path);
    if (typeof statement.sid !== "string" || !/^[A-Za-z0-9]+$/.test(statement.sid))
      fail("statement.sid", `${show(statement.sid)}: allowed are letters and digits (IAM's Sid)`);
    if (statement.effect !== undefined && statement.effect !== "Allow" && statement.effect !== "Deny")
      fail("statement.effect", `${show(statement.effect)}: allowed are "Allow" and "Deny"`);
    for (const list of ["actions", "resources"] as const) {
      const value: unknown = statement[list];
      if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === "string"))
        fail(`statement.${list}`, `${show(value)}: allowed is a non-empty list of strings`);
    }
    this.add(policyStatementOf(statement));
  }

  private add(statement: PolicyStatement): void {
    this.statements.push(statement);
  }

  /** Allows writing log events to the streams of exactly this log group. */
  grantWriteLogs(logGroupArn: string): void {
    this.add({
      Sid: "WriteOwnLogStreams",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      // Lambda names its log streams at run time (date/[version]id), so the stream name is
      // the one part of an ARN no policy can know: the wildcard is that segment, of this group.
      Resource: [`${logGroupArn}:log-stream:*`],
    });
  }

  /**
   * Allows reading exactly this Secrets Manager secret, decrypted with this key, and the
   * key only through Secrets Manager and only for this secret.
   */
  grantReadSecret(secretArn: string, keyArn: string): void {
    this.add({
      Sid: "ReadOwnSecret",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [secretArn],
      // Only the current values: earlier versions (AWSPREVIOUS, a version named by id) may
      // hold a token that was replaced because it leaked. The key is present only when the
      // request names a stage, which the runtime loader always does.
      Condition: { StringEquals: { "secretsmanager:VersionStage": CURRENT_STAGE } },
    });
    this.add({
      // As for parameters: only Secrets Manager may use the key for the function, and only
      // for this secret (Secrets Manager puts the secret's ARN in the encryption context).
      Sid: "DecryptOwnSecretThroughSecretsManager",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [keyArn],
      Condition: {
        StringEquals: {
          "kms:ViaService": `secretsmanager.${this.aws.region}.${this.aws.dnsSuffix}`,
          "kms:EncryptionContext:SecretARN": secretArn,
        },
      },
    });
  }

  /**
   * Allows reading exactly these secrets of another account or app, by ARN, each decrypted with
   * its key only through its store in its region and only for these secrets.
   *
   * @example
   * role.grantReadExternalSecrets([{ name: "partner_token", arn: secretArn, keyArn }]);
   */
  grantReadExternalSecrets(secrets: ExternalSecret[]): void {
    const checked = checkExternalSecrets(failAt(this.node.path), secrets, []);
    for (const statement of externalSecretStatements(checked, this.aws.dnsSuffix)) this.add(statement);
  }

  /**
   * Allows reading exactly these SecureString parameters, decrypted with this key,
   * and the key only through SSM and only for these parameters.
   */
  grantReadParameters(parameterArns: string[], keyArn: string): void {
    if (parameterArns.length === 0) return;
    this.add({
      Sid: "ReadOwnSecretParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters"],
      Resource: [...parameterArns],
    });
    this.add({
      // A stolen role session cannot call kms:Decrypt on other ciphertext directly:
      // only SSM may use the key for it, and only for these parameters (SSM puts the
      // parameter ARN in the encryption context).
      Sid: "DecryptOwnSecretParametersThroughSsm",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [keyArn],
      Condition: {
        StringEquals: {
          "kms:ViaService": `ssm.${this.aws.region}.${this.aws.dnsSuffix}`,
          "kms:EncryptionContext:PARAMETER_ARN": [...parameterArns],
        },
      },
    });
  }

  /**
   * Allows decrypting this function's environment variables with this key, and only them.
   * Lambda decrypts the environment with a grant for the role that it creates at deploy
   * time; the grant dies when the role is recreated, so the role also holds this narrowly
   * scoped permission of its own: the encryption context names the function.
   */
  grantDecryptEnvironment(keyArn: string, functionArn: string): void {
    this.add({
      Sid: "DecryptOwnEnvironment",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [keyArn],
      Condition: { StringEquals: { "kms:EncryptionContext:aws:lambda:FunctionArn": functionArn } },
    });
  }

  /** Allows sending trace segments and telemetry to X-Ray, in a statement of its own. */
  grantWriteTraces(): void {
    this.add({
      Sid: "WriteTraces",
      Effect: "Allow",
      Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      // These two actions have no resource-level permissions: "*" is the only resource IAM
      // accepts for them. They stay alone in this statement so that "*" never reaches
      // an action that could have been scoped.
      Resource: ["*"],
    });
  }

  /** Allows sending failed events to exactly this dead-letter queue or topic, and nothing else on it. */
  grantSendToDeadLetter(target: DeadLetterGrant): void {
    if (target.action !== DeadLetterAction.SQS_SEND_MESSAGE && target.action !== DeadLetterAction.SNS_PUBLISH) {
      throw new SecureLambdaValidationError(
        this.node.path,
        "action",
        `${show(target.action)}: allowed are "${DeadLetterAction.SQS_SEND_MESSAGE}" (a queue) and "${DeadLetterAction.SNS_PUBLISH}" (a topic)`,
      );
    }
    this.add({
      Sid: target.action === "sns:Publish" ? "PublishToDeadLetterTopic" : "SendToDeadLetterQueue",
      Effect: "Allow",
      Action: [target.action],
      Resource: [target.arn],
    });
  }

  /**
   * Allows Lambda to attach the function to exactly these subnets and security groups
   * (the network-interface calls it makes with this role), and denies the same calls to
   * the function's own code.
   */
  grantNetworkInterfaces(vpc: VpcPlacement, functionArn: string): void {
    for (const statement of networkInterfaceStatements(this.aws, vpc, functionArn)) this.add(statement);
  }
}

/** The one action a function's role needs on its dead-letter target: a queue's or a topic's. */
export class DeadLetterAction {
  /** Send to an SQS queue. */
  static readonly SQS_SEND_MESSAGE: string = "sqs:SendMessage";
  /** Publish to an SNS topic. */
  static readonly SNS_PUBLISH: string = "sns:Publish";

  private constructor() {}
}

/** A dead-letter target the role may send to: its ARN and the one action it takes. */
export interface DeadLetterGrant {
  /** ARN of the queue or topic. */
  readonly arn: string;
  /** `DeadLetterAction.SQS_SEND_MESSAGE` for a queue, `DeadLetterAction.SNS_PUBLISH` for a topic. */
  readonly action: string;
}
