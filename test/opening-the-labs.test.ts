// What a reader sees when they open the labs (issue 15), following the README's "Opening the labs":
//
// 1. Every notebook, executed by the runner (`npm run notebooks -- --preset short`), is checked as
//    a file: every chart carries a PNG (what Jupyter shows when a notebook is not trusted, which is
//    every notebook a reader did not run themselves), each GIF is stored once, chart specs are
//    written compactly and stay small, and no figure is wider than the notebook column (978 px in
//    the classic Notebook) or the results pages' column (940 px). The widths found are printed.
// 2. Debian's Jupyter Notebook (6.4, the packaged front end the README names) serves the project
//    with the kernel `npm run install-kernel` registers (into a private prefix here), and Chromium
//    opens each executed notebook untrusted: every figure must be drawn, as an image that fits.
// 3. The README's own path: a lab opened in the Notebook from notebooks/ (short preset injected,
//    in a copy), Cell → Run All, and every output drawn, with no error.
//
// Parts 2 and 3 are skipped, with the reason, where the Notebook or Chromium is missing;
// .ci/run installs both and sets BPTT_REQUIRE_CLIENTS=1, which makes a missing one fail instead.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { chromium, type Browser, type Page } from "playwright-core";
import { readNotebook, toJupyterJson } from "../scripts/runner/notebook";
import { injectParameters, resolveParameters } from "../scripts/runner/params";
import { ROOT, makeProjectMirror, projectNotebooks, shown, type ProjectMirror } from "./support/mirror";
import { VEGA_LITE_MIME, checkRichOutputs } from "./support/rich-outputs";

const PRESET = "short";
/** The classic Notebook's output column at a 1280 px wide window (measured: .output_subarea). */
const NOTEBOOK_COLUMN = 978;
/** The results pages' column: scripts/runner/html.ts's `main { max-width: 980px; padding: … 20px }`. */
const SITE_COLUMN = 940;
/** A chart's Vega-Lite spec, as stored, at most this many bytes (the short preset's data). */
const SPEC_BUDGET = 200_000;
/** Labs run from notebooks/ with Cell → Run All: a quick one with a PNG surface, and the one with GIFs. */
const RUN_ALL = ["003", "000"];
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const JUPYTER_NOTEBOOK = "/usr/bin/jupyter-notebook";

