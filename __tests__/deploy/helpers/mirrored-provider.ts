/**
 * The one edit of the synthesized JSON besides the endpoints, and only where it is needed:
 * the stacks require a range of AWS provider releases (stacks/aws-provider.ts), and the
 * suite applies that range as it is whenever the mirror's build satisfies it. A prerelease
 * build (`6.48.0-dev`, the one 6.x commit the Go module proxy serves) satisfies no range:
 * Terraform matches a prerelease only by an exact constraint, so the stack names it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Tools } from "../../../cli/real-tools";
import { satisfiesConstraint } from "../../../stacks/version-constraint";

/** Applies the edit when needed; returns what it changed (for the test report), or undefined. */
export function pinMirroredProviderIfNeeded(stackDir: string, tools: Tools): string | undefined {
  const file = path.join(stackDir, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  const aws = json.terraform.required_providers.aws;
  if (aws.version !== tools.awsProviderPinned) {
    throw new Error(`the stack requires aws ${aws.version}, tools.json says ${tools.awsProviderPinned}: run npm run tools again`);
  }
  if (satisfiesConstraint(tools.awsProvider, aws.version)) return undefined;
  const required = aws.version as string;
  aws.version = tools.awsProvider;
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return `required_providers.aws.version ${required} -> ${tools.awsProvider}`;
}
