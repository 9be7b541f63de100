/**
 * A protected environment for real: applied to moto, `destroy` is refused by Terraform
 * itself (prevent_destroy on the parameters and the key); and the audit, with its posture
 * rules, passes on the JSON the deploy suite applies.
 */
import { PassThrough } from "node:stream";
import { loadTools, startMoto, type Moto, type Tools } from "../../cli/real-tools";
import { runAuditCli } from "../../audit/cli";
import { environments } from "../../config/environments";
import { DeployedStack } from "./helpers/deployed-stack";

let tools: Tools;
let moto: Moto;
let stack: DeployedStack;

beforeAll(async () => {
  tools = loadTools();
  moto = await startMoto(tools);
  // prod's shape (protected) with dev's local state: the app refuses a protected environment
  // pointed at a local endpoint, so this one is built with the stack class directly.
  stack = DeployedStack.synthesizeUnchecked(tools, moto, "protected", { ...environments.dev, protected: true });
});

afterAll(async () => {
  await moto?.stop();
  if (!process.env.KEEP_DEPLOY_DIRS) stack?.remove();
});

test("a protected stack applies, and destroy is refused by prevent_destroy", () => {
  stack.deploy();
  const destroy = stack.run(["destroy", "-auto-approve", "-input=false", "-no-color"]);
  expect(destroy.code).not.toBe(0);
  expect(destroy.stderr).toMatch(/Instance cannot be destroyed/);
  expect(destroy.stderr).toMatch(/prevent_destroy/);
  // Nothing was destroyed: the refusal comes at plan time.
  expect(stack.stateOf("aws_ssm_parameter")).toHaveLength(2);
});

test("npm run audit passes on the synthesized JSON the suite applies", async () => {
  let printed = "";
  const out = new PassThrough().on("data", (d: Buffer) => (printed += d.toString()));
  const code = await runAuditCli(["--synthesized", stack.outdir], { stdout: out, stderr: out });
  expect([code, printed]).toEqual([0, expect.stringMatching(/0 unexpected/)]);
});