const required = process.env.BPTT_REQUIRE_CLIENTS === "1";
const missing = [
  fs.existsSync(JUPYTER_NOTEBOOK)
    ? ""
    : `Jupyter Notebook is not installed at ${JUPYTER_NOTEBOOK} (apt-get install jupyter-notebook; .ci/run does)`,
  fs.existsSync(CHROMIUM)
    ? ""
    : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH; .ci/run does)`,
].filter(Boolean);
const browserSkip = missing.length > 0 && !required ? missing.join("; ") : false;

interface Output {
  output_type: string;
  data?: { [mime: string]: unknown };
  metadata?: { [mime: string]: unknown };
}
interface Cell {
  cell_type: string;
  outputs?: Output[];
}
interface Executed {
  cells: Cell[];
  metadata: { bptt_lab?: { run?: { status?: string } } };
}

const text = (v: unknown) => (typeof v === "string" ? v : Array.isArray(v) ? v.join("") : "");

/** Every figure's drawn width in CSS pixels: SVG width, PNG metadata width, GIF logical screen width. */
function figureWidths(nb: Executed): Array<{ cell: number; kind: string; width: number }> {
  const widths: Array<{ cell: number; kind: string; width: number }> = [];
  nb.cells.forEach((cell, c) => {
    for (const output of cell.outputs ?? []) {
      const data = output.data ?? {};
      const svg = text(data["image/svg+xml"]);
      const png = output.metadata?.["image/png"] as { width?: number } | undefined;
      const gif = /<img[^>]+src="data:image\/gif;base64,([^"]+)"/.exec(text(data["text/html"]))?.[1];
      if (svg) widths.push({ cell: c + 1, kind: "svg", width: Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]) });
      else if (typeof png?.width === "number") widths.push({ cell: c + 1, kind: "png", width: png.width });
      if (gif)
        widths.push({ cell: c + 1, kind: "gif", width: Buffer.from(gif.slice(0, 16), "base64").readUInt16LE(6) });
    }
  });
  return widths;
}

/** Charts (Vega-Lite outputs) and GIFs: the outputs a reader must see drawn. */
function figureCount(nb: Executed): number {
  const report = checkRichOutputs(nb);
  return report.charts + report.animations;
}

let mirror: ProjectMirror | undefined;
let runnerOutput = "";
const executed = new Map<string, Executed>();
const rawText = new Map<string, string>();

before(() => {
  mirror = makeProjectMirror("bptt-opening-");
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(ROOT, "scripts", "run-notebooks.ts"),
      "--preset",
      PRESET,
      "--keep-going",
      "--out",
      mirror.results,
      path.join(ROOT, "notebooks"),
    ],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 2 ** 20 },
  );
  runnerOutput = `${run.stdout}\n${run.stderr}`;
  for (const source of projectNotebooks()) {
    const name = path.basename(source, ".ipynb");
    const file = path.join(mirror.results, `${name}.ipynb`);
    if (!fs.existsSync(file)) continue;
    const raw = fs.readFileSync(file, "utf8");
    rawText.set(name, raw);
    executed.set(name, JSON.parse(raw) as Executed);
  }
});
after(() => mirror?.remove());

describe("executed notebooks, as files", () => {
  for (const source of projectNotebooks()) {
    const name = path.basename(source, ".ipynb");
    const get = () => {
      const nb = executed.get(name);
      assert.ok(nb, `the runner wrote no ${name}.ipynb:\n${runnerOutput.slice(-3000)}`);
      return nb;
    };

    test(`${name}: every chart has a PNG for untrusted notebooks, each GIF is stored once, specs stay small`, (t) => {
      const nb = get();
      assert.deepEqual(checkRichOutputs(nb).problems, []);
      const raw = rawText.get(name) ?? "";
      nb.cells.forEach((cell, c) =>
        (cell.outputs ?? []).forEach((output, k) => {
          const gif = /src="data:image\/gif;base64,([^"]{64})/.exec(text(output.data?.["text/html"]))?.[1];
          if (gif)
            assert.equal(
              raw.split(gif).length - 1,
              1,
              `cell ${c + 1} output ${k + 1}: the GIF's bytes appear once in the file`,
            );
          const spec = output.data?.[VEGA_LITE_MIME];
          if (spec === undefined) return;
          const json = JSON.stringify(spec);
          assert.ok(raw.includes(json), `cell ${c + 1} output ${k + 1}: the spec is written on one line`);
          assert.ok(
            json.length <= SPEC_BUDGET,
            `cell ${c + 1} output ${k + 1}: a ${json.length}-byte spec (budget ${SPEC_BUDGET})`,
          );
        }),
      );
      t.diagnostic(`${name}.ipynb: ${(raw.length / 1024).toFixed(0)} KB, ${figureCount(nb)} figures`);
    });

    test(`${name}: no figure is wider than the notebook column (${NOTEBOOK_COLUMN} px) or the results column (${SITE_COLUMN} px)`, (t) => {
      const widths = figureWidths(get());
      const limit = Math.min(NOTEBOOK_COLUMN, SITE_COLUMN);
      t.diagnostic(
        `${name} widths (px): ${widths.map((w) => `cell ${w.cell} ${w.kind} ${w.width}`).join(", ") || "no figures"}`,
      );
      const tooWide = widths.filter((w) => !(w.width <= limit));
      assert.deepEqual(tooWide, [], `figures wider than ${limit} px`);
    });
  }
});

