/**
 * Who the analysis asks about: every identity of the app, every principal, account, service and
 * federated provider that any policy of the app names (in a principal or in a condition), and
 * the fixed outsiders (another account, this account's own IAM, the usual invoking services,
 * an unsigned caller).
 */
import { OTHER_ACCOUNT_ID } from "../target";
import type { AppPolicies, PolicySource } from "./app-policies";
import { conditionValues, principalsOf, statementsOf } from "./documents";
import type { Candidate } from "./model";

// Services that commonly act on functions, roles and keys: asked about beside those the policies name.
const FIXED_SERVICES = [
  "lambda.amazonaws.com",
  "ec2.amazonaws.com",
  "events.amazonaws.com",
  "sns.amazonaws.com",
  "scheduler.amazonaws.com",
  "states.amazonaws.com",
];

/** Every candidate of the app, each once. */
export function candidatesOf(app: AppPolicies, partition: string): Candidate[] {
  const found = new Map<string, Candidate>();
  const add = (candidate: Candidate) => {
    if (!found.has(`${candidate.kind} ${candidate.arn}`)) found.set(`${candidate.kind} ${candidate.arn}`, candidate);
  };
  const identityArns = new Set(app.identities.map((identity) => identity.arn));
  for (const identity of app.identities)
    add({
      kind: "identity",
      principal: identity.principal,
      arn: identity.arn,
      accountId: identity.accountId,
      identity,
      label: `${identity.kind} ${identity.name} (${identity.stack}: ${identity.address})`,
    });
  const account = (id: string) =>
    add({
      kind: "account",
      principal: `arn:${partition}:iam::${id}:role/any-principal`,
      arn: `arn:${partition}:iam::${id}:role/any-principal`,
      accountId: id,
      label: `any principal of account ${id}`,
    });
  for (const references of app.references.values()) account(references.target.accountId);
  account(OTHER_ACCOUNT_ID);
  for (const service of FIXED_SERVICES) add(service_(service));
  add({ kind: "anonymous", principal: "anonymous", arn: "anonymous", label: "anyone, unsigned" });

  const sources: PolicySource[] = [
    ...[...app.resourcePolicies.values()].flat(),
    ...[...app.logPolicies.values()].flat(),
    ...app.identities.flatMap((identity) => (identity.trust ? [identity.trust] : [])),
  ];
  for (const invocation of app.invocations) {
    const principal = invocation.permission?.principal;
    if (principal === undefined || principal === "*") continue;
    if (/^\d{12}$/.test(principal)) account(principal);
    else if (principal.startsWith("arn:")) named(principal);
    else add(service_(principal));
    for (const values of Object.values(invocation.permission?.conditions ?? {}))
      for (const value of Object.values(values)) for (const id of accountsIn(value)) account(id);
  }
  for (const source of sources)
    for (const statement of statementsOf(source.document)) {
      for (const principal of principalsOf(statement)) {
        if (principal.kind === "Service") add(service_(principal.value));
        else if (principal.kind === "Federated")
          add({ kind: "federated", principal: principal.value, arn: principal.value, label: principal.value });
        else if (principal.kind === "AWS") {
          if (/^\d{12}$/.test(principal.value)) account(principal.value);
          else named(principal.value);
        }
      }
      for (const { values } of conditionValues(statement))
        for (const value of values) for (const id of accountsIn(value)) account(id);
    }
  return [...found.values()];

  function named(arn: string): void {
    if (identityArns.has(arn)) return;
    const root = /^arn:[a-z-]+:iam::(\d{12}):root$/.exec(arn);
    if (root) {
      account(root[1]!);
      return;
    }
    const id = arn.split(":")[4];
    add({ kind: "outside", principal: arn, arn, accountId: id, label: `${arn} (outside the app)` });
    if (id && /^\d{12}$/.test(id)) account(id);
  }
}

function service_(service: string): Candidate {
  return { kind: "service", principal: service, arn: service, label: service };
}

/** The account ids a condition value names: alone, or inside an ARN. */
function accountsIn(value: string): string[] {
  if (/^\d{12}$/.test(value)) return [value];
  const inArn = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(value);
  return inArn ? [inArn[1]!] : [];
}
