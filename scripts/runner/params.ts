// Notebook parameters for scripts/run-notebooks.ts, following papermill's convention: the cell
// tagged "parameters" declares defaults; --param / --preset values go into a new cell tagged
// "injected-parameters" right after it, which redeclares them (tslab allows that across cells).
import {
  UsageError,
  cellTags,
  clone,
  joinSource,
  type CodeCell,
  type JsonObject,
  type Notebook,
} from "./notebook";

export interface DeclaredParameters {
  cellIndex: number;
  /** Declared name → its type annotation, if any, kept so that literal types still check. */
  names: Map<string, string | undefined>;
}

// `=>` may appear inside a type annotation (function types); the declaration's `=` is the first other one.
const DECLARATION = /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*((?:=>|[^=])+?))?\s*=(?![=>])/;

export function findParameters(nb: Notebook): DeclaredParameters | undefined {
  const cellIndex = nb.cells.findIndex((c) => c.cell_type === "code" && cellTags(c).includes("parameters"));
  if (cellIndex < 0) return undefined;
  const names = new Map<string, string | undefined>();
  for (const line of joinSource(nb.cells[cellIndex]?.source).split("\n")) {
    const match = DECLARATION.exec(line);
    if (match?.[1]) names.set(match[1], match[2]?.trim() || undefined);
  }
  return { cellIndex, names };
}

/** `NAME=VALUE`, VALUE read as JSON when it parses, else taken as a string. */
export function parseParamArg(arg: string): [string, unknown] {
  const eq = arg.indexOf("=");
  const name = eq < 0 ? "" : arg.slice(0, eq).trim();
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
    throw new UsageError(`bad --param "${arg}": expected NAME=VALUE with NAME an identifier, e.g. --param numIters=200`);
  }
  const text = arg.slice(eq + 1);
  try {
    return [name, JSON.parse(text)];
  } catch {
    return [name, text];
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
  preset?: string;
}

/** The values to inject (preset, then explicit --param on top), checked against the declarations. */
export function resolveParameters({ nb, displayPath, explicit, preset }: ResolveParametersOptions): JsonObject {
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
        throw new UsageError(`preset "${preset}" of ${displayPath} sets unknown parameter "${name}"; ${declaredList(declared)}`);
      }
    }
    values = { ...(chosen as JsonObject) };
  }
  for (const name of Object.keys(explicit)) {
    if (!declared?.names.has(name)) {
      throw new UsageError(`unknown parameter "${name}" for ${displayPath}; ${declaredList(declared)}`);
    }
  }
  return { ...values, ...explicit };
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
