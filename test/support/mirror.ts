// A throwaway copy of the project's layout, for the tests that execute the notebooks the way their
// users do (test/jupyter.test.ts through Jupyter, test/browser.test.ts through the runner, then a
// browser). <mirror>/notebooks/ holds the notebooks to run and <mirror>/results/ receives what they
// write; every other top-level entry of the project (dist, data, node_modules, …) is a symlink.
// So `import * as lab from "../dist"`, "../data/…" and "tslab" resolve as they do from notebooks/,
// while a notebook that writes to "../results/…" writes into the mirror, not into the user's results/.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");

/** The project's notebooks, discovered (never a fixed list): notebooks/*.ipynb in name order. */
export function projectNotebooks(): string[] {
  const dir = path.join(ROOT, "notebooks");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface ProjectMirror {
  root: string;
  notebooks: string;
  results: string;
  remove(): void;
}

// Not linked: what the mirror replaces, and version-control or scratch folders.
const OWN_ENTRIES = new Set(["notebooks", "results"]);

export function makeProjectMirror(prefix: string): ProjectMirror {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const entry of fs.readdirSync(ROOT)) {
    if (OWN_ENTRIES.has(entry) || entry.startsWith(".")) continue;
    fs.symlinkSync(path.join(ROOT, entry), path.join(root, entry));
  }
  const notebooks = path.join(root, "notebooks");
  const results = path.join(root, "results");
  fs.mkdirSync(notebooks);
  fs.mkdirSync(results);
  return { root, notebooks, results, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** The path as a reader of the test output wants it: relative to the project when inside it. */
export function shown(file: string): string {
  const relative = path.relative(ROOT, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative)
    ? relative.split(path.sep).join("/")
    : file;
}
