/** Editing a copy of a synthesized stack's JSON, to break one property on purpose. */
import * as fs from "node:fs";
import * as path from "node:path";

/** The one resource of a type in a stack's JSON, to edit; fails when there are zero or several. */
export function onlyBody(json: any, type: string): any {
  const bodies = Object.values(json.resource[type] ?? {});
  if (bodies.length !== 1) throw new Error(`expected one ${type}, found ${bodies.length}`);
  return bodies[0];
}

/** Rewrites the statements of a policy held as JSON text in `holder[attribute]`. */
export function editPolicy(holder: any, attribute: string, edit: (statements: any[]) => void): void {
  const document = JSON.parse(holder[attribute]);
  edit(document.Statement);
  holder[attribute] = JSON.stringify(document);
}

/** The statement with this Sid. */
export const bySid = (statements: any[], sid: string): any => statements.find((s) => s.Sid === sid);

/** Copies the synthesized directory `from` to `to` (assets too) and edits one stack's JSON there; returns `to`. */
export function editedCopy(from: string, to: string, stack: string, edit: (json: any) => void): string {
  fs.cpSync(from, to, { recursive: true });
  const file = path.join(to, "stacks", stack, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
  return to;
}

/** Lets any principal of `account` kms:Decrypt with the stack's first key; returns that key's address. */
export function shareFirstKeyWith(json: any, account: string): string {
  const [address, key] = Object.entries(json.resource.aws_kms_key as Record<string, any>)[0]!;
  editPolicy(key, "policy", (statements) =>
    statements.push({
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: "kms:Decrypt",
      Resource: "*",
    }),
  );
  return address;
}
