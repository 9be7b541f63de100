import { allows, awsPrincipals, parseStatements } from "../policy-documents";
import { resourcesOf, type PostureFinding, type PostureRule } from "../rule";

export const kmsKeyNoWildcardPrincipalRule: PostureRule = {
  ids: ["CKV_AWS_33"],
  title: "no KMS key policy allows any principal (\"*\")",
  why: "A key policy that allows \"*\" lets any AWS account use the key, if only a condition stands in the way: one mistaken condition and anyone can decrypt the secrets.",
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
        if (awsPrincipals(statement).includes("*")) findings.push({ address, problem: `statement ${statement.Sid ?? "(no Sid)"} allows the principal "*"` });
      }
    }
    return findings;
  },
};
