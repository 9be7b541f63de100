/**
 * The deploy policy under moto's own IAM enforcement: moto checks IAM on every request after
 * the first INITIAL_NO_AUTH_ACTION_COUNT (set through its /moto-api/reset-auth), so dev is
 * deployed by a principal that holds only its deploy policy. What moto 5.2.5 evaluates, read
 * in moto/core/responses.py and moto/iam/access_control.py and shown here:
 *
 * - the action of each request, by its own parsing of the request (independent of the
 *   suite's recording proxy): a missing action fails the deploy, naming it;
 * - a statement's Resource only for IAM roles that exist, SQS queues that exist and S3; for
 *   every other service (and a role or queue not created yet) the request's resource is
 *   "*", which no statement scoped to an ARN matches;
 * - no condition: it evaluates a Condition without the request's values, so every condition
 *   holds (iam:PassedToService, the keys' tags, kms:ViaService are not enforced); and the
 *   KMS calls a service makes on the caller's behalf are not made at all.
 *
 * And moto checks a bodiless request's signature against a payload rebuilt from its parsed
 * parameters, so it refuses the Go SDK's Lambda GETs (SignatureDoesNotMatch) with
 * enforcement on: the runs go through the recording proxy, which signs every request again
 * for the same principal with the payload hash as a signed header.
 *
 * So the policy as written cannot pass moto, and its scoping is proven by the policy engine
 * of the audit (npm run audit -- --deployer), not here; its list of actions is proven here.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import * as fs from "node:fs";
import { operationOf, type RecordedRequest } from "../../audit/deployer/api-calls";
import * as os from "node:os";
import * as path from "node:path";
import { deployerPolicy, type DeployerPolicy } from "../../audit/deployer/policy";
import { loadTools, startMoto, type Run, type Tools } from "../../cli/real-tools";
import { environments } from "../../config/environments";
import { buildApp } from "../../main";
import { DeployedStack } from "./helpers/deployed-stack";
import { CleanUp, ConcurrentRuns } from "./helpers/concurrent-runs";
import { startRecordingProxy } from "./helpers/recording-proxy";
import { editJson, terraformAsync } from "./helpers/terraform-async";

/** An action every apply of dev calls (the provider reads each function's code-signing config). */
const LEFT_OUT = "lambda:GetFunctionCodeSigningConfig";
const BUDGET_MS = 25 * 60_000;

/** What a principal holding only one policy could do to dev, and what moto answered each request. */
interface EnforcedDeploy {
  readonly apply: Run;
  readonly destroy?: Run;
  readonly recorded: readonly RecordedRequest[];
}

let tools: Tools;
const cleanup = new CleanUp();
const enforced = new ConcurrentRuns<EnforcedDeploy>();

/**
 * Creates the principal with its three unauthenticated requests, then deploys dev (and destroys it) as that principal.
 */
