/**
 * The expression pass (constructs/leak-guard/expression/): what Terraform makes of a string of
 * synthesized JSON, so that a literal hidden in an interpolation, a directive or a function call
 * is judged as the value it becomes.
 */
import { readTemplate, UNKNOWN, type ExpressionScope } from "../constructs/leak-guard/expression";
import { CONSOLE_CASES } from "./helpers/expression-cases";

const scope: ExpressionScope = {
  variable: (name) => (name === "rest" ? "p_tail" : name === "settings" ? { key: "from-default" } : UNKNOWN),
  local: (name) => (name === "greeting" ? "hello" : UNKNOWN),
};

describe("the expression pass evaluates as Terraform does", () => {
  test.each(CONSOLE_CASES.map((c) => [c.template, c.json] as const))(
    "%s is %s, as terraform console prints it",
    (template, json) => {
      const { value } = readTemplate(template);
      expect(value).not.toBe(UNKNOWN);
      expect(JSON.stringify(value)).toBe(json);
    },
  );
});

describe("it finds every literal a string can produce", () => {
  test.each([
    ["a string literal in an interpolation", '${"secret"}', "secret"],
    ["a token split by an empty interpolation", 'sec${""}ret', "secret"],
    ["a token split by a directive", "sec%{ if true }%{ endif }ret", "secret"],
    ["join of literal halves", '${join("", ["sec", "ret"])}', "secret"],
    ["base64decode of a literal", '${base64decode("c2VjcmV0")}', "secret"],
    ["a string inside jsondecode", '${jsondecode("{\\"k\\":\\"secret\\"}")}', "secret"],
    ["format of literals", '${format("%s%s", "sec", "ret")}', "secret"],
    ["lower of a literal", '${lower("SECRET")}', "secret"],
    ["a nested quoted template", '${"s${"ecr"}et"}', "secret"],
    ["a heredoc", "${<<EOT\nsecret\nEOT\n}", "secret\n"],
    ["a variable's default", "sec${var.rest}", "secp_tail"],
    ["a local's value", "${local.greeting}", "hello"],
    ["an attribute of a variable's default", "${var.settings.key}", "from-default"],
    ["an index into a variable's default", '${var.settings["key"]}', "from-default"],
    ["both branches of an unknown condition", '${var.unknown ? "secret" : "other"}', "secret"],
    ["the body of a for directive", "%{ for x in var.list }secret%{ endfor }", "secret"],
    ["an argument of a function the pass does not know", '${sha256("secret")}', "secret"],
    ["an argument of a provider function", '${provider::aws::arn_parse("secret")}', "secret"],
    ["a string in a for expression", '${[for s in var.list : "secret"]}', "secret"],
    ["an escaped string", '${"\\u0073ecret"}', "secret"],
  ])("%s", (_, template, literal) => {
    expect(readTemplate(template, scope).literals).toContain(literal);
  });

  test("joins the text around a reference, leaving the unknown part out", () => {
    const reading = readTemplate("sec${aws_x.y.id}ret");
    expect(reading.value).toBe(UNKNOWN);
    expect(reading.joined).toBe("secret");
    expect(reading.literals).toEqual(["sec", "ret"]);
    expect(reading.hasReference).toBe(true);
  });

  test("a single interpolation gives its value as it is: a decoded object stays an object", () => {
    expect(readTemplate('${jsondecode("{\\"A\\":\\"b\\"}")}').value).toEqual({ A: "b" });
  });

  test("an escaped interpolation is text, not a reference", () => {
    const reading = readTemplate("$${aws_x.y.id}");
    expect(reading).toMatchObject({ value: "${aws_x.y.id}", hasReference: false });
  });

  test("text that is not Terraform's syntax is judged whole, and every quoted string in it", () => {
    const reading = readTemplate('${broken("secret"');
    expect(reading.value).toBe(UNKNOWN);
    expect(reading.literals).toEqual(expect.arrayContaining(['${broken("secret"', "secret"]));
  });

  test("a function given a wrong argument is unknown, as an error would stop Terraform", () => {
    expect(readTemplate('${base64decode("not base64!")}').value).toBe(UNKNOWN);
    expect(readTemplate("${element([], 0)}").value).toBe(UNKNOWN);
  });

  test("plain text needs no parsing", () => {
    expect(readTemplate("https://api.github.com")).toEqual({
      literals: ["https://api.github.com"],
      value: "https://api.github.com",
      joined: "https://api.github.com",
      hasReference: false,
    });
  });
});
