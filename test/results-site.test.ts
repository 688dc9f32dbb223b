// The results site (issues 6 and 13), checked in Node: the key numbers (lab.summary) on the index
// and the pages; KaTeX's HTML for the math; the pages' assets (vega, vega-lite, KaTeX, the page
// script bundled from src/); charts as live specs with their static fallback; the live explorable's
// marker; the rule that keeps full results from being replaced by less (scripts/site/results-store.ts);
// and the tracked results/: a full run of every notebook from its current source, within its size
// budget. The browser check (test/browser.test.ts) opens the pages in Chromium.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setDisplayWriter, type DisplayMessage } from "../src/notebook/display";
import { SUMMARY_MIME, summary } from "../src/notebook/summary";
import { SUMMARY_MIME as RUNNER_SUMMARY_MIME, VEGA_LITE_MIME, renderNotebookPage } from "../scripts/runner/html";
import { renderMarkdown } from "../scripts/runner/markdown";
import { ASSET_URLS, writeSiteAssets } from "../scripts/site/assets";
import { explorableMarker } from "../scripts/site/explorable";
import { BASE_CSS, PAGE_CSS } from "../scripts/site/styles";
import { isFullRun, notebookSourceHash, runFactsOf } from "../scripts/site/results-store";
import { rebuildSite } from "../scripts/site/rebuild";
import { projectNotebooks } from "./support/mirror";

const ROOT = path.resolve(__dirname, "..");
const out = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-site-"));
after(() => fs.rmSync(out, { recursive: true, force: true }));

function sent(body: () => void): DisplayMessage[] {
  const messages: DisplayMessage[] = [];
  setDisplayWriter((message) => messages.push(message));
  try {
    body();
  } finally {
    setDisplayWriter(undefined);
  }
  return messages;
}

test("lab.summary sends one output: the numbers as JSON, an HTML table and a text line", () => {
  const [message, ...more] = sent(() => summary({ "final loss": 9.92184e-5, accuracy: "93.4 %", epochs: 20 }));
  assert.equal(more.length, 0);
  assert.deepEqual(message?.data[SUMMARY_MIME], {
    title: "Key numbers",
    entries: [
      { name: "final loss", value: 9.92184e-5, text: "9.922e-5" },
      { name: "accuracy", value: "93.4 %", text: "93.4 %" },
      { name: "epochs", value: 20, text: "20" },
    ],
  });
  assert.equal(message?.data["text/plain"], "Key numbers: final loss 9.922e-5 · accuracy 93.4 % · epochs 20");
  assert.match(
    String(message?.data["text/html"]),
    /^<table class="bptt-lab-summary"><caption>Key numbers<\/caption><tr><th>final loss<\/th><td>9\.922e-5<\/td><\/tr>/,
  );
  assert.equal(SUMMARY_MIME, RUNNER_SUMMARY_MIME, "the runner reads the MIME type the library writes");
});

test("lab.summary refuses what the index could not show, in one line naming the fix", () => {
  assert.throws(
    () => summary({ loss: Number.NaN }),
    /^RangeError: summary: "loss" is NaN; pass a finite number, or a string to show it as text$/,
  );
  assert.throws(
    () => summary({ loss: [1, 2] as unknown as number }),
    /summary: "loss" must be a number or a string, got an array of length 2/,
  );
  assert.throws(() => summary({}), /summary: give at least one key number/);
  assert.throws(
    () => summary({ a: 1 }, { caption: "x" } as object),
    /summary: unknown option caption; options are title/,
  );
});

