// Notebook parameters for scripts/run-notebooks.ts, following papermill's convention: the cell
// tagged "parameters" declares defaults; --param / --preset values go into a new cell tagged
// "injected-parameters" right after it, which redeclares them (tslab allows that across cells).
// The parameters cell is read with TypeScript's parser, to check values against the declarations.
import ts from "typescript";
import { UsageError, cellTags, clone, joinSource, type CodeCell, type JsonObject, type Notebook } from "./notebook";

/** What a parameter's declaration lets it hold, when the runner can tell (else tslab checks). */
export type ParameterType =
  | { kind: "number" | "string" | "boolean" }
  | { kind: "array"; element: ParameterType }
  | { kind: "literal"; values: Array<string | number | boolean> };

export interface ParameterDeclaration {
  /** The type annotation as written, if any, kept so that the injected cell declares the same type. */
  annotation?: string;
  /** The declaration as written, e.g. `const seed = 1`, for messages. */
  text: string;
  type?: ParameterType;
}

export interface DeclaredParameters {
  cellIndex: number;
  /** Declared name → its type annotation, if any. */
  names: Map<string, string | undefined>;
  declarations: Map<string, ParameterDeclaration>;
}

/** The type of an annotation the runner understands: number, string, boolean, T[], literal unions. */
function annotatedType(node: ts.TypeNode): ParameterType | undefined {
  switch (node.kind) {
    case ts.SyntaxKind.NumberKeyword:
      return { kind: "number" };
    case ts.SyntaxKind.StringKeyword:
      return { kind: "string" };
    case ts.SyntaxKind.BooleanKeyword:
      return { kind: "boolean" };
  }
  if (ts.isParenthesizedTypeNode(node)) return annotatedType(node.type);
  if (ts.isArrayTypeNode(node)) {
    const element = annotatedType(node.elementType);
    return element && { kind: "array", element };
  }
  const literals = ts.isUnionTypeNode(node) ? node.types : [node];
  const values: Array<string | number | boolean> = [];
  for (const t of literals) {
    if (!ts.isLiteralTypeNode(t)) return undefined;
    const value = literalValue(t.literal);
    if (value === undefined) return undefined;
    values.push(value);
  }
  return { kind: "literal", values };
}

function literalValue(node: ts.Node): string | number | boolean | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (
    ts.isPrefixUnaryExpression(node) &&
    node.operator === ts.SyntaxKind.MinusToken &&
    ts.isNumericLiteral(node.operand)
  ) {
    return -Number(node.operand.text);
  }
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  return undefined;
}

/** The type TypeScript infers for `let`/`const name = <initializer>` once widened (1 → number). */
function inferredType(node: ts.Expression): ParameterType | undefined {
  const value = literalValue(node);
  if (value !== undefined) return { kind: typeof value as "number" | "string" | "boolean" };
  if (ts.isArrayLiteralExpression(node) && node.elements.length > 0) {
    const elements = node.elements.map(inferredType);
    const first = elements[0];
    if (first && elements.every((e) => JSON.stringify(e) === JSON.stringify(first)))
      return { kind: "array", element: first };
  }
  return undefined;
}

export function findParameters(nb: Notebook): DeclaredParameters | undefined {
  const cellIndex = nb.cells.findIndex((c) => c.cell_type === "code" && cellTags(c).includes("parameters"));
  if (cellIndex < 0) return undefined;
  const source = joinSource(nb.cells[cellIndex]?.source);
  const file = ts.createSourceFile("parameters.ts", source, ts.ScriptTarget.Latest, true);
  const names = new Map<string, string | undefined>();
  const declarations = new Map<string, ParameterDeclaration>();
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const keyword =
      statement.declarationList.flags & ts.NodeFlags.Const
        ? "const"
        : statement.declarationList.flags & ts.NodeFlags.Let
          ? "let"
          : "var";
    for (const decl of statement.declarationList.declarations) {
      if (!ts.isIdentifier(decl.name)) continue;
      const annotation = decl.type?.getText(file);
      const type = decl.type ? annotatedType(decl.type) : decl.initializer ? inferredType(decl.initializer) : undefined;
      names.set(decl.name.text, annotation);
      declarations.set(decl.name.text, { annotation, text: `${keyword} ${decl.getText(file)}`, type });
    }
  }
  return { cellIndex, names, declarations };
}

