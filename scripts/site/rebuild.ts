// Rebuilds a results folder's pages from its executed notebooks, without running any cell: each
// <name>.html, its figure files, index.html and the assets, from <name>.ipynb and the run facts the
// runner stored in it. For a change to the pages (scripts/runner/html.ts, scripts/site/*) that should
// reach the tracked results/ without a new full run; the executed notebooks are left untouched, so
// the manifest's source hashes still hold.
//
//   npx tsx scripts/site/rebuild.ts [folder]      (default: results/)
import fs from "node:fs";
import path from "node:path";
import { joinSource, readNotebook, type JsonObject } from "../runner/notebook";
import { clearFigures, writeFigures } from "../runner/figures";
import { renderNotebookPage, type RunStatus, type RunSummary } from "../runner/html";
import { updateIndex, type IndexEntry } from "../runner/index-page";
import { firstHeading } from "../runner/markdown";
import { writeFileAtomic } from "../runner/notebook";

const ROOT = path.resolve(__dirname, "..", "..");

export function rebuildSite(dir: string): string[] {
  const names = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => f.replace(/\.ipynb$/, ""));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8")) as { notebooks?: IndexEntry[] };
  for (const name of names) {
    const nb = readNotebook(path.join(dir, `${name}.ipynb`), `${name}.ipynb`);
    const facts = ((nb.metadata.bptt_lab as JsonObject | undefined)?.run ?? {}) as {
      status?: RunStatus;
      cell?: number;
      note?: string;
      started?: string;
      duration_ms?: number;
      parameters?: JsonObject;
      preset?: string;
    };
    if (!facts.status || !facts.started)
      throw new Error(`${name}.ipynb has no run facts (metadata.bptt_lab.run): run it with scripts/run-notebooks.ts`);
    const run: RunSummary = {
      status: facts.status,
      cell: facts.cell,
      note: facts.note,
      durationMs: facts.duration_ms ?? 0,
      startedAt: facts.started,
      parameters: facts.parameters ?? {},
      preset: facts.preset,
      source: `notebooks/${name}.ipynb`,
    };
    clearFigures(dir, name);
    const headline = writeFigures(nb, dir, name);
    const title =
      firstHeading(nb.cells.filter((c) => c.cell_type === "markdown").map((c) => joinSource(c.source))) ?? name;
    const page = renderNotebookPage({ nb, name, title, notebookDir: path.join(ROOT, "notebooks"), run });
    writeFileAtomic(path.join(dir, `${name}.html`), page);
    // The source hash stays what the run recorded: the notebook did not run again.
    const sourceHash = manifest.notebooks?.find((e) => e.name === name)?.sourceHash;
    updateIndex(dir, {
      name,
      title,
      status: run.status,
      cell: run.cell,
      durationMs: run.durationMs,
      startedAt: run.startedAt,
      thumbnail: headline?.file,
      sourceHash,
    });
  }
  return names;
}

if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? path.join(ROOT, "results"));
  if (!fs.existsSync(path.join(dir, "index.json"))) {
    process.stderr.write(`${dir} holds no results (no index.json); run scripts/run-notebooks.ts first\n`);
    process.exit(2);
  }
  const names = rebuildSite(dir);
  process.stdout.write(`rebuilt the pages of ${names.length} notebooks in ${dir}: ${names.join(", ")}\n`);
}
