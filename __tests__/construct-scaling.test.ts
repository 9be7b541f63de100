/**
 * A function added to a stack costs the same whatever the stack holds already: nothing the
 * construct does per function walks the whole stack (a walk per function makes a 1000-function
 * synth quadratic; `primaryRegionOf` did, and the 1000-function benchmark went from 1.1x to 1.5x of
 * bare). Counted as the constructs visited by `node.findAll()` and `node.children` while one more
 * SecureLambda is made, in a stack of 5 functions and in one of 60.
 */
import { Node } from "constructs";
import { SecureLambda } from "../constructs";
import { App, AwsProvider, TerraformStack } from "../constructs/tf";
import { HELLO_ENTRY } from "./helpers/synth";

const ACCOUNT = "123456789012";

/** Constructs visited by whole-tree walks while `work` runs. */
function visitedDuring(work: () => void): number {
  const findAll = Node.prototype.findAll;
  const children = Object.getOwnPropertyDescriptor(Node.prototype, "children")!;
  let visited = 0;
  Node.prototype.findAll = function (this: Node, ...args: Parameters<Node["findAll"]>) {
    const found = findAll.apply(this, args);
    visited += found.length;
    return found;
  };
  Object.defineProperty(Node.prototype, "children", {
    ...children,
    get(this: Node) {
      const list = children.get!.call(this) as unknown[];
      visited += list.length;
      return list;
    },
  });
  try {
    work();
  } finally {
    Node.prototype.findAll = findAll;
    Object.defineProperty(Node.prototype, "children", children);
  }
  return visited;
}

/** What making the (n+1)th function visits, in a stack of n made by `make`. */
function costOfOneMore(n: number, make: (stack: TerraformStack, i: number) => void): number {
  const app = new App({ outdir: "/tmp/unused-construct-scaling" });
  const stack = new TerraformStack(app, "scaling");
  new AwsProvider(stack, "aws", { region: "eu-west-1", allowedAccountIds: [ACCOUNT] });
  for (let i = 0; i < n; i++) make(stack, i);
  return visitedDuring(() => make(stack, n));
}

const base = (i: number) => ({ functionName: `fn${i}`, entry: HELLO_ENTRY, secrets: ["token"] });

describe.each<[string, (stack: TerraformStack, i: number) => void]>([
  ["the defaults", (stack, i) => new SecureLambda(stack, `fn${i}`, base(i))],
  [
    "Secrets Manager with a replica",
    (stack, i) =>
      new SecureLambda(stack, `fn${i}`, { ...base(i), store: "secretsmanager", replicaRegions: ["eu-central-1"] }),
  ],
  [
    "a reader of another account",
    (stack, i) =>
      new SecureLambda(stack, `fn${i}`, { ...base(i), store: "secretsmanager" }).grantSecretsRead(
        "arn:aws:iam::210987654321:role/reporting",
      ),
  ],
])("one more function (%s)", (_, make) => {
  test("visits as many constructs in a stack of 60 functions as in one of 5", () => {
    expect(costOfOneMore(60, make)).toBe(costOfOneMore(5, make));
  });
});