test("the index lists each notebook's key numbers, run time and figure; the page shows the table", () => {
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/run-notebooks.ts",
      "--out",
      out,
      "test/fixtures/notebooks/summary.ipynb",
      "test/fixtures/notebooks/basic.ipynb",
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  assert.equal(run.status, 0, run.stderr);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, "index.json"), "utf8")) as {
    notebooks: Array<{ name: string; keyNumbers?: Array<{ name: string; text: string }>; thumbnail?: string }>;
  };
  const byName = Object.fromEntries(manifest.notebooks.map((n) => [n.name, n]));
  // A later value replaces an earlier one of the same name, in the place where it first appeared.
  assert.deepEqual(byName.summary?.keyNumbers, [
    { name: "final loss", text: "0.25" },
    { name: "accuracy", text: "90 %" },
  ]);
  assert.deepEqual(byName.basic?.keyNumbers, []);
  const index = fs.readFileSync(path.join(out, "index.html"), "utf8");
  assert.match(
    index,
    /<table class="keys"><tr><th>final loss<\/th><td>0\.25<\/td><\/tr><tr><th>accuracy<\/th><td>90 %<\/td><\/tr><\/table>/,
  );
  assert.match(index, /run time \d/);
  assert.match(index, /<a class="figure" href="basic\.html"><img src="basic\/figure-4-1\.svg"/);
  assert.doesNotMatch(index, /loading="lazy"/, "a screenshot or print shows every figure");
  // The shared rules come from base.css, not inline again; the index keeps only its own rules inline.
  assert.match(index, /<link rel="stylesheet" href="assets\/base\.css">\n<style>/);
  assert.ok(!index.includes(BASE_CSS.trim()), "index.html inlines base.css's rules");
  const page = fs.readFileSync(path.join(out, "summary.html"), "utf8");
  assert.match(
    page,
    /<table class="summary"><caption>Key numbers<\/caption><tr><th>final loss<\/th><td>0\.5<\/td><\/tr>/,
  );
  // …and the final values at the top, in the run's box.
  assert.match(
    page,
    /<div class="run-keys"><span>final loss <strong>0\.25<\/strong><\/span><span>accuracy <strong>90 %<\/strong><\/span><\/div>/,
  );
});

test("inline math may end with an escaped character (lab 004's $\\{0.33, 0.66, 1\\}$), prices stay text", () => {
  const set = renderMarkdown("inputs $\\{0.33, 0.66, 1\\}$ only");
  // KaTeX's HTML, and its MathML for screen readers.
  assert.match(
    set,
    /^<p>inputs <span class="katex"><span class="katex-mathml"><math[^>]*><semantics><mrow><mo stretchy="false">\{<\/mo><mn>0\.33<\/mn>/,
  );
  assert.match(set, /<span class="katex-html" aria-hidden="true">/);
  assert.doesNotMatch(set, /\$/);
  assert.equal(renderMarkdown("costs $5 and $6 today"), "<p>costs $5 and $6 today</p>\n");
});

test("the pages' assets: vega and vega-lite as npm ships them, KaTeX with the woff2 fonts its stylesheet names, the page script", () => {
  const dir = fs.mkdtempSync(path.join(out, "assets-"));
  writeSiteAssets(dir);
  const read = (file: string) => fs.readFileSync(path.join(dir, file));
  assert.ok(read(ASSET_URLS.vega).equals(fs.readFileSync(require.resolve("vega/build/vega.min.js"))));
  assert.ok(read(ASSET_URLS.vegaLite).equals(fs.readFileSync(require.resolve("vega-lite/build/vega-lite.min.js"))));
  const css = read(ASSET_URLS.katexCss).toString();
  const fonts = [...css.matchAll(/url\(([^)]+)\)/g)].map((m) => m[1] as string);
  assert.ok(fonts.length >= 20, `${fonts.length} font URLs`);
  for (const font of fonts) {
    assert.match(font, /^fonts\/KaTeX_[\w-]+\.woff2$/);
    assert.ok(fs.statSync(path.join(dir, "assets", "katex", font)).size > 0, `${font} is copied`);
  }
  // Each stylesheet holds its own rules only: base.css the shared ones, page.css the lab pages'.
  assert.equal(read(ASSET_URLS.baseCss).toString(), BASE_CSS.trimStart());
  assert.equal(read(ASSET_URLS.pageCss).toString(), PAGE_CSS.trimStart());
  const site = read(ASSET_URLS.site).toString();
  // The library's own code, bundled from src/ (not a rewrite), without TensorFlow.js.
  assert.match(site, /\/\/ src\/optim\/rprop\.ts/);
  assert.match(site, /\/\/ src\/models\/linear-rnn\.ts/);
  assert.doesNotMatch(site, /\/\/ node_modules\/@tensorflow/);
  // A second write changes nothing (a tracked results/ shows no change where none was made).
  const before = fs.statSync(path.join(dir, ASSET_URLS.site)).mtimeMs;
  writeSiteAssets(dir);
  assert.equal(fs.statSync(path.join(dir, ASSET_URLS.site)).mtimeMs, before);
});

