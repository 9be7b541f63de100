/**
 * The access analysis: for each protected resource of each function (its parameters or
 * secret and the secret's replicas, its keys, its role, the function and its qualified names, its log group, its
 * dead-letter target, and the roles that may invoke it), who the app's policies let in.
 *
 * Every candidate (candidates.ts) is asked every action of every resource, in a request
 * context that satisfies the conditions of each statement that could let it in; a sound
 * pre-filter skips only the requests no statement could allow. The engine decides. An
 * access that intended.ts does not declare is a finding, naming principal, action, resource
 * and the Terraform address of each policy that grants it.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { standInContext, standInPolicy } from "../encryption-context";
import type { FunctionSubject, PolicyDocument } from "../subjects";
import type { AppPolicies, Identity, Invocation, PolicySource } from "./app-policies";
import { candidatesOf } from "./candidates";
import { type Context, couldApply, principalsOf, type Statement, satisfyingContext, statementsOf } from "./documents";
import { intendedBecause } from "./intended";
import { DECLARED_READER, type ReaderAccess } from "./readers";
import { OTHER_ACCOUNT_ID } from "../target";
import type { Candidate, Protected } from "./model";

/** One access nobody declared. */
export interface AccessFinding {
  /** `<stack> / <function>`. */
  readonly function: string;
  readonly principal: string;
  readonly action: string;
  /** `<kind> <ARN>`. */
  readonly resource: string;
  /** The Terraform addresses (`<stack>: <address>`) of the policies that grant it. */
  readonly grantedBy: readonly string[];
  /** The request context keys that differ from the principal's plain request (the conditions it meets). */
  readonly when: Readonly<Record<string, string | string[]>>;
  /** Set when the engine could not evaluate the request: a finding too, never a pass. */
  readonly error?: string;
}

/** What the analysis found, and how many requests it put to the engine. */
export interface AccessReport {
  readonly findings: readonly AccessFinding[];
  readonly requests: number;
  /** The accesses of the declared readers (grantSecretsRead) the engine allows, each once. */
  readonly readers?: readonly ReaderAccess[];
}

