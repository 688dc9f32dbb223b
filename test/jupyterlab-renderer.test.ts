// JupyterLab's own renderer (issue 13): every Vega-Lite output of every executed notebook, drawn in
// Chromium by the code JupyterLab runs for it: @jupyterlab/rendermime's RenderMimeRegistry with its
// standard renderers and @jupyterlab/vega5-extension (vega-embed), bundled for a test page with
// esbuild (test/support/jupyterlab-render-entry.ts). The notebooks: the project's, run with their
// short preset in a mirror of the project; the explorables fixture (sliders, legend selections, the
// live-rprop marker); and the tracked full run in results/ when it is there. For each output the
// test fails when JupyterLab would not pick the chart (an untrusted notebook's choice), the renderer
// throws or logs an error, or the view is empty (no size, no mark items, or a blank canvas).
//
// BPTT_JUPYTERLAB_NOTEBOOKS=<folder> checks the executed notebooks of that folder alone.
// Skipped, with the reason, where Chromium is not installed (.ci/run installs it; with
// BPTT_REQUIRE_CLIENTS=1, as .ci/run sets, a missing Chromium fails instead).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { ROOT, projectNotebooks } from "./support/mirror";
import {
  TRACKED_RESULTS,
  buildFixtureSite,
  buildShortSite,
  chromiumMissing,
  chromiumSkip,
  executedNotebooks,
  launchChromium,
  type Browser,
  type RunnerRun,
} from "./support/sites";
import { bundleForBrowser } from "../scripts/site/bundle";
import type { RenderReport } from "./support/jupyterlab-render-entry";

const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";
const given = process.env.BPTT_JUPYTERLAB_NOTEBOOKS ? path.resolve(process.env.BPTT_JUPYTERLAB_NOTEBOOKS) : undefined;

interface ChartOutput {
  where: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

function chartOutputs(file: string): ChartOutput[] {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as {
    cells: Array<{
      cell_type: string;
      outputs?: Array<{ output_type: string; data?: Record<string, unknown>; metadata?: Record<string, unknown> }>;
    }>;
  };
  const charts: ChartOutput[] = [];
  nb.cells.forEach((cell, c) => {
    (cell.outputs ?? []).forEach((output, k) => {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") return;
      if (!output.data || !(VEGA_LITE_MIME in output.data)) return;
      charts.push({ where: `cell ${c + 1}, output ${k + 1}`, data: output.data, metadata: output.metadata ?? {} });
    });
  });
  return charts;
}

if (chromiumSkip) test("JupyterLab's renderer draws every Vega-Lite output", { skip: chromiumSkip }, () => {});
else
  describe("JupyterLab's renderer draws every Vega-Lite output", () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-jupyterlab-"));
    const short = path.join(work, "short");
    const fixtures = path.join(work, "fixtures");
    const runs: RunnerRun[] = [];
    let browser: Browser | undefined;
    let page: Page | undefined;
    const problems: string[] = [];

    before(async () => {
      if (chromiumMissing) throw new Error(`BPTT_REQUIRE_CLIENTS=1 but ${chromiumMissing}`);
      if (!given) runs.push(await buildShortSite(short), await buildFixtureSite(fixtures));
      const pageDir = path.join(work, "page");
      fs.mkdirSync(pageDir);
      fs.writeFileSync(
        path.join(pageDir, "renderer.js"),
        bundleForBrowser({ entry: path.join(ROOT, "test", "support", "jupyterlab-render-entry.ts") }),
      );
      fs.writeFileSync(
        path.join(pageDir, "index.html"),
        `<!DOCTYPE html><html><head><meta charset="utf-8"><title>JupyterLab renderer</title></head>` +
          `<body data-jp-theme-light="true"><script src="renderer.js"></script></body></html>`,
      );
      browser = await launchChromium();
      page = await browser.context.newPage();
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console error: ${message.text()}`);
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      await page.route(/^(?!file:|data:)/, (route) => {
        problems.push(`network request: ${route.request().url().slice(0, 120)}`);
        return route.abort();
      });
      await page.goto(pathToFileURL(path.join(pageDir, "index.html")).href);
      await page.waitForFunction("window.rendererReady === true");
    });

    after(async () => {
      await browser?.close();
      fs.rmSync(work, { recursive: true, force: true });
    });

    const sets = given
      ? [
          {
            label: path.basename(given),
            dir: given,
            names: executedNotebooks(given).map((f) => path.basename(f, ".ipynb")),
          },
        ]
      : [
          { label: "short", dir: short, names: projectNotebooks().map((f) => path.basename(f, ".ipynb")) },
          { label: "fixtures", dir: fixtures, names: ["explorables"] },
          ...(fs.existsSync(path.join(TRACKED_RESULTS, "index.json"))
            ? [
                {
                  label: "results",
                  dir: TRACKED_RESULTS,
                  names: executedNotebooks(TRACKED_RESULTS).map((f) => path.basename(f, ".ipynb")),
                },
              ]
            : []),
        ];

    for (const set of sets) {
      for (const name of set.names) {
        test(`${set.label}/${name}.ipynb: every chart draws in JupyterLab's renderer`, async (t) => {
          const file = path.join(set.dir, `${name}.ipynb`);
          assert.ok(
            fs.existsSync(file),
            `${file} was not written; runner output:\n${runs.map((r) => r.output.slice(-1500)).join("\n")}`,
          );
          const charts = chartOutputs(file);
          assert.ok(charts.length > 0 || set.label !== "fixtures", "the fixture has charts");
          const found: string[] = [];
          const drawn: string[] = [];
          for (const chart of charts) {
            problems.length = 0;
            const report = (await page!.evaluate(
              `renderOutput(${JSON.stringify(chart.data)}, ${JSON.stringify(chart.metadata)})`,
            )) as RenderReport;
            const where = `${name} ${chart.where}`;
            if (report.mimeType !== VEGA_LITE_MIME)
              found.push(`${where}: JupyterLab picks ${report.mimeType}, not the Vega-Lite chart`);
            if (report.error)
              found.push(`${where}: the renderer failed: ${report.error.split("\n").slice(0, 4).join(" | ")}`);
            else {
              if (!(report.width > 0 && report.height > 0))
                found.push(`${where}: empty view (${report.width}×${report.height})`);
              if (!(report.items > 0)) found.push(`${where}: the view has no mark items`);
              if (!(report.inkPixels > 0)) found.push(`${where}: the canvas is blank`);
            }
            found.push(...problems.map((p) => `${where}: ${p}`));
            drawn.push(
              `${chart.where} ${Math.round(report.width)}×${Math.round(report.height)} px, ${report.items} items`,
            );
          }
          t.diagnostic(`${charts.length} Vega-Lite outputs: ${drawn.join("; ") || "none"}`);
          assert.deepEqual(found, []);
        });
      }
    }
  });