test("a page draws each chart from its spec, with the static figure file as fallback, and loads only local files", () => {
  const page = fs.readFileSync(path.join(out, "basic.html"), "utf8");
  assert.match(
    page,
    /<link rel="stylesheet" href="assets\/katex\/katex\.min\.css">\n<link rel="stylesheet" href="assets\/base\.css">\n<link rel="stylesheet" href="assets\/page\.css">/,
  );
  for (const tag of page.match(/<(?:script|link|img)\b[^>]*>/g) ?? []) {
    const url = /(?:src|href)="([^"]*)"/.exec(tag)?.[1];
    if (url !== undefined) assert.doesNotMatch(url, /^(?:[a-z]+:)?\/\//i, `${tag} loads from the network`);
  }
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      {
        cell_type: "code" as const,
        source: "",
        metadata: {},
        execution_count: 1,
        outputs: [
          {
            output_type: "display_data" as const,
            metadata: {},
            data: {
              [VEGA_LITE_MIME]: { mark: "point", title: "</script><b>x</b>" },
              "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg'/>",
              "text/plain": "[chart] dots",
            },
          },
        ],
      },
    ],
  };
  const run = {
    status: "ok" as const,
    durationMs: 1,
    startedAt: "2026-01-01T00:00:00.000Z",
    parameters: {},
    source: "nb.ipynb",
  };
  const html = renderNotebookPage({ nb, name: "nb", title: "nb", notebookDir: out, run });
  assert.match(
    html,
    /<figure class="chart" id="chart-1-1"><div class="chart-live"><\/div><img class="chart-static" src="nb\/figure-1-1\.svg" alt="\[chart\] dots"><script type="application\/json" class="chart-spec">/,
  );
  // The spec cannot end its script early, and reads back as it was.
  const json = /<script type="application\/json" class="chart-spec">(.*?)<\/script>/.exec(html)?.[1] ?? "";
  assert.doesNotMatch(json, /<\//);
  assert.deepEqual(JSON.parse(json), nb.cells[0]!.outputs[0]!.data[VEGA_LITE_MIME]);
  assert.match(
    html,
    /<script src="assets\/vega\.min\.js"><\/script>\n<script src="assets\/vega-lite\.min\.js"><\/script>\n<script src="assets\/site\.js"><\/script>/,
  );
});

