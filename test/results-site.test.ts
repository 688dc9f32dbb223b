// The results site's key numbers (issue 6): lab.summary (src/notebook/summary.ts) sends them as one
// output, and the runner's index (scripts/runner/index-page.ts) lists them beside each lab's figure
// and run time; the lab page shows them as a table. The browser check (test/browser.test.ts) looks
// at the real labs' pages; this file runs fixture notebooks only.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setDisplayWriter, type DisplayMessage } from "../src/notebook/display";
import { SUMMARY_MIME, summary } from "../src/notebook/summary";
import { SUMMARY_MIME as RUNNER_SUMMARY_MIME } from "../scripts/runner/html";
import { renderMarkdown } from "../scripts/runner/markdown";

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
  assert.match(String(message?.data["text/html"]), /^<table class="bptt-lab-summary"><caption>Key numbers<\/caption><tr><th>final loss<\/th><td>9\.922e-5<\/td><\/tr>/);
  assert.equal(SUMMARY_MIME, RUNNER_SUMMARY_MIME, "the runner reads the MIME type the library writes");
});

test("lab.summary refuses what the index could not show, in one line naming the fix", () => {
  assert.throws(() => summary({ loss: Number.NaN }), /^RangeError: summary: "loss" is NaN; pass a finite number, or a string to show it as text$/);
  assert.throws(() => summary({ loss: [1, 2] as unknown as number }), /summary: "loss" must be a number or a string, got an array of length 2/);
  assert.throws(() => summary({}), /summary: give at least one key number/);
  assert.throws(() => summary({ a: 1 }, { caption: "x" } as object), /summary: unknown option caption; options are title/);
});

test("the index lists each notebook's key numbers, run time and figure; the page shows the table", () => {
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/run-notebooks.ts", "--out", out, "test/fixtures/notebooks/summary.ipynb", "test/fixtures/notebooks/basic.ipynb"],
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
  assert.match(index, /<table class="keys"><tr><th>final loss<\/th><td>0\.25<\/td><\/tr><tr><th>accuracy<\/th><td>90 %<\/td><\/tr><\/table>/);
  assert.match(index, /run time \d/);
  assert.match(index, /<a class="figure" href="basic\.html"><img src="basic\/figure-4-1\.svg"/);
  assert.doesNotMatch(index, /loading="lazy"/, "a screenshot or print shows every figure");
  const page = fs.readFileSync(path.join(out, "summary.html"), "utf8");
  assert.match(page, /<table class="summary"><caption>Key numbers<\/caption><tr><th>final loss<\/th><td>0\.5<\/td><\/tr>/);
  // …and the final values at the top, in the run's box.
  assert.match(page, /<div class="run-keys"><span>final loss <strong>0\.25<\/strong><\/span><span>accuracy <strong>90 %<\/strong><\/span><\/div>/);
});

test("inline math may end with an escaped character (lab 004's $\\{0.33, 0.66, 1\\}$), prices stay text", () => {
  const set = renderMarkdown("inputs $\\{0.33, 0.66, 1\\}$ only");
  assert.match(set, /^<p>inputs <span class="katex"><math[^>]*><semantics><mrow><mo stretchy="false">\{<\/mo><mn>0\.33<\/mn>/);
  assert.doesNotMatch(set, /\$/);
  assert.equal(renderMarkdown("costs $5 and $6 today"), "<p>costs $5 and $6 today</p>\n");
});
