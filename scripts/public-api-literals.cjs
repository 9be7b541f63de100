// Lists the literal types (`"ssm" | "secretsmanager"`, `256`) and union-keyed maps in the public API of a jsii
// entry point: every exported class and interface that is not @internal, its public properties, its methods'
// and constructors' parameters and return types, through unions, arrays and maps.
//
// jsii 6 widens a string-literal union to `string` without a word, so TypeScript users would see a narrower
// API than every other language: the props take plain strings (validated at synth) and constants classes.
// Run with TypeScript 6, the compiler jsii brings (TypeScript 7 has no JavaScript API).
// Usage: node scripts/public-api-literals.cjs <entry.ts>   (prints one line per finding; exit 1 when any)
const path = require("node:path");

const ts = require(require.resolve("typescript", { paths: [path.dirname(require.resolve("jsii/package.json"))] }));

const entry = path.resolve(process.argv[2] ?? "constructs/index.ts");
const program = ts.createProgram([entry], {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
});
const checker = program.getTypeChecker();
const source = program.getSourceFile(entry);
if (source === undefined) throw new Error(`public-api-literals: cannot read ${entry}`);

const LITERAL = ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral | ts.TypeFlags.TemplateLiteral;

const isInternal = (node) => ts.getJSDocTags(node).some((tag) => tag.tagName.text === "internal");
const isHidden = (member) =>
  isInternal(member) ||
  (member.name !== undefined && ts.isIdentifier(member.name) && member.name.text.startsWith("_")) ||
  (ts.getCombinedModifierFlags(member) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 ||
  (member.name !== undefined && ts.isPrivateIdentifier(member.name));

/** The literal types and union-keyed maps inside a type, as text. */
function problemsIn(type, seen = new Set()) {
  if (seen.has(type)) return [];
  seen.add(type);
  if (type.flags & LITERAL) return [`literal type ${checker.typeToString(type)}`];
  if (type.isUnion() || type.isIntersection()) return type.types.flatMap((member) => problemsIn(member, seen));
  if (checker.isArrayType(type) || checker.isTupleType(type))
    return checker.getTypeArguments(type).flatMap((element) => problemsIn(element, seen));
  if (!(type.flags & ts.TypeFlags.Object)) return [];
  const declarations = type.symbol?.declarations ?? [];
  const named = declarations.some((d) => ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d));
  if (named) return []; // a class or interface of its own: judged where it is declared, if it is exported
  const indexes = checker.getIndexInfosOfType(type);
  const properties = checker.getPropertiesOfType(type);
  if (indexes.length === 0 && properties.length > 0 && type.objectFlags & ts.ObjectFlags.Mapped)
    return [`map keyed by ${properties.map((p) => JSON.stringify(p.name)).join(" | ")}`];
  return indexes.flatMap((index) => problemsIn(index.type, seen));
}

const findings = [];
function judge(where, type) {
  for (const problem of problemsIn(type)) findings.push(`${where}: ${problem}`);
}

function judgeSignature(where, declaration) {
  const signature = checker.getSignatureFromDeclaration(declaration);
  for (const parameter of declaration.parameters) {
    judge(`${where}(${parameter.name.getText()})`, checker.getTypeAtLocation(parameter));
  }
  if (signature !== undefined && !ts.isConstructorDeclaration(declaration))
    judge(`${where}() returns`, checker.getReturnTypeOfSignature(signature));
}

const moduleSymbol = checker.getSymbolAtLocation(source);
for (let symbol of checker.getExportsOfModule(moduleSymbol)) {
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  for (const declaration of symbol.declarations ?? []) {
    if (!(ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration))) continue;
    if (isInternal(declaration)) continue;
    const typeName = symbol.name;
    for (const member of declaration.members) {
      if (isHidden(member)) continue;
      const name = member.name === undefined ? "constructor" : member.name.getText();
      if (ts.isPropertyDeclaration(member) || ts.isPropertySignature(member) || ts.isGetAccessorDeclaration(member)) {
        judge(`${typeName}.${name}`, checker.getTypeAtLocation(member));
      } else if (
        ts.isMethodDeclaration(member) ||
        ts.isMethodSignature(member) ||
        ts.isConstructorDeclaration(member)
      ) {
        judgeSignature(`${typeName}.${name}`, member);
      }
    }
  }
}

for (const finding of findings) console.log(finding);
process.exitCode = findings.length > 0 ? 1 : 0;
