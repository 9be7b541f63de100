import { SecretsKey, SecureLambda, PLACEHOLDER_VALUE, type SecureLambdaProps } from "../constructs";
import { bundlingRuns } from "../constructs/bundling";
import { SqsQueue } from "../constructs/tf";
import {
  expectWriteOnlyPlaceholder,
  HELLO_ENTRY,
  only,
  ref,
  resources,
  statements,
  synthStack,
  type TerraformJson,
} from "./helpers/synth";

const SECRETS = ["github_token", "slack_webhook_url"];

function synthNotifier(props: Partial<SecureLambdaProps> = {}): TerraformJson {
  return synthStack((stack) => {
    new SecureLambda(stack, "notifier", { functionName: "notifier", entry: HELLO_ENTRY, secrets: SECRETS, ...props });
  });
}

describe("SecureLambda", () => {
  const json = synthNotifier({ environment: { GITHUB_API_URL: "https://api.github.com" } });
  const [keyName, key] = only(json, "aws_kms_key");
  const [logGroupName, logGroup] = only(json, "aws_cloudwatch_log_group");
  const [roleName, role] = only(json, "aws_iam_role");
  const [, rolePolicy] = only(json, "aws_iam_role_policy");
  const [, fn] = only(json, "aws_lambda_function");
  const parameters = resources(json, "aws_ssm_parameter");
  const keyArn = ref("aws_kms_key", keyName, "arn");
  const parameterArns = parameters.map(([name]) => ref("aws_ssm_parameter", name, "arn"));

  describe("KMS key", () => {
    test("has rotation on, a description and an alias named after the function", () => {
      expect(key.enable_key_rotation).toBe(true);
      expect(key.description).toMatch(/notifier/);
      const [, alias] = only(json, "aws_kms_alias");
      expect(alias.name).toBe("alias/notifier");
      expect(alias.target_key_id).toBe(ref("aws_kms_key", keyName, "key_id"));
    });

    test("has a key policy in which the account root administers the key", () => {
      const root = statements(key.policy).find((s) => s.Principal?.AWS);
      expect(root).toBeDefined();
      expect(root!.Principal.AWS).toMatch(
        /^arn:\$\{data\.aws_partition\.[^}]+\.partition\}:iam::\$\{data\.aws_caller_identity\.[^}]+\.account_id\}:root$/,
      );
      expect(root!.Effect).toBe("Allow");
      expect(root!.Resource).toBe("*");
    });

    test("lets CloudWatch Logs use the key for this function's log group only", () => {
      const logs = statements(key.policy).find((s) => s.Principal?.Service);
      expect(logs!.Principal.Service).toMatch(/^logs\.\$\{data\.aws_region\.[^}]+\.region\}\./);
      const groups: string[] = logs!.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"];
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatch(/:log-group:\/aws\/lambda\/notifier$/);
      expect(logs!.Action.some((action: string) => action.includes("*"))).toBe(false);
    });
  });

  describe("parameters", () => {
    test("creates one SecureString per secret, named <prefix>/<secret> and encrypted with the key", () => {
      expect(parameters.map(([, p]) => p.name).sort()).toEqual([
        "/notifier/github_token",
        "/notifier/slack_webhook_url",
      ]);
      for (const [, parameter] of parameters) {
        expect(parameter.type).toBe("SecureString");
        expect(parameter.key_id).toBe(keyArn);
      }
    });

    test("writes only the placeholder, write-only, and never changes the parameter after creating it", () => {
      for (const [, parameter] of parameters) {
        expectWriteOnlyPlaceholder(parameter);
        expect(parameter.description).toMatch(/out of band/);
        expect(parameter.description).toMatch(/npx --no secure-lambda set test notifier /);
      }
    });

    test("uses parameterPrefix when given", () => {
      const custom = synthNotifier({ parameterPrefix: "/team/notifier" });
      expect(
        resources(custom, "aws_ssm_parameter")
          .map(([, p]) => p.name)
          .sort(),
      ).toEqual(["/team/notifier/github_token", "/team/notifier/slack_webhook_url"]);
    });
  });

  describe("log group", () => {
    test("is /aws/lambda/<functionName>, encrypted with the key, kept 365 days by default", () => {
      expect(logGroup.name).toBe("/aws/lambda/notifier");
      expect(logGroup.retention_in_days).toBe(365);
      expect(logGroup.kms_key_id).toBe(keyArn);
    });

    test("exists before the function and is the function's log group", () => {
      expect(fn.depends_on).toContain(`aws_cloudwatch_log_group.${logGroupName}`);
      expect(fn.logging_config.log_group).toBe(ref("aws_cloudwatch_log_group", logGroupName, "name"));
    });

    test("takes logRetentionDays", () => {
      const [, custom] = only(synthNotifier({ logRetentionDays: 30 }), "aws_cloudwatch_log_group");
      expect(custom.retention_in_days).toBe(30);
    });
  });

  describe("role", () => {
    test("is assumable only by Lambda, on behalf of this account", () => {
      const trust = statements(role.assume_role_policy);
      expect(trust).toHaveLength(1);
      expect(trust[0]!.Principal).toEqual({ Service: "lambda.amazonaws.com" });
      expect(trust[0]!.Action).toEqual(["sts:AssumeRole"]);
      expect(trust[0]!.Condition.StringEquals["aws:SourceAccount"]).toMatch(
        /^\$\{data\.aws_caller_identity\.[^}]+\.account_id\}$/,
      );
      expect(fn.role).toBe(ref("aws_iam_role", roleName, "arn"));
    });

    test("may write only to its own log group's streams", () => {
      const logs = statements(rolePolicy.policy).filter((s) => s.Action.some((a: string) => a.startsWith("logs:")));
      expect(logs).toHaveLength(1);
      expect(logs[0]!.Action.sort()).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
      expect(logs[0]!.Resource).toEqual([`${ref("aws_cloudwatch_log_group", logGroupName, "arn")}:log-stream:*`]);
    });

    test("may read exactly its own parameters", () => {
      const ssm = statements(rolePolicy.policy).filter((s) => s.Action.some((a: string) => a.startsWith("ssm:")));
      expect(ssm).toHaveLength(1);
      expect(ssm[0]!.Action.sort()).toEqual(["ssm:GetParameter", "ssm:GetParameters"]);
      expect(ssm[0]!.Resource.sort()).toEqual([...parameterArns].sort());
    });

    test("grants kms:Decrypt on its key only through SSM and only for its own parameters, or for its own environment", () => {
      const kms = statements(rolePolicy.policy).filter((s) => s.Action.some((a: string) => a.startsWith("kms:")));
      expect(kms.map((s) => s.Sid).sort()).toEqual(["DecryptOwnEnvironment", "DecryptOwnSecretParametersThroughSsm"]);
      const ssm = kms.find((s) => s.Sid === "DecryptOwnSecretParametersThroughSsm")!;
      expect(ssm.Action).toEqual(["kms:Decrypt"]);
      expect(ssm.Resource).toEqual([keyArn]);
      expect(ssm.Condition.StringEquals["kms:ViaService"]).toMatch(
        /^ssm\.\$\{data\.aws_region\.[^}]+\.region\}\.\$\{data\.aws_partition\.[^}]+\.dns_suffix\}$/,
      );
      expect(ssm.Condition.StringEquals["kms:EncryptionContext:PARAMETER_ARN"].sort()).toEqual(
        [...parameterArns].sort(),
      );
    });

    test('has no wildcard in any action, and none in a resource but the log stream name and the X-Ray statement\'s "*"', () => {
      for (const statement of statements(rolePolicy.policy)) {
        expect(statement.Effect).toBe("Allow");
        for (const action of statement.Action) expect(action).not.toContain("*");
        if (statement.Sid === "WriteTraces") continue; // asserted exactly in "tracing"
        for (const resource of statement.Resource) {
          expect(resource.replace(/^\$\{aws_cloudwatch_log_group\.[^}]+\.arn\}:log-stream:\*$/, "")).not.toContain("*");
        }
      }
      const star = statements(rolePolicy.policy).filter((s) => JSON.stringify(s.Resource).includes('"*"'));
      expect(star).toEqual([
        {
          Sid: "WriteTraces",
          Effect: "Allow",
          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
          Resource: ["*"],
        },
      ]);
    });

    test("takes roleName, for a function name deployed in several regions of one account", () => {
      const [, custom] = only(synthNotifier({ roleName: "notifier-eu-west-1" }), "aws_iam_role");
      expect(custom.name).toBe("notifier-eu-west-1");
      expect(role.name).toBe("notifier");
    });

    test("grants a function without secrets or environment nothing but its logs and traces", () => {
      const bare = synthNotifier({ secrets: [] });
      expect(resources(bare, "aws_ssm_parameter")).toHaveLength(0);
      const [, policy] = only(bare, "aws_iam_role_policy");
      expect(statements(policy.policy).map((s) => s.Sid)).toEqual(["WriteOwnLogStreams", "WriteTraces"]);
      const [, untraced] = only(synthNotifier({ secrets: [], tracing: false }), "aws_iam_role_policy");
      expect(statements(untraced.policy).map((s) => s.Sid)).toEqual(["WriteOwnLogStreams"]);
    });
  });

  describe("function", () => {
    test("runs the bundle's zip, made at synth time, with its hash as a literal and no archive provider", () => {
      expect(fn.filename).toMatch(/^assets\/Bundle-[0-9a-f]{12}_Code_[0-9A-F]+\/[0-9a-f]{64}\/code\.zip$/);
      expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(json.provider!.archive).toBeUndefined();
      expect(json.data?.archive_file).toBeUndefined();
      expect(Object.keys(json.terraform.required_providers)).toEqual(["aws"]);
    });

    test("defaults to nodejs22.x on arm64, handler index.handler", () => {
      expect(fn.runtime).toBe("nodejs22.x");
      expect(fn.architectures).toEqual(["arm64"]);
      expect(fn.handler).toBe("index.handler");
      expect(fn.function_name).toBe("notifier");
    });

    test("has only plain variables and parameter names in its environment", () => {
      expect(fn.environment.variables).toEqual({
        GITHUB_API_URL: "https://api.github.com",
        GITHUB_TOKEN_PARAM_NAME: "/notifier/github_token",
        SLACK_WEBHOOK_URL_PARAM_NAME: "/notifier/slack_webhook_url",
        SECRETS_LOADER_TIMEOUT_MS: "9000",
      });
      expect(JSON.stringify(fn)).not.toContain(PLACEHOLDER_VALUE);
    });

    test("takes handler, runtime, architecture, memorySize, timeout and tags", () => {
      const [, custom] = only(
        synthNotifier({
          handler: "other",
          runtime: "nodejs24.x",
          architecture: "x86_64",
          memorySize: 1024,
          timeout: 30,
          tags: { team: "sre" },
        }),
        "aws_lambda_function",
      );
      expect(custom).toMatchObject({
        handler: "index.other",
        runtime: "nodejs24.x",
        architectures: ["x86_64"],
        memory_size: 1024,
        timeout: 30,
        tags: { team: "sre" },
      });
    });
  });

  describe("tracing", () => {
    test('traces actively by default, and lets the role write traces in a statement of its own: the two X-Ray actions on "*"', () => {
      expect(fn.tracing_config).toEqual({ mode: "Active" });
      const xray = statements(rolePolicy.policy).filter((s) => s.Action.some((a: string) => a.startsWith("xray:")));
      expect(xray).toEqual([
        {
          Sid: "WriteTraces",
          Effect: "Allow",
          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
          Resource: ["*"],
        },
      ]);
    });

    test("tracing: false sets no tracing_config and grants no X-Ray action", () => {
      const untraced = synthNotifier({ tracing: false });
      expect(only(untraced, "aws_lambda_function")[1].tracing_config).toBeUndefined();
      expect(only(untraced, "aws_iam_role_policy")[1].policy).not.toContain("xray:");
    });
  });

  describe("environment encryption", () => {
    test("encrypts the environment with the function's key", () => {
      expect(fn.kms_key_arn).toBe(keyArn);
    });

    test("lets the role decrypt with the key only for this function's environment, by a function ARN built from its parts", () => {
      const decrypt = statements(rolePolicy.policy).find((s) => s.Sid === "DecryptOwnEnvironment")!;
      expect(decrypt.Action).toEqual(["kms:Decrypt"]);
      expect(decrypt.Resource).toEqual([keyArn]);
      // Not the function's own `arn`: the policy exists before the function.
      expect(decrypt.Condition).toEqual({
        StringEquals: {
          "kms:EncryptionContext:aws:lambda:FunctionArn": expect.stringMatching(
            /^arn:\$\{data\.aws_partition\.[^}]+\.partition\}:lambda:\$\{data\.aws_region\.[^}]+\.region\}:\$\{data\.aws_caller_identity\.[^}]+\.account_id\}:function:notifier$/,
          ),
        },
      });
    });

    test("without any variable emits no environment block, no key and no environment decrypt statement", () => {
      const bare = synthNotifier({ secrets: [] });
      const [, bareFn] = only(bare, "aws_lambda_function");
      expect(bareFn.environment).toBeUndefined();
      expect(bareFn.kms_key_arn).toBeUndefined();
      expect(statements(only(bare, "aws_iam_role_policy")[1].policy).map((s) => s.Sid)).not.toContain(
        "DecryptOwnEnvironment",
      );
    });

    test("keeps the SSM decrypt statement unchanged beside it", () => {
      expect(statements(rolePolicy.policy).map((s) => s.Sid)).toEqual([
        "WriteOwnLogStreams",
        "ReadOwnSecretParameters",
        "DecryptOwnSecretParametersThroughSsm",
        "DecryptOwnEnvironment",
        "WriteTraces",
      ]);
    });
  });

  describe("concurrency", () => {
    test("reserves no concurrency by default", () => expect(fn.reserved_concurrent_executions).toBeUndefined());

    test("takes reservedConcurrentExecutions, 0 included", () => {
      expect(
        only(synthNotifier({ reservedConcurrentExecutions: 5 }), "aws_lambda_function")[1]
          .reserved_concurrent_executions,
      ).toBe(5);
      expect(
        only(synthNotifier({ reservedConcurrentExecutions: 0 }), "aws_lambda_function")[1]
          .reserved_concurrent_executions,
      ).toBe(0);
    });
  });

  describe("dead-letter queue", () => {
    test("has none by default", () => {
      expect(fn.dead_letter_config).toBeUndefined();
      expect(resources(json, "aws_sqs_queue")).toHaveLength(0);
      expect(rolePolicy.policy).not.toMatch(/sqs:|sns:/);
    });

    test("true creates <functionName>-dlq, SQS-encrypted, kept 14 days, and lets the role send to exactly that queue", () => {
      let construct: SecureLambda | undefined;
      const withDlq = synthStack((stack) => {
        construct = new SecureLambda(stack, "notifier", {
          functionName: "notifier",
          entry: HELLO_ENTRY,
          deadLetterTarget: true,
          tags: { team: "sre" },
        });
      });
      const [queueName, queue] = only(withDlq, "aws_sqs_queue");
      expect(queueName).toMatch(/^notifier_DeadLetterQueue_/);
      expect(queue).toEqual({
        name: "notifier-dlq",
        sqs_managed_sse_enabled: true,
        message_retention_seconds: 1209600,
        tags: { team: "sre" },
      });
      const queueArn = ref("aws_sqs_queue", queueName, "arn");
      expect(only(withDlq, "aws_lambda_function")[1].dead_letter_config).toEqual({ target_arn: queueArn });
      const send = statements(only(withDlq, "aws_iam_role_policy")[1].policy).filter((s) =>
        s.Action.some((a: string) => /^(sqs|sns):/.test(a)),
      );
      expect(send).toEqual([
        { Sid: "SendToDeadLetterQueue", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [queueArn] },
      ]);
      expect(construct!.deadLetterQueue?.nameInput).toBe("notifier-dlq");
    });

    test.each([
      [
        "an existing SQS queue",
        "arn:aws:sqs:eu-west-1:123456789012:failed-events",
        "sqs:SendMessage",
        "SendToDeadLetterQueue",
      ],
      [
        "an existing SNS topic",
        "arn:aws:sns:eu-west-1:123456789012:failed-events",
        "sns:Publish",
        "PublishToDeadLetterTopic",
      ],
    ])(
      "{ targetArn } of %s is the target, with exactly its one action on exactly that ARN",
      (_, targetArn, action, sid) => {
        let construct: SecureLambda | undefined;
        const withTarget = synthStack((stack) => {
          construct = new SecureLambda(stack, "notifier", {
            functionName: "notifier",
            entry: HELLO_ENTRY,
            deadLetterTarget: { targetArn },
          });
        });
        expect(resources(withTarget, "aws_sqs_queue")).toHaveLength(0);
        expect(construct!.deadLetterQueue).toBeUndefined();
        expect(only(withTarget, "aws_lambda_function")[1].dead_letter_config).toEqual({ target_arn: targetArn });
        const send = statements(only(withTarget, "aws_iam_role_policy")[1].policy).filter((s) =>
          s.Action.some((a: string) => /^(sqs|sns):/.test(a)),
        );
        expect(send).toEqual([{ Sid: sid, Effect: "Allow", Action: [action], Resource: [targetArn] }]);
      },
    );

    test("{ targetArn } may be a reference to a queue of the stack", () => {
      const withRef = synthStack((stack) => {
        const queue = new SqsQueue(stack, "Failures", { name: "failures", sqsManagedSseEnabled: true });
        new SecureLambda(stack, "notifier", {
          functionName: "notifier",
          entry: HELLO_ENTRY,
          deadLetterTarget: { targetArn: queue.arn },
        });
      });
      const send = statements(only(withRef, "aws_iam_role_policy")[1].policy).find(
        (s) => s.Sid === "SendToDeadLetterQueue",
      )!;
      expect(send.Action).toEqual(["sqs:SendMessage"]);
      expect(send.Resource).toEqual(["${aws_sqs_queue.Failures.arn}"]);
    });
  });

  describe("function URL", () => {
    test("has none by default", () => expect(resources(json, "aws_lambda_function_url")).toHaveLength(0));

    test("functionUrl: true creates one that requires IAM authentication, and exposes it", () => {
      let construct: SecureLambda | undefined;
      const withUrl = synthStack((stack) => {
        construct = new SecureLambda(stack, "notifier", {
          functionName: "notifier",
          entry: HELLO_ENTRY,
          functionUrl: true,
        });
      });
      const [fnName] = only(withUrl, "aws_lambda_function");
      expect(only(withUrl, "aws_lambda_function_url")[1]).toEqual({
        authorization_type: "AWS_IAM",
        function_name: ref("aws_lambda_function", fnName, "function_name"),
      });
      expect(construct!.functionUrl?.authorizationTypeInput).toBe("AWS_IAM");
    });
  });

  describe("code signing", () => {
    test("has no code-signing config by default", () => expect(fn.code_signing_config_arn).toBeUndefined());

    test("takes codeSigningConfigArn", () => {
      const arn = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0";
      expect(only(synthNotifier({ codeSigningConfigArn: arn }), "aws_lambda_function")[1].code_signing_config_arn).toBe(
        arn,
      );
    });
  });

  describe("sharing", () => {
    test("bundles an entry once for several functions with the same options", () => {
      const before = bundlingRuns();
      const shared = synthStack((stack) => {
        for (const name of ["a", "b", "c"])
          new SecureLambda(stack, name, { functionName: name, entry: HELLO_ENTRY, secrets: ["token"], minify: false });
      });
      expect(bundlingRuns() - before).toBe(1);
      expect(new Set(resources(shared, "aws_lambda_function").map(([, f]) => f.filename)).size).toBe(1);
      expect(resources(shared, "aws_lambda_function")).toHaveLength(3);
    });

    test("uses a shared kmsKey instead of creating one, and lets logs use it for each function", () => {
      const sharedJson = synthStack((stack) => {
        const kmsKey = new SecretsKey(stack, "SharedKey", { aliasName: "team-secrets" });
        new SecureLambda(stack, "a", { functionName: "a", entry: HELLO_ENTRY, secrets: ["token"], kmsKey });
        new SecureLambda(stack, "b", { functionName: "b", entry: HELLO_ENTRY, secrets: ["token"], kmsKey });
      });
      const [sharedKeyName, sharedKey] = only(sharedJson, "aws_kms_key");
      expect(only(sharedJson, "aws_kms_alias")[1].name).toBe("alias/team-secrets");
      const logs = statements(sharedKey.policy).find((s) => s.Principal?.Service);
      expect(
        logs!.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"].map(
          (arn: string) => arn.split(":log-group:")[1],
        ),
      ).toEqual(["/aws/lambda/a", "/aws/lambda/b"]);
      for (const [, parameter] of resources(sharedJson, "aws_ssm_parameter")) {
        expect(parameter.key_id).toBe(ref("aws_kms_key", sharedKeyName, "arn"));
      }
    });

    test("uses a key managed elsewhere by its ARN, creating none, and warns that its policy must let logs use it", () => {
      const arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      let construct: SecureLambda | undefined;
      const imported = synthStack((stack) => {
        construct = new SecureLambda(stack, "a", {
          functionName: "a",
          entry: HELLO_ENTRY,
          secrets: ["token"],
          kmsKey: SecretsKey.fromKeyArn(stack, "TeamKey", arn),
        });
      });
      expect(resources(imported, "aws_kms_key")).toHaveLength(0);
      expect(only(imported, "aws_ssm_parameter")[1].key_id).toBe(arn);
      expect(only(imported, "aws_cloudwatch_log_group")[1].kms_key_id).toBe(arn);
      const kms = statements(only(imported, "aws_iam_role_policy")[1].policy).find((s) =>
        s.Action.includes("kms:Decrypt"),
      );
      expect(kms!.Resource).toEqual([arn]);
      const warnings = construct!.key.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
      expect(warnings).toEqual([expect.stringContaining("its key policy must let CloudWatch Logs")]);
    });

    test("refuses an alias or malformed ARN as a key managed elsewhere", () => {
      expect(() =>
        synthStack((stack) => SecretsKey.fromKeyArn(stack, "K", "arn:aws:kms:eu-west-1:123456789012:alias/team")),
      ).toThrow(/test\/K: invalid keyArn: "arn:aws:kms:eu-west-1:123456789012:alias\/team": allowed is a KMS key ARN/);
    });

    test("creates the account, region and partition lookups once per stack", () => {
      const many = synthStack((stack) => {
        for (const name of ["a", "b"])
          new SecureLambda(stack, name, { functionName: name, entry: HELLO_ENTRY, secrets: ["token"] });
      });
      expect(Object.keys(many.data!.aws_caller_identity!)).toHaveLength(1);
      expect(Object.keys(many.data!.aws_region!)).toHaveLength(1);
    });
  });

  describe("public members", () => {
    test("expose the resources and each secret's parameter name", () => {
      let construct: SecureLambda | undefined;
      synthStack((stack) => {
        construct = new SecureLambda(stack, "notifier", {
          functionName: "notifier",
          entry: HELLO_ENTRY,
          secrets: SECRETS,
        });
      });
      expect(construct!.parameterName("github_token")).toBe("/notifier/github_token");
      expect(Object.keys(construct!.parameters).sort()).toEqual(SECRETS);
      expect(construct!.function.functionNameInput).toBe("notifier");
      expect(construct!.logGroup.nameInput).toBe("/aws/lambda/notifier");
      expect(construct!.role.nameInput).toBe("notifier");
      expect(construct!.key).toBeInstanceOf(SecretsKey);
      expect(construct!.parameters.github_token!.nameInput).toBe("/notifier/github_token");
      expect(() => construct!.parameterName("nope")).toThrow(/"nope" is not one of this function's secrets/);
    });
  });

  test("deploys a zip from the stack's own assets directory", () => {
    const [, fn] = only(json, "aws_lambda_function");
    // Relative to the stack directory, so cdktf.out/stacks/<env> is self-contained.
    expect(fn.filename).toMatch(/^assets\//);
  });
});