test("the live explorable's marker is checked field by field, in one line naming the fix", () => {
  const good = {
    model: "linear-rnn",
    batch: {
      x: [
        [1, 0],
        [0, 1],
      ],
      y: [1, 1],
    },
    rprop: { initialStep: 0.003 },
    iterations: 3,
    gradientDescent: { lr: 0.001 },
  };
  assert.deepEqual(explorableMarker({ usermeta: { bpttLab: { liveRprop: good } } }), good);
  assert.equal(explorableMarker({ mark: "point" }), undefined);
  // What else the plot builders record under bpttLab is theirs, not a live explorable.
  assert.equal(
    explorableMarker({
      usermeta: { embedOptions: { actions: false }, bpttLab: { explorable: "loss-surface", panels: [] } },
    }),
    undefined,
  );
  const bad = (change: object) => () =>
    explorableMarker({ usermeta: { bpttLab: { liveRprop: { ...good, ...change } } } });
  assert.throws(bad({ model: "lstm" }), /usermeta\.bpttLab\.liveRprop\.model must be "linear-rnn"/);
  assert.throws(bad({ batch: { x: [[1, 0], [1]], y: [1, 1] } }), /batch\.x: every row must have 2 steps/);
  assert.throws(
    bad({ batch: { x: [[1, 0]], y: [1, 1] } }),
    /batch\.y must hold one finite target per row of batch\.x \(1\)/,
  );
  assert.throws(bad({ gradientDescent: { lr: 0 } }), /gradientDescent must be \{lr: a positive number\}/);
  assert.throws(bad({ iterationz: 3 }), /unknown field iterationz/);
  assert.throws(bad({ start: [1] }), /start must be \[w_x, w_rec\]/);
});

// ---- the tracked results: full runs are replaced only by full runs that ran through

/** A notebook in a folder of its own, with no imports, so that it runs anywhere. */
function writeStoreNotebook(dir: string, { fail, title }: { fail: boolean; title: string }): string {
  const file = path.join(dir, "store.ipynb");
  const cell = (cell_type: "markdown" | "code", source: string, tags?: string[]) => ({
    cell_type,
    source,
    metadata: tags ? { tags } : {},
    ...(cell_type === "code" ? { outputs: [], execution_count: null } : {}),
  });
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" },
      bptt_lab: { presets: { short: { label: "short" } } },
    },
    cells: [
      cell("markdown", `# ${title}`),
      cell("code", `const label = "full";`, ["parameters"]),
      cell("code", fail ? `throw new Error("store fixture fails");` : `console.log("ran " + label);`),
    ],
  };
  fs.writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
  return file;
}

function runner(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/run-notebooks.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
}

function manifestEntry(
  dir: string,
  name: string,
): { sourceHash?: string; status?: string; parameters?: object; preset?: string } | undefined {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8")) as {
    notebooks: Array<{ name: string; sourceHash?: string; status?: string; parameters?: object; preset?: string }>;
  };
  return manifest.notebooks.find((e) => e.name === name);
}

