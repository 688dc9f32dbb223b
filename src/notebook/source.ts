/**
 * Shows the TypeScript source of a library function in a notebook: where the original labs wrote
 * their BPTT in a cell (002, 003, 004, and 000's SSNN module), the notebooks show the library's
 * reference implementation instead, read from src/ itself, so what the student reads is exactly
 * what runs. Displayed as a fenced `typescript` block in Markdown, which JupyterLab, the classic
 * Notebook and the results site highlight (and which shows without trust).
 *
 * Declarations are found by name with TypeScript's parser over src/**\/*.ts: a function or class
 * by its name, a method as "Class.method", a constant by its name. Introduced in lab 002.
 */
import fs from "node:fs";
import path from "node:path";
import type * as TS from "typescript";
import { describe, rejectUnknownOptions } from "../options";
import { displayBundle } from "./display";

export interface LibrarySource {
  /** The file, relative to the repository, e.g. "src/models/vanilla-rnn-reference.ts". */
  file: string;
  /** First and last line of the declaration (1-based, its doc comment included). */
  startLine: number;
  endLine: number;
  /** The declaration's text, its doc comment included. */
  code: string;
}

/** src/ beside this file (run from src/ by tsx) or beside dist/ (the compiled library notebooks load). */
function sourceRoot(): string {
  const candidates = [path.resolve(__dirname, ".."), path.resolve(__dirname, "../../src")];
  const root = candidates.find(
    (dir) => fs.existsSync(path.join(dir, "index.ts")) && fs.existsSync(path.join(dir, "models")),
  );
  if (!root)
    throw new Error(
      `showSource: the library's TypeScript sources are not in ${candidates.join(" or ")}; it needs the repository's src/ folder`,
    );
  return root;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

type Index = Map<string, LibrarySource[]>;
let cached: { root: string; index: Index } | undefined;

/** Every top-level function, class, class member and constant of src/, by name ("Class.method" for members). */
function buildIndex(root: string): Index {
  // Loaded here, not at the top: only a notebook that shows source pays for the parser.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts: typeof TS = require("typescript");
  const index: Index = new Map();
  const repo = path.dirname(root);
  for (const file of tsFiles(root)) {
    const text = fs.readFileSync(file, "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const add = (name: string, node: TS.Node) => {
      // getFullStart includes the leading trivia: keep the doc comment, drop blank lines before it.
      const start =
        node.getFullStart() + (text.slice(node.getFullStart(), node.getStart()).match(/^\s*/)?.[0].length ?? 0);
      const entry: LibrarySource = {
        file: path.relative(repo, file).split(path.sep).join("/"),
        startLine: sf.getLineAndCharacterOfPosition(start).line + 1,
        endLine: sf.getLineAndCharacterOfPosition(node.getEnd()).line + 1,
        code: text.slice(start, node.getEnd()),
      };
      index.set(name, [...(index.get(name) ?? []), entry]);
    };
    for (const statement of sf.statements) {
      if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
        add(statement.name.text, statement);
        if (ts.isClassDeclaration(statement)) {
          for (const member of statement.members) {
            if (member.name && ts.isIdentifier(member.name)) add(`${statement.name.text}.${member.name.text}`, member);
          }
        }
      } else if (ts.isVariableStatement(statement)) {
        for (const decl of statement.declarationList.declarations) {
          if (ts.isIdentifier(decl.name)) add(decl.name.text, statement);
        }
      }
    }
  }
  return index;
}

/**
 * The source of a library declaration: pass the function itself (its name is looked up) or a
 * name ("trainBptt", "VanillaRnn.forward"). `file` picks one when several files declare the name.
 */
export function librarySource(
  target: ((...args: never[]) => unknown) | string,
  options: { file?: string } = {},
): LibrarySource {
  rejectUnknownOptions("librarySource", options, ["file"]);
  const name = typeof target === "function" ? target.name : target;
  if (typeof name !== "string" || name === "") {
    throw new TypeError(`librarySource: pass a named library function or its name, got ${describe(target)}`);
  }
  const root = sourceRoot();
  if (cached?.root !== root) cached = { root, index: buildIndex(root) };
  const found = (cached.index.get(name) ?? []).filter(
    (s) => options.file === undefined || s.file.endsWith(options.file),
  );
  if (found.length === 0)
    throw new Error(
      `librarySource: no declaration named "${name}" in ${root}${options.file ? ` (file ${options.file})` : ""}; pass an exported function of the library or its name`,
    );
  if (found.length > 1)
    throw new Error(
      `librarySource: "${name}" is declared in ${found.map((s) => s.file).join(", ")}; pass { file } to pick one`,
    );
  return found[0];
}

/**
 * Displays a library declaration's source in the notebook, highlighted, with its file and lines.
 * Returns nothing, so that a cell ending in it shows the code only (librarySource gives the text).
 */
export function showSource(target: ((...args: never[]) => unknown) | string, options: { file?: string } = {}): void {
  const source = librarySource(target, options);
  const where = `${source.file}, lines ${source.startLine}–${source.endLine}`;
  displayBundle({
    "text/markdown": `\`${where}\`\n\n\`\`\`typescript\n${source.code}\n\`\`\`\n`,
    "text/plain": `// ${where}\n${source.code}`,
  });
}
