import { actionsOf, allows, identityPolicies } from "../policy-documents";
import { ruleIdOf, type PostureFinding, type PostureRule } from "../rule";

export const iamNoWildcardActionRule: PostureRule = {
  id: ruleIdOf(__filename),
  title: "no IAM policy allows a wildcard action",
  why:
    'An action with "*" grants every present and future action it matches: ssm:Get* reads parameter history, kms:* schedules key deletion. ' +
    "Naming each action keeps a role to what its function does.",
  nearest: ["CKV_AWS_62", "CKV_AWS_63", "CKV2_AWS_40"],
  scannerGap:
    'They fail only the action "*" (and full IAM rights): ssm:Get* passes all three. Trivy 0.74\'s AWS-0057 passes it too.',
  check: (json) => {
    const findings: PostureFinding[] = [];
    for (const { address, statements } of identityPolicies(json)) {
      if (statements === undefined) {
        findings.push({ address, problem: "its policy is not a JSON policy document" });
        continue;
      }
      for (const statement of statements.filter(allows)) {
        const sid = statement.Sid ?? "(no Sid)";
        if (statement.NotAction !== undefined)
          findings.push({ address, problem: `statement ${sid} allows with NotAction: every action but those listed` });
        for (const action of actionsOf(statement)) {
          if (/[*?]/.test(action))
            findings.push({
              address,
              problem: `statement ${sid} allows the wildcard action ${JSON.stringify(action)}`,
            });
        }
      }
    }
    return findings;
  },
};