test("a full run's results are replaced only by a full run that runs through; the manifest records the source's hash", () => {
  const src = fs.mkdtempSync(path.join(out, "store-src-"));
  const results = fs.mkdtempSync(path.join(out, "store-results-"));
  const executed = path.join(results, "store.ipynb");
  const file = writeStoreNotebook(src, { fail: false, title: "First" });

  const first = runner(["--out", results, file]);
  assert.equal(first.status, 0, first.stderr);
  const hash = notebookSourceHash(JSON.parse(fs.readFileSync(file, "utf8")));
  assert.deepEqual(manifestEntry(results, "store"), {
    ...manifestEntry(results, "store"),
    status: "ok",
    sourceHash: hash,
    parameters: {},
  });
  const full = fs.readFileSync(executed, "utf8");

  // A short run over them is refused before any cell runs, and changes nothing.
  const short = runner(["--out", results, "--preset", "short", file]);
  assert.equal(short.status, 2);
  assert.match(
    short.stderr,
    /holds the full run of store, which a --preset short run would replace; pass --out DIR to write it elsewhere/,
  );
  const param = runner(["--out", results, "--param", "label=x", file]);
  assert.equal(param.status, 2);
  assert.match(param.stderr, /which a --param run would replace/);
  assert.equal(fs.readFileSync(executed, "utf8"), full);

  // A full run that fails leaves them as they were; its own results wait in .partial/.
  writeStoreNotebook(src, { fail: true, title: "Second" });
  const failing = runner(["--out", results, file]);
  assert.equal(failing.status, 1);
  assert.match(failing.stderr, /\[store\] kept the earlier full results in .*; this run's are in .*\.partial/);
  assert.equal(fs.readFileSync(executed, "utf8"), full);
  assert.equal(manifestEntry(results, "store")?.sourceHash, hash);
  assert.match(fs.readFileSync(path.join(results, ".partial", "store.ipynb"), "utf8"), /store fixture fails/);

  // A full run that runs through replaces them, with the new source's hash.
  writeStoreNotebook(src, { fail: false, title: "Third" });
  const third = runner(["--out", results, file]);
  assert.equal(third.status, 0, third.stderr);
  assert.match(fs.readFileSync(executed, "utf8"), /# Third/);
  assert.match(fs.readFileSync(path.join(results, "store.html"), "utf8"), /Third/);
  assert.equal(
    manifestEntry(results, "store")?.sourceHash,
    notebookSourceHash(JSON.parse(fs.readFileSync(file, "utf8"))),
  );
  assert.notEqual(manifestEntry(results, "store")?.sourceHash, hash);
  assert.equal(fs.existsSync(path.join(results, ".partial")), false, "nothing is left staged");

  // The pages can be rebuilt from the executed notebook alone: it and its source hash stay as they were.
  const executedBefore = fs.readFileSync(executed, "utf8");
  const hashBefore = manifestEntry(results, "store")?.sourceHash;
  fs.rmSync(path.join(results, "store.html"));
  assert.deepEqual(rebuildSite(results), ["store"]);
  assert.match(fs.readFileSync(path.join(results, "store.html"), "utf8"), /<h1[^>]*>Third<\/h1>[\s\S]*ran full/);
  assert.equal(fs.readFileSync(executed, "utf8"), executedBefore);
  assert.equal(manifestEntry(results, "store")?.sourceHash, hashBefore);
});

test("the source hash follows what decides the results, not what JupyterLab rewrites on save", () => {
  const nb = JSON.parse(fs.readFileSync(path.join(ROOT, "test", "fixtures", "notebooks", "basic.ipynb"), "utf8"));
  const hash = notebookSourceHash(nb);
  const copy = () => JSON.parse(JSON.stringify(nb));
  const saved = copy();
  saved.metadata.language_info = { name: "typescript", version: "5.0.4" };
  saved.cells[1].id = "changed";
  saved.cells[1].metadata.execution = { "iopub.status.busy": "2026-01-01" };
  assert.equal(notebookSourceHash(saved), hash);
  const edited = copy();
  edited.cells[0].source = edited.cells[0].source + " ";
  assert.notEqual(notebookSourceHash(edited), hash);
  const retagged = copy();
  retagged.cells[2].metadata.tags = ["headline"];
  assert.notEqual(notebookSourceHash(retagged), hash);
  const preset = copy();
  preset.metadata.bptt_lab.presets.short.numIters = 2;
  assert.notEqual(notebookSourceHash(preset), hash);
});

// ---- the tracked results in the repository

const TRACKED = path.join(ROOT, "results");
/**
 * The ceiling of the tracked results: issue 13's target, 10 MB. A full run of main measured 14.0 MB
 * before lab 000's GIF stored only what changes between frames (1.93 → 0.51 MB, held once by the
 * notebook as base64 and once as the site's figure file), the static figures left out the hover
 * layers only a browser draws, and line charts stored one row per series instead of one per point;
 * what remains is mostly the executed notebooks (each chart's spec, its PNG for untrusted Jupyter
 * and an SVG beside it) and the assets (vega, vega-lite, KaTeX: 1.1 MB). Raise it only knowingly.
 */
const RESULTS_BUDGET_BYTES = 10_000_000;

function folderSize(dir: string, skip: (relative: string) => boolean): number {
  let total = 0;
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (skip(path.relative(TRACKED, full))) continue;
      if (entry.isDirectory()) walk(full);
      else total += fs.statSync(full).size;
    }
  };
  walk(dir);
  return total;
}