/** A free port on loopback, for the Notebook server. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe("the labs in Jupyter Notebook (Debian's 6.4) and Chromium", { skip: browserSkip }, () => {
  let server: ChildProcess | undefined;
  let serverLog = "";
  let browser: Browser | undefined;
  let base = "";
  const token = randomBytes(12).toString("hex");

  before(async () => {
    if (missing.length) throw new Error(`BPTT_REQUIRE_CLIENTS=1 but ${missing.join("; ")}`);
    const root = mirror!.root;
    // The kernel as the README registers it, into a private prefix; every Jupyter folder private too.
    const prefix = path.join(root, "jupyter-prefix");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
      JUPYTER_DATA_DIR: path.join(root, "jupyter-data"),
      JUPYTER_CONFIG_DIR: path.join(root, "jupyter-config"),
      JUPYTER_RUNTIME_DIR: path.join(root, "jupyter-runtime"),
      IPYTHONDIR: path.join(root, "ipython"),
      PYDEVD_DISABLE_FILE_VALIDATION: "1",
    };
    const install = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "scripts", "install-kernel.ts"), "--prefix", prefix],
      {
        cwd: ROOT,
        encoding: "utf8",
        env,
      },
    );
    assert.equal(install.status, 0, `npm run install-kernel failed:\n${install.stdout}\n${install.stderr}`);
    // The README's `jupyter notebook notebooks/`, served from the mirror's root so that both its
    // notebooks/ and results/ can be opened; loopback only, with a token.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(
      JUPYTER_NOTEBOOK,
      [
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        `--port=${port}`,
        `--NotebookApp.token=${token}`,
        `--notebook-dir=${root}`,
      ],
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    server.stdout?.on("data", (c: Buffer) => (serverLog += c.toString()));
    server.stderr?.on("data", (c: Buffer) => (serverLog += c.toString()));
    for (let tries = 0; ; tries++) {
      const up = await fetch(`${base}/api/status?token=${token}`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (tries > 120 || server.exitCode !== null) throw new Error(`the Notebook server did not start:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((r) => server!.once("exit", r));
    }
  });

  async function open(relative: string): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    // Only the Notebook server on loopback is reached; anything else (a font or script the page
    // asks of the web) is refused at once rather than left to time out.
    await page.route("**/*", (route) =>
      new URL(route.request().url()).hostname === "127.0.0.1" || route.request().url().startsWith("data:")
        ? route.continue()
        : route.abort(),
    );
    // Generous limits: they only stop a hang (the page loads MathJax and a kernel starts on a busy machine).
    await page.goto(`${base}/notebooks/${relative}?token=${token}`, {
      waitUntil: "domcontentloaded",
      timeout: 180_000,
    });
    await page.waitForFunction(
      () =>
        (window as unknown as { Jupyter?: { notebook?: { _fully_loaded?: boolean } } }).Jupyter?.notebook
          ?._fully_loaded === true,
      null,
      {
        timeout: 180_000,
      },
    );
    return page;
  }

  /** What the page draws: images and SVGs in output areas, with their sizes and their column's width. */
  function drawn(page: Page) {
    return page.evaluate(() => {
      const areas = Array.from(document.querySelectorAll(".output_subarea"));
      const figures = areas.flatMap((area) =>
        Array.from(area.querySelectorAll("img, svg"))
          // An SVG output sits in a div of its own; the <svg> elements inside a chart are not figures.
          .filter((el) => !el.parentElement?.closest("svg"))
          .map((el) => {
            const img = el as HTMLImageElement;
            const isImg = el.tagName.toLowerCase() === "img";
            return {
              kind: isImg ? (img.src.startsWith("data:image/gif") ? "gif" : "img") : "svg",
              loaded: isImg ? img.complete && img.naturalWidth > 0 : true,
              // Drawn at its own width (not shrunk by the column), which must fit the column.
              width: isImg ? Number(img.getAttribute("width")) || img.naturalWidth : el.getBoundingClientRect().width,
              column: (area as HTMLElement).clientWidth,
            };
          }),
      );
      const chartTexts = Array.from(document.querySelectorAll(".output_text pre"))
        .map((p) => p.textContent ?? "")
        .filter((t) => t.startsWith("[chart]"));
      const errors = Array.from(document.querySelectorAll(".output_error")).map((e) =>
        (e.textContent ?? "").slice(0, 300),
      );
      return { figures, chartTexts, errors };
    });
  }

  for (const source of projectNotebooks()) {
    const name = path.basename(source, ".ipynb");
    test(`${name}, executed by the runner, opened untrusted: every figure is drawn and fits the column`, async (t) => {
      const nb = executed.get(name);
      assert.ok(nb, `the runner wrote no ${name}.ipynb`);
      const page = await open(`results/${name}.ipynb`);
      try {
        const trusted = await page.evaluate(
          () => (window as unknown as { Jupyter: { notebook: { trusted: boolean } } }).Jupyter.notebook.trusted,
        );
        assert.equal(trusted, false, "a notebook the reader did not run is untrusted (what this test is about)");
        const facts = await drawn(page);
        const expected = figureCount(nb);
        assert.equal(
          facts.figures.filter((f) => f.loaded).length,
          expected,
          `${expected} figures in the notebook; drawn: ${JSON.stringify(facts.figures)}`,
        );
        assert.equal(
          facts.figures.filter((f) => f.kind === "svg").length,
          0,
          "no SVG is shown untrusted; the PNGs are",
        );
        assert.deepEqual(facts.chartTexts, [], "no chart falls back to its text line");
        const tooWide = facts.figures.filter((f) => f.width > f.column);
        assert.deepEqual(tooWide, [], "figures wider than the notebook's column");
        t.diagnostic(`${facts.figures.length} figures drawn, column ${facts.figures[0]?.column ?? "?"} px`);
      } finally {
        await page.close();
      }
    });
  }

  for (const number of RUN_ALL) {
    const source = projectNotebooks().find((file) => path.basename(file).startsWith(`${number}-`));
    const name = source ? path.basename(source, ".ipynb") : number;
    test(
      `${name} opened from notebooks/, Cell → Run All: every output drawn, no error (${PRESET} preset)`,
      { skip: source ? false : `no lab ${number}` },
      async (t) => {
        // A copy with the preset injected, as `--preset short` would run it, beside the real ones.
        const nb = readNotebook(source!, shown(source!));
        const parameters = resolveParameters({ nb, displayPath: shown(source!), explicit: {}, preset: PRESET });
        fs.writeFileSync(
          path.join(mirror!.notebooks, `${name}.ipynb`),
          toJupyterJson(injectParameters(nb, parameters)),
        );
        const page = await open(`notebooks/${name}.ipynb`);
        try {
          await page.click("#celllink"); // the Cell menu
          await page.click("#run_all_cells");
          // Done when every code cell has its execution number and the kernel is idle again.
          await page.waitForFunction(
            () => {
              const J = (
                window as unknown as {
                  Jupyter: { notebook: { get_cells(): Array<{ cell_type: string; input_prompt_number?: unknown }> } };
                }
              ).Jupyter;
              const code = J.notebook.get_cells().filter((c) => c.cell_type === "code");
              const idle = document.querySelector("#kernel_indicator_icon")?.classList.contains("kernel_idle_icon");
              return idle && code.every((c) => typeof c.input_prompt_number === "number");
            },
            null,
            { timeout: 15 * 60_000, polling: 1000 },
          );
          const facts = await drawn(page);
          assert.deepEqual(facts.errors, [], "no cell failed");
          const outputs = (await page.evaluate(() =>
            (window as unknown as { Jupyter: { notebook: { toJSON(): unknown } } }).Jupyter.notebook.toJSON(),
          )) as Executed;
          const expected = figureCount(outputs);
          assert.ok(expected > 0, "the lab shows figures");
          assert.equal(
            facts.figures.filter((f) => f.loaded).length,
            expected,
            `drawn: ${JSON.stringify(facts.figures)}`,
          );
          assert.deepEqual(facts.chartTexts, [], "no chart falls back to its text line");
          t.diagnostic(
            `${expected} figures drawn after Run All (trusted: ${facts.figures.filter((f) => f.kind === "svg").length} as SVG)`,
          );
        } finally {
          await page.close();
        }
      },
    );
  }
});