const OUTSIDE_IAM: PolicySource = {
  address: "(the principal's own IAM policies: outside the output, assumed to allow everything)",
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

const ACTIONS: Readonly<Record<Protected["kind"], readonly string[]>> = {
  parameter: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParameterHistory", "ssm:PutParameter"],
  secret: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:PutResourcePolicy"],
  key: ["kms:Decrypt", "kms:CreateGrant", "kms:PutKeyPolicy"],
  role: [
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
    "iam:PassRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
  ],
  "invoking role": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML", "iam:PassRole"],
  function: ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl", "lambda:UpdateFunctionCode"],
  "log group": ["logs:FilterLogEvents", "logs:GetLogEvents"],
  queue: ["sqs:ReceiveMessage", "sqs:PurgeQueue"],
  topic: ["sns:Subscribe"],
};

/** Analyses the access to every protected resource of `subjects`. */
export async function analyseAccess(subjects: readonly FunctionSubject[], app: AppPolicies): Promise<AccessReport> {
  const partition = subjects[0]?.target.partition ?? "aws";
  const candidates = candidatesOf(app, partition);
  const findings: AccessFinding[] = [];
  const readers: ReaderAccess[] = [];
  let requests = 0;
  for (const subject of subjects) {
    for (const resource of protectedOf(subject, app, candidates)) {
      for (const { action, resource: arn } of resource.actions) {
        for (const candidate of candidates) {
          const outcome = await ask(candidate, resource, action, arn);
          requests += outcome.requests;
          if (outcome.finding) findings.push(outcome.finding);
          if (outcome.reader) readers.push(outcome.reader);
        }
      }
    }
  }
  return { findings, requests, readers };
}

/** Asks one candidate one action on one resource, in each context that could let it in. */
async function ask(
  candidate: Candidate,
  resource: Protected,
  action: string,
  arn: string,
): Promise<{ requests: number; finding?: AccessFinding; reader?: ReaderAccess }> {
  const owner = resource.owner;
  const name = `${owner.target.stack} / ${owner.functionName}`;
  const label = `${resource.kind} ${arn}`;
  if (resource.unsignedUrl && candidate.kind === "anonymous" && action === "lambda:InvokeFunctionUrl")
    return {
      requests: 0,
      finding: {
        function: name,
        principal: candidate.label,
        action,
        resource: label,
        grantedBy: [resource.unsignedUrl],
        when: {},
      },
    };
  // A principal outside the app, of the resource's own account: what its own IAM policies (outside
  // the output) let it do through the account's delegation is the account's to decide, asked once as
  // "any principal of the account" (intended.ts, row 2). Here only what the app grants it by name.
  const outsideOwnAccount = candidate.kind === "outside" && candidate.accountId === resourceAccount(arn, owner);
  const identityPolicies = outsideOwnAccount ? [] : identityPoliciesOf(candidate);
  const statements = resource.policies.flatMap((source) => statementsOf(source.document));
  const required = resource.policyRequired && (action.startsWith("sts:") || action.startsWith("kms:"));
  const identityStatements = identityPolicies
    .flatMap((source) => statementsOf(source.document))
    .filter((s) => s.Effect === "Allow" && couldApply(s, action, arn));
  const direct: Statement[] = [];
  const delegated: Statement[] = [];
  for (const statement of statements) {
    if (statement.Effect !== "Allow" || !couldApply(statement, action, arn)) continue;
    const match = principalMatch(statement, candidate);
    if (match === "direct") direct.push(statement);
    else if (match === "account") delegated.push(statement);
  }
  const sameAccount = candidate.accountId === resourceAccount(arn, owner);
  const through: Statement[][] = [];
  if (direct.length > 0) through.push(direct.map((s) => s));
  if (identityStatements.length > 0 && (delegated.length > 0 || (sameAccount && !required)))
    through.push([...identityStatements, ...delegated]);
  if (through.length === 0) return { requests: 0 };

  const base = baseContext(candidate, owner, arn);
  // A service acts for a source: of this account, or (a confused deputy) of another.
  const bases = candidate.kind === "service" ? [base, { ...base, "aws:SourceAccount": OTHER_ACCOUNT_ID }] : [base];
  const contexts = new Map<string, Context>(bases.map((b) => [JSON.stringify(b), b]));
  const grantStatements = through.flat();
  for (const start of bases)
    for (const statement of grantStatements) {
      const context = satisfyingContext(statement, start);
      contexts.set(JSON.stringify(context), context);
      for (const other of grantStatements) {
        if (other === statement || contexts.size > 24) continue;
        const both = satisfyingContext(other, context);
        contexts.set(JSON.stringify(both), both);
      }
    }
  let requests = 0;
  let reader: ReaderAccess | undefined;
  for (const context of contexts.values()) {
    const because = intendedBecause({ candidate, resource, action, context });
    // A declared reader is shown with what the engine allows it, not only left out of the findings.
    if (because === DECLARED_READER && !reader) {
      requests++;
      if ((await evaluate(candidate, identityPolicies, resource.policies, action, arn, owner, context)) === "allowed")
        reader = { function: name, principal: candidate.label, action, resource: label };
    }
    if (because) continue;
    requests++;
    const result = await evaluate(candidate, identityPolicies, resource.policies, action, arn, owner, context);
    if (result === "denied") continue;
    const when = Object.fromEntries(
      Object.entries(context).filter(([key, value]) => JSON.stringify(base[key]) !== JSON.stringify(value)),
    );
    if (result !== "allowed")
      return {
        requests,
        reader,
        finding: {
          function: name,
          principal: candidate.label,
          action,
          resource: label,
          grantedBy: [],
          when,
          error: result,
        },
      };
    const grantedBy = await granting(candidate, identityPolicies, resource, action, arn, context);
    requests += identityPolicies.length + resource.policies.length;
    return {
      requests,
      reader,
      finding: { function: name, principal: candidate.label, action, resource: label, grantedBy, when },
    };
  }
  return { requests, reader };
}

/** The policies that grant an allowed request: each that, alone on its side, still allows it. */
async function granting(
  candidate: Candidate,
  identityPolicies: readonly PolicySource[],
  resource: Protected,
  action: string,
  arn: string,
  context: Context,
): Promise<string[]> {
  const found: string[] = [];
  for (const source of resource.policies)
    if ((await evaluate(candidate, identityPolicies, [source], action, arn, resource.owner, context)) === "allowed")
      found.push(source.address);
  for (const source of identityPolicies)
    if ((await evaluate(candidate, [source], resource.policies, action, arn, resource.owner, context)) === "allowed")
      found.push(source.address);
  return found.length > 0 ? found : [...resource.policies, ...identityPolicies].map((source) => source.address);
}

/** How a resource statement's principal takes the candidate: by name, through its account's IAM, or not. */
function principalMatch(statement: Statement, candidate: Candidate): "direct" | "account" | undefined {
  if (statement.NotPrincipal !== undefined) return "direct";
  for (const principal of principalsOf(statement)) {
    if (principal.kind === "*") return candidate.kind === "service" ? undefined : "direct";
    if (principal.kind === "Service" && candidate.kind === "service" && principal.value === candidate.principal)
      return "direct";
    if (principal.kind === "Federated" && candidate.kind === "federated" && principal.value === candidate.principal)
      return "direct";
    if (principal.kind !== "AWS" || candidate.accountId === undefined) continue;
    if (principal.value === candidate.arn) return "direct";
    if (
      principal.value === candidate.accountId ||
      new RegExp(`^arn:[a-z-]+:iam::${candidate.accountId}:root$`).test(principal.value)
    )
      return candidate.kind === "account" ? "direct" : "account";
  }
  return undefined;
}

function identityPoliciesOf(candidate: Candidate): readonly PolicySource[] {
  if (candidate.identity) return candidate.identity.policies;
  return candidate.kind === "account" || candidate.kind === "outside" ? [OUTSIDE_IAM] : [];
}

/** The plain request of a candidate: its account, over TLS, in the resource's region. */
function baseContext(candidate: Candidate, owner: FunctionSubject, arn: string): Context {
  const region = arn.split(":")[3] || owner.target.region;
  const context: Context = { "aws:SecureTransport": "true", "aws:RequestedRegion": region };
  if (candidate.kind === "service") context["aws:SourceAccount"] = owner.target.accountId;
  else if (candidate.accountId !== undefined) {
    context["aws:PrincipalAccount"] = candidate.accountId;
    context["kms:CallerAccount"] = candidate.accountId;
    context["aws:PrincipalArn"] = candidate.arn;
  }
  return context;
}

function resourceAccount(arn: string, owner: FunctionSubject): string {
  const account = arn.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : owner.target.accountId;
}

type Result = "allowed" | "denied" | string;

/** One request to the engine: "allowed", "denied", or the engine's error. */
async function evaluate(
  candidate: Candidate,
  identityPolicies: readonly PolicySource[],
  resourcePolicies: readonly PolicySource[],
  action: string,
  arn: string,
  owner: FunctionSubject,
  context: Context,
): Promise<Result> {
  const statements = resourcePolicies.flatMap((source) =>
    statementsOf(source.document).map(({ Sid: _sid, ...rest }: Statement & { Sid?: unknown }) => rest),
  );
  const resourcePolicy = statements.length > 0 ? standIn({ Version: "2012-10-17", Statement: statements }) : undefined;
  const outcome = await runSimulation(
    {
      request: {
        principal: candidate.kind === "anonymous" ? { type: "Anonymous" } : candidate.principal,
        action,
        resource: { resource: arn, accountId: resourceAccount(arn, owner) },
        contextVariables: standInClaims(standInContext(context)),
      },
      identityPolicies: identityPolicies.map((source, index) => ({
        name: `policy${index}`,
        policy: standIn(source.document),
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  if (outcome.resultType === "error") return `the engine could not evaluate it: ${outcome.errors.message}`;
  return outcome.overallResult === "Allowed" ? "allowed" : "denied";
}

// A federated provider's claim keys (`token.actions.githubusercontent.com:sub`) are unknown to
// the engine, which drops them and then reads the condition as if the key were absent. They are
// renamed, in the policy and the request alike, to a `/`-style key it compares as a plain string.
const CLAIM_KEY = /^[a-z0-9-]+(\.[a-z0-9-]+)+:/i;
const CLAIM_STAND_IN = "aws:PrincipalTag/";

function standInClaims(context: Context): Context {
  return Object.fromEntries(
    Object.entries(context).map(([key, value]) => [CLAIM_KEY.test(key) ? `${CLAIM_STAND_IN}${key}` : key, value]),
  );
}

function standIn(document: PolicyDocument): PolicyDocument {
  const renamed = standInPolicy(document);
  return {
    ...renamed,
    Statement: statementsOf(renamed).map((statement) => {
      const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined;
      if (typeof condition !== "object" || condition === null) return statement;
      return {
        ...statement,
        Condition: Object.fromEntries(
          Object.entries(condition).map(([operator, keys]) => [
            operator,
            Object.fromEntries(
              Object.entries(keys).map(([key, value]) => [
                CLAIM_KEY.test(key) ? `${CLAIM_STAND_IN}${key}` : key,
                value,
              ]),
            ),
          ]),
        ),
      };
    }),
  };
}

/** The protected resources of one function, each with its resource-side policies. */
function protectedOf(subject: FunctionSubject, app: AppPolicies, candidates: readonly Candidate[]): Protected[] {
  // The function, and each qualified name the app gives it (an alias, a permission's or a schedule's qualifier).
  const invocations = app.invocations.filter(
    (i) => i.functionName === subject.functionName && i.accountId === subject.target.accountId,
  );
  const qualifiers = new Set<string>([
    ...(app.aliases.get(`${subject.target.accountId}/${subject.functionName}`) ?? []),
    ...invocations.flatMap((i) => (i.qualifier ? [i.qualifier] : [])),
    ...app.schedules
      .filter((s) => s.targetArn.startsWith(`${subject.functionArn}:`))
      .map((s) => s.targetArn.slice(subject.functionArn.length + 1)),
  ]);
  const functionArns = [subject.functionArn, ...[...qualifiers].map((q) => `${subject.functionArn}:${q}`)];
  const scheduleRoles = app.schedules.filter((s) => functionArns.includes(s.targetArn)).map((s) => s.roleArn);
  const found: Protected[] = [];
  const policiesOf = (arn: string) => app.resourcePolicies.get(arn) ?? [];
  const add = (
    kind: Protected["kind"],
    arn: string,
    policies: readonly PolicySource[],
    options: { policyRequired?: boolean; unsignedUrl?: string; actions?: readonly string[] } = {},
  ) =>
    found.push({
      kind,
      arn,
      actions: (options.actions ?? ACTIONS[kind]).map((action) => ({
        action,
        resource: action === "logs:GetLogEvents" ? `${arn}:log-stream:any` : arn,
      })),
      policies,
      policyRequired: options.policyRequired ?? false,
      unsignedUrl: options.unsignedUrl,
      owner: subject,
      scheduleRoles,
    });
  for (const parameter of subject.parameters) add("parameter", parameter.arn, policiesOf(parameter.arn));
  if (subject.secret) add("secret", subject.secret.arn, policiesOf(subject.secret.arn));
  // A replica holds the same values: Secrets Manager copies the primary's resource policy to it.
  for (const replica of subject.secret?.replicas ?? []) add("secret", replica.arn, policiesOf(subject.secret!.arn));
  const keys = new Set(
    [
      ...subject.parameters.map((p) => p.key.arn),
      subject.secret?.key.arn,
      ...(subject.secret?.replicas ?? []).map((r) => r.key.arn),
      subject.environmentKeyArn,
    ].filter((arn): arn is string => arn !== undefined),
  );
  for (const arn of keys) {
    const policies = policiesOf(arn);
    add("key", arn, policies.length > 0 ? policies : [defaultKeyPolicy(subject)], { policyRequired: true });
  }
  const role = app.identities.find((identity) => identity.arn === subject.role.arn);
  add("role", subject.role.arn, role?.trust ? [role.trust] : [], { policyRequired: true });

  // The function, and each of its qualified names.
  for (const qualifier of [undefined, ...qualifiers]) {
    const arn = qualifier === undefined ? subject.functionArn : `${subject.functionArn}:${qualifier}`;
    const mine = invocations.filter((i) => i.qualifier === qualifier);
    const url = mine.find((i) => i.urlAuthType !== undefined && i.urlAuthType !== "AWS_IAM");
    add(
      "function",
      arn,
      mine.flatMap((i) => permissionSource(i, arn, subject.target.partition)),
      {
        unsignedUrl: url?.address,
        actions: qualifier === undefined ? undefined : ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"],
      },
    );
  }
  add("log group", subject.logGroupArn, app.logPolicies.get(subject.target.accountId) ?? []);
  const deadLetter = subject.deadLetterTargetArn;
  if (deadLetter) add(deadLetter.split(":")[2] === "sns" ? "topic" : "queue", deadLetter, policiesOf(deadLetter));

  // The roles that may invoke the function: whoever may become one may invoke it too.
  const invokers = new Set<Identity>();
  for (const candidate of candidates) {
    const identity = candidate.identity;
    if (identity?.kind !== "role" || identity.arn === subject.role.arn) continue;
    const statements = identity.policies.flatMap((source) => statementsOf(source.document));
    if (
      scheduleRoles.includes(identity.arn) ||
      statements.some(
        (s) => s.Effect === "Allow" && functionArns.some((arn) => couldApply(s, "lambda:InvokeFunction", arn)),
      )
    )
      invokers.add(identity);
  }
  for (const invoker of invokers)
    add("invoking role", invoker.arn, invoker.trust ? [invoker.trust] : [], { policyRequired: true });
  return found;
}

/** A permission as the statement Lambda adds to the function's policy for it. */
function permissionSource(invocation: Invocation, arn: string, partition: string): PolicySource[] {
  const permission = invocation.permission;
  if (!permission) return [];
  const principal = permission.principal;
  const named =
    principal === "*"
      ? "*"
      : /^\d{12}$/.test(principal)
        ? { AWS: `arn:${partition}:iam::${principal}:root` }
        : principal.startsWith("arn:")
          ? { AWS: principal }
          : { Service: principal };
  return [
    {
      address: invocation.address,
      document: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: named,
            Action: permission.action,
            Resource: arn,
            ...(Object.keys(permission.conditions).length > 0 ? { Condition: permission.conditions } : {}),
          },
        ],
      },
    },
  ];
}

/** The key policy AWS gives a key the app names but does not manage: the account's IAM decides. */
function defaultKeyPolicy(subject: FunctionSubject): PolicySource {
  const { partition, accountId } = subject.target;
  return {
    address: "(a key managed elsewhere: its default key policy is assumed)",
    document: {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    },
  };
}