test("results/ holds a full run of every notebook, made from its current source", () => {
  const rerun = "rerun `npm run notebooks` (every notebook, full parameters) and commit results/";
  assert.ok(fs.existsSync(path.join(TRACKED, "index.json")), `results/ holds no full run: ${rerun}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(TRACKED, "index.json"), "utf8")) as {
    notebooks: Array<{ name: string; status: string; preset?: string; parameters?: object; sourceHash?: string }>;
  };
  const names = projectNotebooks().map((f) => path.basename(f, ".ipynb"));
  const stale: string[] = [];
  for (const sourceFile of projectNotebooks()) {
    const name = path.basename(sourceFile, ".ipynb");
    const source = JSON.parse(fs.readFileSync(sourceFile, "utf8"));
    const entry = manifest.notebooks.find((e) => e.name === name);
    const fix = `rerun \`npm run notebooks -- notebooks/${name}.ipynb\` and commit results/`;
    if (!entry) {
      stale.push(`${name}: not in results/index.json; ${fix}`);
      continue;
    }
    if (entry.status !== "ok") stale.push(`${name}: its run in results/ is ${entry.status}; ${fix}`);
    if (entry.preset !== undefined || Object.keys(entry.parameters ?? {}).length > 0) {
      stale.push(
        `${name}: results/ holds a --preset/--param run (${entry.preset ?? JSON.stringify(entry.parameters)}), not the full run; ${fix}`,
      );
    }
    if (entry.sourceHash !== notebookSourceHash(source))
      stale.push(`notebooks/${name}.ipynb changed since results/ was made; ${fix}`);
    const executedFile = path.join(TRACKED, `${name}.ipynb`);
    if (!fs.existsSync(executedFile) || !fs.existsSync(path.join(TRACKED, `${name}.html`))) {
      stale.push(`${name}: results/${name}.ipynb or .html is missing; ${fix}`);
      continue;
    }
    // Independently of the recorded hash: the executed notebook's cells are the source's, and it says it ran them in full.
    const executed = JSON.parse(fs.readFileSync(executedFile, "utf8"));
    const cells = (nb: { cells: Array<{ source: string | string[] }> }) =>
      nb.cells.map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
    if (JSON.stringify(cells(executed)) !== JSON.stringify(cells(source)))
      stale.push(`results/${name}.ipynb's cells differ from notebooks/${name}.ipynb's; ${fix}`);
    const run = runFactsOf(executed);
    if (run.status !== "ok" || !isFullRun(run))
      stale.push(`results/${name}.ipynb records a ${run.status} run with ${JSON.stringify(run)}; ${fix}`);
  }
  for (const entry of manifest.notebooks) {
    if (!names.includes(entry.name))
      stale.push(
        `results/ lists ${entry.name}, which notebooks/ no longer has: remove results/${entry.name}.* and rerun`,
      );
  }
  assert.deepEqual(stale, []);
});

test("results/ stays within its size budget", (t) => {
  assert.ok(fs.existsSync(path.join(TRACKED, "index.json")), "results/ holds no full run");
  // Only what is tracked: the ignored side outputs (.gitignore) do not count.
  const ignored = (relative: string) => /^(?:\.partial|experiment-1|bench\.json)(?:$|\/)/.test(relative);
  const size = folderSize(TRACKED, ignored);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
  t.diagnostic(`results/: ${mb(size)} (ceiling ${mb(RESULTS_BUDGET_BYTES)})`);
  assert.ok(size <= RESULTS_BUDGET_BYTES, `results/ is ${mb(size)}, over its ${mb(RESULTS_BUDGET_BYTES)} ceiling`);
  // Within the site, each image is stored once: the pages show the figure files, never a copy inline.
  for (const page of fs.readdirSync(TRACKED).filter((f) => f.endsWith(".html"))) {
    assert.doesNotMatch(
      fs.readFileSync(path.join(TRACKED, page), "utf8"),
      /<img class="(?:figure|chart-static)" src="data:/,
      `results/${page} inlines an image that its figure files hold`,
    );
  }
});
