import { allows, awsPrincipals, parseStatements } from "../policy-documents";
import { resourcesOf, type PostureFinding, type PostureRule, ruleIdOf } from "../rule";

export const kmsKeyNoWildcardPrincipalRule: PostureRule = {
  id: ruleIdOf(__filename),
  title: 'no KMS key policy allows any principal ("*")',
  why: 'A key policy that allows "*" lets any AWS account use the key, if only a condition stands in the way: one mistaken condition and anyone can decrypt the secrets.',
  nearest: ["CKV_AWS_33"],
  scannerGap:
    'CKV_AWS_33 reads a key policy only as an HCL object; synthesized JSON holds it as a JSON string, and Checkov 3.3.30 passes a key whose policy allows "*". Trivy 0.74 has no check of key-policy principals.',
  check: (json) => {
    const findings: PostureFinding[] = [];
    for (const [address, key] of resourcesOf(json, "aws_kms_key")) {
      if (key.policy === undefined) continue;
      const statements = parseStatements(key.policy);
      if (statements === undefined) {
        findings.push({ address, problem: "its policy is not a JSON policy document" });
        continue;
      }
      for (const statement of statements.filter(allows)) {
        if (awsPrincipals(statement).includes("*"))
          findings.push({ address, problem: `statement ${statement.Sid ?? "(no Sid)"} allows the principal "*"` });
      }
    }
    return findings;
  },
};
