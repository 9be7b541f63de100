/**
 * The RAM stand-in the deploy suite's recording proxy answers RAM with (moto serves no
 * AssociateResourceShare): its statuses and refusals as RAM's API reference gives them, so
 * that the provider's waiters and error handling see what they would see on AWS.
 */
import { answerRam, RamStandIn, type RamRequest } from "./helpers/ram-server";

const ACCOUNT = "123456789012";
const PARAMETER = `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/token`;

function call(ram: RamStandIn, method: string, path: string, body: Record<string, unknown> = {}, query = {}) {
  const request: RamRequest = { method, path, query, body, region: "eu-west-1" };
  const answer = answerRam(ram, request);
  return { status: answer.status, type: answer.headers["x-amzn-errortype"], body: JSON.parse(answer.body.toString()) };
}

function newShare(ram: RamStandIn, allowExternalPrincipals = true): string {
  const created = call(ram, "POST", "/createresourceshare", {
    name: "app-secrets",
    allowExternalPrincipals,
    tags: [{ key: "environment", value: "dev" }],
  });
  expect(created.status).toBe(200);
  return created.body.resourceShare.resourceShareArn;
}

test("a share is ACTIVE once made, and listed as DELETED after deletion, as RAM keeps it", () => {
  const ram = new RamStandIn(ACCOUNT);
  const arn = newShare(ram);
  expect(arn).toMatch(/^arn:aws:ram:eu-west-1:123456789012:resource-share\/[0-9a-f-]{36}$/);
  const list = () => call(ram, "POST", "/getresourceshares", { resourceOwner: "SELF", resourceShareArns: [arn] });
  expect(list().body.resourceShares.map((s: { status: string }) => s.status)).toEqual(["ACTIVE"]);
  expect(call(ram, "DELETE", "/deleteresourceshare", {}, { resourceShareArn: arn }).status).toBe(200);
  expect(list().body.resourceShares.map((s: { status: string }) => s.status)).toEqual(["DELETED"]);
  expect(call(ram, "POST", "/listresourcesharepermissions", { resourceShareArn: arn }).type).toBe(
    "UnknownResourceException",
  );
});

test("an association answers ASSOCIATING, reads ASSOCIATED, and DISASSOCIATED once removed", () => {
  const ram = new RamStandIn(ACCOUNT);
  const arn = newShare(ram);
  const associated = call(ram, "POST", "/associateresourceshare", { resourceShareArn: arn, resourceArns: [PARAMETER] });
  expect(associated.body.resourceShareAssociations.map((a: { status: string }) => a.status)).toEqual(["ASSOCIATING"]);
  const read = () =>
    call(ram, "POST", "/getresourceshareassociations", {
      associationType: "RESOURCE",
      resourceArn: PARAMETER,
      resourceShareArns: [arn],
    }).body.resourceShareAssociations.map((a: { status: string }) => a.status);
  expect(read()).toEqual(["ASSOCIATED"]);
  call(ram, "POST", "/disassociateresourceshare", { resourceShareArn: arn, resourceArns: [PARAMETER] });
  expect(read()).toEqual(["DISASSOCIATED"]);
});

test("refuses what RAM refuses: a resource it does not share, another account on a share closed to them, a bad query", () => {
  const ram = new RamStandIn(ACCOUNT);
  const closed = newShare(ram, false);
  expect(
    call(ram, "POST", "/associateresourceshare", {
      resourceShareArn: closed,
      resourceArns: [`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:x-AbCdEf`],
    }).type,
  ).toBe("MalformedArnException");
  expect(
    call(ram, "POST", "/associateresourceshare", { resourceShareArn: closed, principals: ["210987654321"] }).type,
  ).toBe("OperationNotPermittedException");
  expect(
    call(ram, "POST", "/getresourceshareassociations", { associationType: "RESOURCE", principal: "210987654321" }).type,
  ).toBe("InvalidParameterException");
  expect(call(ram, "POST", "/getresourceshares", {}).type).toBe("InvalidParameterException");
  expect(call(ram, "POST", "/nosuchoperation").status).toBe(404);
});
