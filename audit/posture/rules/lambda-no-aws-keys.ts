import { blockOf } from "../json-values";
import { resourcesOf, type PostureFinding, type PostureRule } from "../rule";

// Access key ids by prefix (AKIA long-term, ASIA temporary, and the other key kinds).
const ACCESS_KEY_ID = /(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}/;
// A secret access key: 40 characters of base64, in a variable whose name says it is AWS's or secret.
const SECRET_ACCESS_KEY = /^[A-Za-z0-9/+]{40}$/;
const CREDENTIAL_VARIABLE = /^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)$/;

export const lambdaNoAwsKeysRule: PostureRule = {
  ids: ["CKV_AWS_45"],
  title: "no Lambda environment holds AWS credentials",
  why:
    "Environment values are shown in clear text by GetFunction, in the console, in the Terraform plan and state: credentials there are readable by everyone who can read the function. " +
    "A function gets its AWS access from its role.",
  check: (json) => {
    const findings: PostureFinding[] = [];
    for (const [address, fn] of resourcesOf(json, "aws_lambda_function")) {
      const variables = blockOf(fn, "environment")?.variables;
      if (typeof variables !== "object" || variables === null) continue;
      for (const [name, value] of Object.entries(variables as Record<string, unknown>)) {
        if (typeof value !== "string" || /^\$\{[^}]*\}$/.test(value)) continue;
        // The finding names the variable, never the value.
        if (CREDENTIAL_VARIABLE.test(name)) findings.push({ address, problem: `variable ${name} sets an AWS credential` });
        else if (ACCESS_KEY_ID.test(value)) findings.push({ address, problem: `variable ${name} holds an AWS access key id` });
        else if (/AWS|SECRET/i.test(name) && SECRET_ACCESS_KEY.test(value)) findings.push({ address, problem: `variable ${name} holds what looks like an AWS secret access key` });
      }
    }
    return findings;
  },
};