async function deployAsPrincipalHolding(document: unknown): Promise<EnforcedDeploy> {
  const config = environments.dev;
  const moto = await startMoto(tools);
  cleanup.push(() => moto.stop());
  const reset = await fetch(`${moto.url}/moto-api/reset-auth`, {
    method: "POST",
    body: "3",
    signal: AbortSignal.timeout(10_000),
  });
  if (!reset.ok) throw new Error(`moto refused reset-auth: ${reset.status}`);
  const iam = new IAMClient({
    region: config.region,
    endpoint: moto.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  await iam.send(new CreateUserCommand({ UserName: "deployer" }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: "deployer",
      PolicyName: "deployer",
      PolicyDocument: JSON.stringify(document),
    }),
  );
  const { AccessKey: key } = await iam.send(new CreateAccessKeyCommand({ UserName: "deployer" }));
  const credentials = { accessKeyId: key!.AccessKeyId!, secretAccessKey: key!.SecretAccessKey! };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-enforced-"));
  const proxy = await startRecordingProxy(moto.url, path.join(dir, "calls.jsonl"), { resignAs: credentials });
  cleanup.push(() => proxy.stop());
  const stack = DeployedStack.synthesize(tools, { ...moto, url: proxy.url, port: proxy.port }, "dev", config);
  cleanup.push(() => {
    if (!process.env.KEEP_DEPLOY_DIRS) {
      stack.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  // The local endpoint setting signs with moto's test keys: the principal's keys instead (the one edit here).
  editJson(stack, (json) =>
    Object.assign(json.provider.aws[0], {
      access_key: credentials.accessKeyId,
      secret_key: credentials.secretAccessKey,
    }),
  );
  await terraformAsync(stack, ["init", "-input=false", "-no-color"]);
  const apply = await terraformAsync(stack, ["apply", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
  const destroy =
    apply.code === 0
      ? await terraformAsync(stack, ["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1])
      : undefined;
  return { apply, destroy, recorded: proxy.recorded() };
}

/** The policy as moto can evaluate it: its actions, on "*", without conditions. */
function actionsOnly(policy: DeployerPolicy, without: readonly string[] = []): unknown {
  const actions = [...new Set(policy.document.Statement.flatMap((s) => s.Action))]
    .filter((a) => !without.includes(a))
    .sort();
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] };
}

beforeAll(async () => {
  tools = loadTools();
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "secure-lambda-deployer-dev-"));
  cleanup.push(() => fs.rmSync(outdir, { recursive: true, force: true }));
  buildApp({ outdir, environments: { dev: environments.dev } }).synth();
  const policy = deployerPolicy({
    name: "dev",
    json: JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "dev", "cdk.tf.json"), "utf8")),
  });
  const experiments: Record<string, () => Promise<EnforcedDeploy>> = {
    "as written": () => deployAsPrincipalHolding(policy.document),
    "actions only": () => deployAsPrincipalHolding(actionsOnly(policy)),
    "actions only, one left out": () => deployAsPrincipalHolding(actionsOnly(policy, [LEFT_OUT])),
  };
  await enforced.run(experiments);
}, BUDGET_MS);

afterAll(() => cleanup.run());

const enforcedRun = (name: string) => enforced.get(name);

/** The requests moto refused, as `<operation signature> <error code>: <message>`. */
function refused(run: EnforcedDeploy): string[] {
  return run.recorded
    .filter(
      (r) => r.status >= 400 && r.errorCode !== undefined && /AccessDenied|Signature|ClientToken/.test(r.errorCode),
    )
    .map((r) => `${r.errorCode}: ${r.errorMessage ?? ""}`);
}

test('moto cannot evaluate the policy as written: for a resource not created yet and for most services it asks about the resource "*", which no scoped statement matches', () => {
  const run = enforcedRun("as written");
  expect(run.apply.code).toBe(1);
  const denials = refused(run);
  expect(denials.length).toBeGreaterThan(0);
  // Denied for the policy, not for the signature: the re-signing holds.
  expect(denials.every((d) => d.startsWith("AccessDenied"))).toBe(true);
  const allowed = new Set(run.recorded.filter((r) => r.status < 400).map((r) => operationOf(r)));
  process.stdout.write(
    `with the policy as written, moto allowed ${[...allowed].sort().join(", ")}; it denied:\n  ${[...new Set(denials)].join("\n  ")}\n`,
  );
});

test("with the policy's actions on \"*\" (all moto evaluates), apply and destroy succeed: moto checks every request's action, and none is missing", () => {
  const run = enforcedRun("actions only");
  expect([run.apply.code, run.apply.code === 0 ? "" : run.apply.stderr.slice(-3000)]).toEqual([0, ""]);
  expect([run.destroy?.code, run.destroy?.code === 0 ? "" : run.destroy?.stderr.slice(-3000)]).toEqual([0, ""]);
  expect(refused(run)).toEqual([]);
  expect(run.recorded.length).toBeGreaterThan(50);
});

test(`leaving out one observed action (${LEFT_OUT}) makes the apply fail, moto naming it: moto does enforce actions`, () => {
  const run = enforcedRun("actions only, one left out");
  expect(run.apply.code).toBe(1);
  expect(refused(run)).toEqual([
    expect.stringMatching(new RegExp(`^AccessDenied.*is not authorized to perform: ${LEFT_OUT}`)),
  ]);
});