function describeType(type: ParameterType): string {
  switch (type.kind) {
    case "number":
      return "a number";
    case "string":
      return "a string";
    case "boolean":
      return "true or false";
    case "array":
      return `a list of ${describeType(type.element).replace(/^an? /, "")}s`.replace(/true or falses$/, "booleans");
    case "literal":
      return type.values.length === 1
        ? JSON.stringify(type.values[0])
        : `one of ${type.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
}

function fits(value: unknown, type: ParameterType): boolean {
  switch (type.kind) {
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string":
    case "boolean":
      return typeof value === type.kind;
    case "array":
      return Array.isArray(value) && value.every((v) => fits(v, type.element));
    case "literal":
      return type.values.includes(value as string | number | boolean);
  }
}

/** `NAME=VALUE` → [NAME, VALUE read as JSON when it parses, else as a string, VALUE as typed]. */
export function parseParamArg(arg: string): [string, unknown, string] {
  const eq = arg.indexOf("=");
  const name = eq < 0 ? "" : arg.slice(0, eq).trim();
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
    throw new UsageError(
      `bad --param "${arg}": expected NAME=VALUE with NAME an identifier, e.g. --param numIters=200`,
    );
  }
  const text = arg.slice(eq + 1);
  try {
    return [name, JSON.parse(text), text];
  } catch {
    return [name, text, text];
  }
}

function presetsOf(nb: Notebook): { [preset: string]: unknown } {
  const ours = nb.metadata.bptt_lab as { presets?: unknown } | undefined;
  const presets = ours?.presets;
  return presets && typeof presets === "object" ? (presets as { [preset: string]: unknown }) : {};
}

function declaredList(declared: DeclaredParameters | undefined): string {
  if (!declared) return `it has no code cell tagged "parameters"`;
  return `it declares: ${[...declared.names.keys()].join(", ") || "nothing"}`;
}

export interface ResolveParametersOptions {
  nb: Notebook;
  displayPath: string;
  explicit: JsonObject;
  /** The text given on the command line for each explicit value: a string parameter takes it as is (`--param label=5`). */
  explicitText?: { [name: string]: string };
  preset?: string;
}

/**
 * The values to inject (preset, then explicit --param on top), checked against the declarations:
 * each name must be declared, and each value must fit its declaration's type, so that a typo
 * fails at once rather than at the first cell that uses the value.
 */
export function resolveParameters({
  nb,
  displayPath,
  explicit,
  explicitText = {},
  preset,
}: ResolveParametersOptions): JsonObject {
  const declared = findParameters(nb);
  let values: JsonObject = {};
  if (preset !== undefined) {
    const presets = presetsOf(nb);
    const chosen = presets[preset];
    if (!chosen || typeof chosen !== "object" || Array.isArray(chosen)) {
      const names = Object.keys(presets);
      throw new UsageError(
        `${displayPath} has no preset "${preset}"; ` +
          (names.length ? `its presets: ${names.join(", ")}` : "it defines none (metadata.bptt_lab.presets)"),
      );
    }
    for (const name of Object.keys(chosen)) {
      if (!declared?.names.has(name)) {
        throw new UsageError(
          `preset "${preset}" of ${displayPath} sets unknown parameter "${name}"; ${declaredList(declared)}`,
        );
      }
    }
    values = { ...(chosen as JsonObject) };
  }
  for (const name of Object.keys(explicit)) {
    if (!declared?.names.has(name)) {
      throw new UsageError(`unknown parameter "${name}" for ${displayPath}; ${declaredList(declared)}`);
    }
  }
  const checked: JsonObject = {};
  for (const [name, given] of Object.entries({ ...values, ...explicit })) {
    const declaration = declared?.declarations.get(name);
    const type = declaration?.type;
    let value = given;
    // `--param label=5` means the text "5" for a string parameter, not the number 5.
    if (type?.kind === "string" && typeof value !== "string" && name in explicitText) value = explicitText[name];
    if (type && declaration && !fits(value, type)) {
      const from = name in explicit ? "" : ` (from preset "${preset}")`;
      throw new UsageError(
        `${name} is ${describeType(type)} in ${displayPath} (${declaration.text}); got ${JSON.stringify(value)}${from}`,
      );
    }
    checked[name] = value;
  }
  return checked;
}

/** "injected-parameters" (a valid nbformat 4.5 id), suffixed if the notebook already uses it. */
function injectedCellId(nb: Notebook): string {
  const taken = new Set(nb.cells.map((c) => c.id));
  let id = "injected-parameters";
  for (let k = 2; taken.has(id); k++) id = `injected-parameters-${k}`;
  return id;
}

/**
 * A copy of the notebook with the injected-parameters cell. A cell injected by an earlier run
 * (the input was an executed notebook) is dropped first, as papermill does.
 */
export function injectParameters(nb: Notebook, values: JsonObject): Notebook {
  const copy = clone(nb);
  copy.cells = copy.cells.filter((c) => !cellTags(c).includes("injected-parameters"));
  const declared = findParameters(copy);
  if (!declared || Object.keys(values).length === 0) return copy;
  const lines = Object.entries(values).map(([name, value]) => {
    const type = declared.names.get(name);
    return `let ${name}${type ? `: ${type}` : ""} = ${JSON.stringify(value)};`;
  });
  const cell: CodeCell = {
    cell_type: "code",
    execution_count: null,
    metadata: { tags: ["injected-parameters"] },
    outputs: [],
    source: ["// Parameters injected by scripts/run-notebooks.ts", ...lines].join("\n"),
  };
  // A fixed id, not a random one: two runs with the same parameters write the same notebook.
  if (nb.nbformat > 4 || nb.nbformat_minor >= 5) cell.id = injectedCellId(copy);
  copy.cells.splice(declared.cellIndex + 1, 0, cell);
  return copy;
}
