import { actionsOf, allows, identityPolicies } from "../policy-documents";
import type { PostureFinding, PostureRule } from "../rule";

export const iamNoWildcardActionRule: PostureRule = {
  ids: ["CKV_AWS_62", "CKV_AWS_63"],
  title: "no IAM policy allows a wildcard action",
  why:
    "An action with \"*\" grants every present and future action it matches: ssm:Get* reads parameter history, kms:* schedules key deletion. " +
    "Naming each action keeps a role to what its function does. (The scanners fail \"*\" alone; this rule fails any wildcard, and NotAction.)",
  check: (json) => {
    const findings: PostureFinding[] = [];
    for (const { address, statements } of identityPolicies(json)) {
      if (statements === undefined) {
        findings.push({ address, problem: "its policy is not a JSON policy document" });
        continue;
      }
      for (const statement of statements.filter(allows)) {
        const sid = statement.Sid ?? "(no Sid)";
        if (statement.NotAction !== undefined) findings.push({ address, problem: `statement ${sid} allows with NotAction: every action but those listed` });
        for (const action of actionsOf(statement)) {
          if (/[*?]/.test(action)) findings.push({ address, problem: `statement ${sid} allows the wildcard action ${JSON.stringify(action)}` });
        }
      }
    }
    return findings;
  },
};
