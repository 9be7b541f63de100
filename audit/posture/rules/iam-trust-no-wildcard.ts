import { allows, awsPrincipals, trustPolicies } from "../policy-documents";
import type { PostureFinding, PostureRule } from "../rule";

// An account as a principal: its id, or its root ARN (references allowed in the parts).
const ACCOUNT_PRINCIPAL = /^(\d{12}|arn:[^:]+:iam::[^:]+:root)$/;

export const iamTrustNoWildcardRule: PostureRule = {
  ids: ["CKV_AWS_60", "CKV_AWS_61"],
  title: "no role may be assumed by any principal or by a whole account",
  why:
    "A trust policy naming \"*\" lets anyone assume the role; one naming an account lets every user and role of that account assume it. " +
    "Either way the function's permissions, and so its secrets, go to whoever can call sts:AssumeRole.",
  check: (json) => {
    const findings: PostureFinding[] = [];
    for (const { address, statements } of trustPolicies(json)) {
      if (statements === undefined) {
        findings.push({ address, problem: "its assume_role_policy is not a JSON policy document" });
        continue;
      }
      for (const statement of statements.filter(allows)) {
        for (const principal of awsPrincipals(statement)) {
          const sid = statement.Sid ?? "(no Sid)";
          if (principal === "*") findings.push({ address, problem: `trust statement ${sid} lets any principal ("*") assume the role` });
          else if (ACCOUNT_PRINCIPAL.test(principal)) findings.push({ address, problem: `trust statement ${sid} lets a whole account (${principal}) assume the role` });
        }
      }
    }
    return findings;
  },
};
