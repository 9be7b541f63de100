/** Editing a copy of a synthesized stack's JSON, to break one property on purpose. */

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
