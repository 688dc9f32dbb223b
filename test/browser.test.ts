// The browser check (issues 6 and 13): the results site as its readers meet it. The runner executes
// every notebook in notebooks/ with its short preset (in a mirror of the project, so nothing is
// written into notebooks/ or results/) and the explorables fixture (test/fixtures/notebooks/
// explorables.ipynb); then headless Chromium (Debian's `chromium`, driven by playwright-core) opens
// index.html and every page of those sites and of the tracked full run in results/ from disk, with
// every network request refused, and checks:
// - no console errors, no request leaves the disk, every link resolves to a file (and anchor), the
//   page does not scroll sideways;
// - every image has a size and every GIF decodes (every frame); every chart is drawn live from its
//   Vega-Lite spec (vega and vega-lite from assets/), with a size;
// - the math is KaTeX's HTML in KaTeX's own fonts, and no display equation has a scroll bar;
// - every explorable reacts: each input bound to a Vega-Lite parameter (slider, dropdown, radio,
//   checkbox) and each legend bound to a selection changes the drawn scene when moved;
// - the live RProp explorable (usermeta.bpttLab.liveRprop, scripts/site/explorable.ts): a click on either panel
//   runs RProp and gradient descent from the clicked point, whose ends equal what the library
//   computes in Node from the same start, and the paths are drawn.
// Full-page screenshots go to <tmp>/bptt-browser-check/<site>/screenshots/<page>.png.
//
// BPTT_BROWSER_RESULTS=<folder> checks that site alone (e.g. BPTT_BROWSER_RESULTS=results).
// Skipped, with the reason, where Chromium is not installed (.ci/run installs it; with
// BPTT_REQUIRE_CLIENTS=1, as .ci/run sets, a missing Chromium fails instead).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { projectNotebooks } from "./support/mirror";
import { checkRichOutputs } from "./support/rich-outputs";
import {
  TRACKED_RESULTS,
  buildFixtureSite,
  buildShortSite,
  chromiumMissing,
  chromiumSkip,
  launchChromium,
  type Browser,
  type RunnerRun,
} from "./support/sites";
import { explorableMarker, type LiveRpropMarker } from "../scripts/site/explorable";
import { fromRows } from "../src/ndarray";
import { LinearRnn } from "../src/models/linear-rnn";
import { train } from "../src/train";
import { RProp } from "../src/optim/rprop";
import { Sgd } from "../src/optim/sgd";

const given = process.env.BPTT_BROWSER_RESULTS ? path.resolve(process.env.BPTT_BROWSER_RESULTS) : undefined;
const CHECK_DIR = path.join(os.tmpdir(), "bptt-browser-check");
const VIEWPORT = { width: 1280, height: 900 };
const NARROW = { width: 420, height: 800 };

interface Site {
  label: string;
  dir: string;
  /** The pages to open: index and one per notebook. */
  pages: string[];
  build?: () => Promise<RunnerRun>;
}

function pagesIn(dir: string): string[] {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".html") && f !== "index.html") : [];
  return ["index", ...names.map((f) => f.replace(/\.html$/, "")).sort()];
}

const SHORT = path.join(CHECK_DIR, "short");
const FIXTURES = path.join(CHECK_DIR, "fixtures");
const sites: Site[] = given
  ? [{ label: path.basename(given), dir: given, pages: pagesIn(given) }]
  : [
      {
        label: "short",
        dir: SHORT,
        // Discovered from notebooks/ (never a fixed list), so that a page the runner did not write fails.
        pages: ["index", ...projectNotebooks().map((f) => path.basename(f, ".ipynb"))],
        build: () => buildShortSite(SHORT),
      },
      { label: "fixtures", dir: FIXTURES, pages: ["index", "explorables"], build: () => buildFixtureSite(FIXTURES) },
      ...(fs.existsSync(path.join(TRACKED_RESULTS, "index.json"))
        ? [{ label: "results", dir: TRACKED_RESULTS, pages: pagesIn(TRACKED_RESULTS) }]
        : []),
    ];

interface PageFacts {
  images: Array<{ src: string; width: number; height: number; naturalWidth: number; decoded: boolean; error?: string }>;
  /** The src of every GIF image (decoded frame by frame by decodeGif). */
  gifs: string[];
  charts: Array<{ id: string; className: string; width: number; height: number }>;
  maths: Array<{ width: number; height: number; text: string }>;
  /** Display equations with a scroll bar: content wider or taller than the box. */
  scrolledMaths: string[];
  katexFont: boolean;
  links: Array<{ href: string; raw: string }>;
  ids: string[];
  scrollWidth: number;
  clientWidth: number;
}

/**
 * Runs in the page. Plain JavaScript in a string, because tsx (esbuild) would add helpers (__name)
 * to a function's source that do not exist in the page.
 */
const PAGE_SCRIPT = `(async () => {
  const short = (s) => (s.length > 80 ? s.slice(0, 80) + "…" : s);
  if (document.querySelector("figure.chart")) {
    await new Promise((resolve) => {
      const done = () => document.documentElement.dataset.charts === "ready";
      if (done()) return resolve();
      new MutationObserver(() => done() && resolve()).observe(document.documentElement, { attributes: true });
    });
  }
  await document.fonts.ready;
  const images = await Promise.all([...document.images].filter((img) => img.getClientRects().length > 0).map(async (img) => {
    let decoded = true, error;
    try { await img.decode(); } catch (e) { decoded = false; error = String(e); }
    const box = img.getBoundingClientRect();
    return { src: short(img.currentSrc || img.src), width: box.width, height: box.height, naturalWidth: img.naturalWidth, decoded, error };
  }));
  const gifs = [...document.images].map((img) => img.src).filter((src) => /^data:image\\/gif|\\.gif($|[?#])/.test(src));
  const charts = [...document.querySelectorAll("figure.chart")].map((f) => {
    const drawn = f.querySelector(".chart-live svg, .chart-live canvas");
    const box = drawn ? drawn.getBoundingClientRect() : { width: 0, height: 0 };
    return { id: f.id, className: f.className, width: box.width, height: box.height };
  });
  const maths = [...document.querySelectorAll(".katex-html")].map((m) => {
    const box = m.getBoundingClientRect();
    return { width: box.width, height: box.height, text: short(m.parentElement.querySelector("annotation")?.textContent || m.textContent || "") };
  });
  const scrolledMaths = [...document.querySelectorAll(".katex-display")]
    .filter((d) => d.scrollWidth > d.clientWidth || d.scrollHeight > d.clientHeight)
    .map((d) => short(d.querySelector("annotation")?.textContent || ""));
  const katexFont = !document.querySelector(".katex") || document.fonts.check("16px KaTeX_Main");
  const links = [...document.querySelectorAll("a[href]")].map((a) => ({ href: a.href, raw: a.getAttribute("href") || "" }));
  const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
  return { images, gifs, charts, maths, scrolledMaths, katexFont, links, ids,
    scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth };
})()`;

function collectFacts(page: Page): Promise<PageFacts> {
  return page.evaluate(PAGE_SCRIPT) as Promise<PageFacts>;
}

/** Decodes every frame of a GIF (base64) with the browser's own decoder (WebCodecs' ImageDecoder). */
const DECODE_GIF = `async (base64) => {
  if (typeof ImageDecoder === "undefined") return { frames: 0, error: "no ImageDecoder in this browser" };
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const decoder = new ImageDecoder({ data: bytes, type: "image/gif" });
    await decoder.tracks.ready;
    const frames = decoder.tracks.selectedTrack ? decoder.tracks.selectedTrack.frameCount : 0;
    for (let i = 0; i < frames; i++) {
      const { image } = await decoder.decode({ frameIndex: i });
      if (!(image.displayWidth > 0 && image.displayHeight > 0)) throw new Error("frame " + (i + 1) + " is empty");
      image.close();
    }
    decoder.close();
    return { frames };
  } catch (e) {
    return { frames: 0, error: String(e) };
  }
}`;

/**
 * A GIF's bytes, from its data URL or its file. The page cannot fetch a file: URL itself (Chromium
 * refuses cross-origin requests from file pages), so the test reads the file and hands it over.
 */
function gifBase64(src: string): string {
  if (src.startsWith("data:")) return src.slice(src.indexOf(",") + 1);
  return fs.readFileSync(fileURLToPath(src)).toString("base64");
}

async function decodeGif(page: Page, src: string): Promise<{ frames: number; error?: string }> {
  return (await page.evaluate(`(${DECODE_GIF})(${JSON.stringify(gifBase64(src))})`)) as {
    frames: number;
    error?: string;
  };
}

/** Links that do not resolve: a missing file, or an anchor that its page does not have. */
function brokenLinks(site: string, pageFile: string, facts: PageFacts): string[] {
  const broken: string[] = [];
  for (const { href, raw } of facts.links) {
    const url = new URL(href);
    if (url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:") continue; // not fetched: no network
    if (url.protocol !== "file:") {
      broken.push(`${raw}: unexpected scheme ${url.protocol}`);
      continue;
    }
    const target = fileURLToPath(url);
    const anchor = decodeURIComponent(url.hash.slice(1));
    if (target === pageFile) {
      if (anchor && !facts.ids.includes(anchor)) broken.push(`${raw}: no element with id "${anchor}" in this page`);
      continue;
    }
    if (!fs.existsSync(target)) {
      broken.push(`${raw}: ${path.relative(site, target)} does not exist`);
      continue;
    }
    if (anchor && target.endsWith(".html") && !fs.readFileSync(target, "utf8").includes(`id="${anchor}"`)) {
      broken.push(`${raw}: ${path.basename(target)} has no element with id "${anchor}"`);
    }
  }
  return broken;
}

interface OpenedPage {
  page: Page;
  /** Console errors, page errors, failed and refused requests, as they happen. */
  problems: string[];
  warnings: string[];
}

async function openPage(browser: Browser, file: string): Promise<OpenedPage> {
  const page = await browser.context.newPage();
  // Playwright's 30 s default is short for a long page on a loaded 2-core machine; a hang still ends.
  page.setDefaultTimeout(180_000);
  const problems: string[] = [];
  const warnings: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    if (message.type() === "warning") warnings.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.url().slice(0, 120)} (${request.failure()?.errorText})`),
  );
  // Pages must not need the network: every request that is not a local file or inline data is refused and reported.
  await page.route(/^(?!file:|data:)/, (route) => {
    problems.push(`network request: ${route.request().url().slice(0, 120)}`);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.waitForFunction(
    `!document.querySelector("figure.chart") || document.documentElement.dataset.charts === "ready"`,
  );
  return { page, problems, warnings };
}

// ---- explorables: the controls bound to Vega-Lite parameters, and the live RProp

interface ControlReport {
  chart: string;
  control: string;
  changed: boolean;
  error?: string;
}

/**
 * In the page: for every drawn chart, every input that Vega bound to a parameter is moved to another
 * value and every legend bound to a selection is clicked; the chart's scene (its SVG, from the view)
 * is compared before and after.
 */
const EXERCISE_CONTROLS = `(async () => {
  const reports = [];
  // Every parameter bound to an input or a legend, with the concat panel that declares it (if any).
  const walk = (node, found, panel) => {
    if (Array.isArray(node)) node.forEach((n) => walk(n, found, panel));
    else if (node && typeof node === "object") {
      if (Array.isArray(node.params)) found.push(...node.params.filter((p) => p && p.bind !== undefined).map((p) => ({ ...p, panel })));
      for (const [k, v] of Object.entries(node)) {
        if (k === "data" || k === "datasets") continue;
        if (/^(h|v)?concat$/.test(k) && Array.isArray(v) && panel === undefined) v.forEach((child, i) => walk(child, found, i));
        else walk(v, found, panel);
      }
    }
    return found;
  };
  for (const chart of (window.bpttLab ? window.bpttLab.charts : [])) {
    const id = chart.figure.id;
    // A parameter that several panels declare is one control.
    const bound = walk(chart.spec, [], undefined).filter((p, i, all) => all.findIndex((q) => q.name === p.name) === i);
    const scene = async () => { await chart.view.runAsync(); return chart.view.toSVG(); };
    for (const param of bound.filter((p) => p.bind !== "legend")) {
      const control = param.name + " (" + (param.bind.input || "input") + ")";
      const elements = [...chart.figure.querySelectorAll(".vega-bind")].filter((el) => (el.querySelector(".vega-bind-name") || {}).textContent !== undefined);
      const holder = elements.find((el) => el.querySelector("[name='" + param.name + "']")) || elements[bound.indexOf(param)];
      const input = holder && holder.querySelector("input, select");
      if (!input) { reports.push({ chart: id, control, changed: false, error: "no bound input element in the page" }); continue; }
      const before = await scene();
      if (input.tagName === "SELECT") {
        input.selectedIndex = (input.selectedIndex + 1) % input.options.length;
        input.dispatchEvent(new Event("change"));
      } else if (input.type === "radio") {
        const radios = [...holder.querySelectorAll("input[type=radio]")];
        const other = radios.find((r) => !r.checked);
        if (other) other.click();
      } else if (input.type === "checkbox") {
        input.click();
      } else {
        const min = input.min === "" ? 0 : Number(input.min), max = input.max === "" ? 100 : Number(input.max);
        const now = Number(input.value);
        input.value = String(Math.abs(now - max) > Math.abs(now - min) ? max : min);
        input.dispatchEvent(new Event("input"));
        input.dispatchEvent(new Event("change"));
      }
      const after = await scene();
      reports.push({ chart: id, control, changed: before !== after });
    }
    // A legend-bound selection keeps its selected values in the data set <name>_store: the legend
    // one of whose entries changes that store when clicked is the one bound to it (a chart may have several).
    const store = (param) => { try { return JSON.stringify(chart.view.data(param.name + "_store")); } catch (e) { return undefined; } };
    for (const param of bound.filter((p) => p.bind === "legend")) {
      const control = param.name + " (legend)";
      let report;
      // A panel's own legend first (independent legends sit in their panel's group), then any.
      const own = param.panel === undefined ? [] : [...chart.figure.querySelectorAll(".chart-live g.concat_" + param.panel + "_group g.role-legend")];
      // Entry after entry: a selection linked to another legend may already hold the first entry.
      const entries = [...own, ...chart.figure.querySelectorAll(".chart-live g.role-legend")].flatMap((legend) => [
        ...legend.querySelectorAll(".role-legend-symbol path"),
      ]);
      for (const symbol of entries) {
        const stored = store(param);
        const before = await scene();
        const box = symbol.getBoundingClientRect();
        const at = { bubbles: true, clientX: box.x + box.width / 2, clientY: box.y + box.height / 2 };
        for (const type of ["pointerdown", "mousedown", "pointerup", "mouseup", "click"]) {
          symbol.dispatchEvent(type.startsWith("pointer") ? new PointerEvent(type, at) : new MouseEvent(type, at));
        }
        const after = await scene();
        if (store(param) !== stored) {
          report = { chart: id, control, changed: before !== after };
          break;
        }
      }
      reports.push(report || { chart: id, control, changed: false, error: "no legend entry selects it" });
    }
  }
  return reports;
})()`;

interface LiveResult {
  start: [number, number];
  rprop: { end: [number, number]; loss: number; iterations: number };
  gradientDescent: { end: [number, number]; loss: number | null; iterations: number; stopped?: string };
}

/** RProp from `start` with the library in Node, as notebooks 003 and 004 run it: lab.train over one batch. */
async function rpropInNode(
  marker: LiveRpropMarker,
  start: [number, number],
): Promise<{ end: [number, number]; points: number }> {
  const model = new LinearRnn({ wx: start[0], wRec: start[1] });
  const rprop = new RProp({ ...marker.rprop, initialSign: { ...marker.rprop.initialSign } as Record<string, number> });
  const batch = { x: fromRows(marker.batch.x), y: marker.batch.y };
  await train({ model, optimizer: rprop, epochs: marker.iterations, batches: () => [batch], progress: false });
  const { wx, wRec } = model.weights();
  return { end: [wx, wRec], points: marker.iterations + 1 };
}

/** Plain gradient descent (lab.Sgd) from `start` in Node, stopped where the page stops drawing it. */
function gradientDescentInNode(
  marker: LiveRpropMarker,
  start: [number, number],
): { end: [number, number]; iterations: number; stopped: boolean } {
  const model = new LinearRnn({ wx: start[0], wRec: start[1] });
  const batch = { x: fromRows(marker.batch.x), y: marker.batch.y };
  const sgd = new Sgd({ lr: marker.gradientDescent.lr });
  let end: [number, number] = [start[0], start[1]];
  for (let i = 0; i < marker.iterations; i++) {
    sgd.step(model.params, model.lossAndGradients(batch).grads);
    const { wx, wRec } = model.weights();
    const escaped =
      !Number.isFinite(wx) ||
      !Number.isFinite(wRec) ||
      Math.abs(wx - start[0]) > 1e3 ||
      Math.abs(wRec - start[1]) > 1e3;
    if (escaped) return { end, iterations: i, stopped: true };
    end = [wx, wRec];
  }
  return { end, iterations: marker.iterations, stopped: false };
}

/** The background of each panel (concat cell) of a chart drawn by Vega's SVG renderer. */
const PANEL_BACKGROUNDS = ".chart-live g.mark-group.role-scope > g > path.background";

/** [[x0, x1], [y0, y1]] of each panel of a figure, from the explicit scale domains of its layers. */
function panelDomains(spec: unknown): Array<[[number, number], [number, number]] | undefined> {
  const figure = spec as { hconcat?: unknown[]; vconcat?: unknown[]; concat?: unknown[] };
  const panels = (figure.hconcat ?? figure.vconcat ?? figure.concat ?? [spec]) as Array<{ layer?: unknown[] }>;
  return panels.map((panel) => {
    const units = (panel.layer ?? [panel]) as Array<{ encoding?: Record<string, { scale?: { domain?: unknown } }> }>;
    const domain = (channel: string) =>
      units.map((u) => u.encoding?.[channel]?.scale?.domain).find((d) => Array.isArray(d)) as
        [number, number] | undefined;
    const x = domain("x");
    const y = domain("y");
    return x && y ? [x, y] : undefined;
  });
}

/** Lab 003's final weights as its executed notebook printed them ("Final weights are: wx = …, wRec = …"). */
function lab003FinalWeights(): [number, number] | undefined {
  const file = fs.existsSync(SHORT) ? fs.readdirSync(SHORT).find((f) => /^003-.*\.ipynb$/.test(f)) : undefined;
  if (!file) return undefined;
  const nb = JSON.parse(fs.readFileSync(path.join(SHORT, file), "utf8")) as {
    cells: Array<{ outputs?: Array<{ text?: string | string[] }> }>;
  };
  const text = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? "")))
    .join("");
  const match = /Final weights are: wx = (-?[\d.]+), wRec = (-?[\d.]+)/.exec(text);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

// Skipped as one test (a skipped suite would count as no tests at all in the summary).
if (chromiumSkip) test("results site in Chromium", { skip: chromiumSkip }, () => {});
else
  describe("results site in Chromium", () => {
    let browser: Browser | undefined;
    const runs = new Map<string, RunnerRun>();

    before(async () => {
      if (chromiumMissing) throw new Error(`BPTT_REQUIRE_CLIENTS=1 but ${chromiumMissing}`);
      for (const site of sites) if (site.build) runs.set(site.label, await site.build());
      browser = await launchChromium(VIEWPORT);
    });

    after(async () => {
      await browser?.close();
    });

    for (const site of sites.filter((s) => s.build)) {
      test(`the runner builds the ${site.label} site`, (t) => {
        const run = runs.get(site.label);
        assert.ok(run, "the runner ran");
        assert.ok(
          fs.existsSync(path.join(site.dir, "index.html")),
          `no index.html; runner output:\n${run.output.slice(-3000)}`,
        );
        const index = JSON.parse(fs.readFileSync(path.join(site.dir, "index.json"), "utf8")) as {
          notebooks: Array<{ name: string; status: string }>;
        };
        const listed = index.notebooks.map((n) => n.name);
        for (const name of site.pages.slice(1)) assert.ok(listed.includes(name), `${name} missing from index.json`);
        // A project notebook that fails is its lab test's business; its page must still read well here.
        const failed = index.notebooks.filter((n) => n.status !== "ok").map((n) => `${n.name} ${n.status}`);
        if (site.label === "fixtures") assert.deepEqual(failed, [], run.output.slice(-3000));
        else if (failed.length) t.diagnostic(`not ok in the runner: ${failed.join(", ")}`);
        const problems = site.pages.slice(1).flatMap((name) => {
          const file = path.join(site.dir, `${name}.ipynb`);
          if (!fs.existsSync(file)) return [`${name}.ipynb was not written`];
          return checkRichOutputs(JSON.parse(fs.readFileSync(file, "utf8"))).problems.map((p) => `${name}: ${p}`);
        });
        assert.deepEqual(problems, [], "every chart and GIF carries its fallbacks");
      });
    }

    for (const site of sites) {
      const screenshots = path.join(CHECK_DIR, site.label, "screenshots");
      for (const name of site.pages) {
        test(`${site.label}/${name}.html loads from disk cleanly, every figure and formula shows, every link resolves`, async (t) => {
          const file = path.join(site.dir, `${name}.html`);
          assert.ok(fs.existsSync(file), `${file} was not written`);
          const { page, problems, warnings } = await openPage(browser!, file);
          try {
            const facts = await collectFacts(page);
            for (const img of facts.images) {
              if (!img.decoded) problems.push(`image does not decode: ${img.src} (${img.error})`);
              if (!(img.naturalWidth > 0 && img.width > 0 && img.height > 0)) {
                problems.push(
                  `image without size: ${img.src} (${img.width}×${img.height}, natural width ${img.naturalWidth})`,
                );
              }
            }
            const gifFrames: number[] = [];
            for (const src of facts.gifs) {
              const gif = await decodeGif(page, src);
              gifFrames.push(gif.frames);
              if (gif.error || !(gif.frames > 0))
                problems.push(`GIF does not decode: ${src.slice(0, 80)} (${gif.error ?? `${gif.frames} frames`})`);
            }
            for (const chart of facts.charts) {
              if (!/\blive\b/.test(chart.className))
                problems.push(`chart ${chart.id} was not drawn live (${chart.className})`);
              if (!(chart.width > 0 && chart.height > 0))
                problems.push(`chart ${chart.id} without size: ${chart.width}×${chart.height}`);
            }
            for (const math of facts.maths) {
              if (!(math.width > 0 && math.height > 0)) problems.push(`formula without size: ${math.text}`);
            }
            for (const math of facts.scrolledMaths)
              problems.push(`display equation with a scroll bar at ${VIEWPORT.width} px: ${math}`);
            if (!facts.katexFont) problems.push("KaTeX's fonts did not load (assets/katex/)");
            problems.push(...brokenLinks(site.dir, file, facts).map((b) => `broken link ${b}`));
            if (facts.scrollWidth > facts.clientWidth)
              problems.push(`the page scrolls sideways at ${VIEWPORT.width} px: ${facts.scrollWidth} px wide`);
            fs.mkdirSync(screenshots, { recursive: true });
            await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
            // On a phone-sized window, wide outputs scroll inside their boxes, not the page.
            await page.setViewportSize(NARROW);
            const narrow = (await page.evaluate(
              "[document.documentElement.scrollWidth, document.documentElement.clientWidth]",
            )) as number[];
            if (narrow[0]! > narrow[1]!)
              problems.push(`the page scrolls sideways at ${NARROW.width} px: ${narrow[0]} px wide`);
            t.diagnostic(
              `${facts.images.length} images (${gifFrames.map((n) => `${n}-frame GIF`).join(", ") || "no GIFs"}), ` +
                `${facts.charts.length} live charts, ${facts.maths.length} formulas, ${facts.links.length} links`,
            );
            if (warnings.length) t.diagnostic(`console warnings: ${warnings.join(" | ").slice(0, 2000)}`);
          } finally {
            await page.close();
          }
          assert.deepEqual(problems, [], `${file}:\n${problems.join("\n")}`);
        });
      }
    }

    for (const site of sites) {
      for (const name of site.pages.filter((n) => n !== "index")) {
        test(`${site.label}/${name}.html: every control bound to a chart parameter changes what is drawn`, async (t) => {
          const { page, problems } = await openPage(browser!, path.join(site.dir, `${name}.html`));
          let reports: ControlReport[];
          try {
            reports = (await page.evaluate(EXERCISE_CONTROLS)) as ControlReport[];
          } finally {
            await page.close();
          }
          t.diagnostic(
            reports.length
              ? reports
                  .map((r) => `${r.chart}: ${r.control} ${r.changed ? "changes the chart" : "CHANGES NOTHING"}`)
                  .join("; ")
              : "no bound controls",
          );
          if (site.label === "fixtures") {
            // The fixture has a slider and a legend selection, so this test cannot pass on a page without controls.
            assert.deepEqual(reports.map((r) => r.control).sort(), ["k (range)", "picked (legend)"]);
          }
          const unchanged = reports
            .filter((r) => !r.changed)
            .map((r) => `${r.chart}: ${r.control}${r.error ? ` (${r.error})` : " changes nothing"}`);
          assert.deepEqual([...problems, ...unchanged], []);
        });
      }
    }

    for (const site of sites) {
      for (const name of site.pages.filter((n) => n !== "index")) {
        const file = path.join(site.dir, `${name}.html`);
        // Decided when the page exists: the marker is in the page's spec scripts.
        const marked = () => fs.existsSync(file) && fs.readFileSync(file, "utf8").includes('"liveRprop":{');
        test(`${site.label}/${name}.html: a click on a live RProp surface draws the library's paths from the clicked point`, async (t) => {
          if (!marked()) {
            assert.notEqual(site.label, "fixtures", "the fixture's loss surface carries the live-rprop marker");
            t.diagnostic("no live RProp explorable on this page");
            return;
          }
          const { page, problems } = await openPage(browser!, file);
          try {
            const figures = (await page.evaluate(
              `[...document.querySelectorAll("figure.chart.explorable")].map((f) => f.id)`,
            )) as string[];
            assert.ok(figures.length > 0, "the marked chart became an explorable");
            for (const id of figures) {
              const spec = JSON.parse(
                (await page.locator(`#${id} script.chart-spec`).textContent()) ?? "null",
              ) as unknown;
              const marker = explorableMarker(spec) as LiveRpropMarker;
              const readResult = async () =>
                JSON.parse(
                  (await page.locator(`#${id}`).getAttribute("data-live-result")) ?? "null",
                ) as LiveResult | null;

              // The paths drawn at load, from the notebook's own start.
              if (marker.start) {
                const initial = await readResult();
                assert.deepEqual(initial?.start, marker.start);
                assert.deepEqual(
                  initial?.rprop.end,
                  (await rpropInNode(marker, marker.start)).end,
                  "RProp from the marker's start",
                );
                const lab003 = lab003FinalWeights();
                if (lab003 && site.label === "fixtures") {
                  // The fixture holds lab 003's data and RProp settings: the page ends where the notebook ended.
                  assert.deepEqual(
                    initial!.rprop.end.map((v) => +v.toFixed(4)),
                    lab003,
                    "lab 003's printed final weights",
                  );
                  t.diagnostic(`from (−2, 2) the page's RProp ends at lab 003's final weights ${lab003.join(", ")}`);
                }
              }

              // Each panel: click at a point, the start is that point, the paths are the library's.
              const panels = page.locator(`#${id} ${PANEL_BACKGROUNDS}`);
              const count = await panels.count();
              assert.ok(count >= 1, "the figure has panels to click");
              for (let p = 0; p < count; p++) {
                const before = await page.locator(`#${id} .chart-live`).screenshot();
                await panels.nth(p).scrollIntoViewIfNeeded();
                // The panel's plot area on the screen: its background's geometry (getBBox: without the
                // stroke, which Playwright's boundingBox would count) through the SVG's transform.
                const box = (await page.evaluate(`(() => {
                const el = document.querySelectorAll(${JSON.stringify(`#${id} ${PANEL_BACKGROUNDS}`)})[${p}];
                const bb = el.getBBox(), m = el.getScreenCTM();
                const a = new DOMPoint(bb.x, bb.y).matrixTransform(m), b = new DOMPoint(bb.x + bb.width, bb.y + bb.height).matrixTransform(m);
                return { x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y };
              })()`)) as { x: number; y: number; width: number; height: number };
                assert.ok(box.width > 0 && box.height > 0, `panel ${p + 1} has a size`);
                const [fx, fy] = [0.3 + 0.1 * p, 0.35];
                const previous = JSON.stringify(await readResult());
                await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
                await page.waitForFunction(
                  `document.getElementById(${JSON.stringify(id)}).dataset.liveResult !== ${JSON.stringify(previous)}`,
                );
                const result = (await readResult())!;
                const after = await page.locator(`#${id} .chart-live`).screenshot();
                assert.ok(!before.equals(after), `panel ${p + 1}: the click changed the pixels of the chart`);

                // The start is where the click fell, in the panel's own axes (its explicit domain), to a pixel.
                const domains = panelDomains(spec)[p];
                if (domains) {
                  const [[x0, x1], [y0, y1]] = domains;
                  const expected = [x0 + fx * (x1 - x0), y1 - fy * (y1 - y0)];
                  const tolerance = [(1.5 * (x1 - x0)) / box.width + 1e-3, (1.5 * (y1 - y0)) / box.height + 1e-3];
                  for (const k of [0, 1]) {
                    assert.ok(
                      Math.abs(result.start[k]! - expected[k]!) <= tolerance[k]!,
                      `panel ${p + 1}: start ${result.start} is not where the click fell (${expected})`,
                    );
                  }
                }
                const expectedRprop = await rpropInNode(marker, result.start);
                assert.deepEqual(
                  result.rprop.end,
                  expectedRprop.end,
                  `panel ${p + 1}: RProp's end from (${result.start}) equals the library's in Node`,
                );
                const expectedGd = gradientDescentInNode(marker, result.start);
                assert.deepEqual(
                  result.gradientDescent.end,
                  expectedGd.end,
                  `panel ${p + 1}: gradient descent's last point equals the library's in Node`,
                );
                assert.equal(result.gradientDescent.iterations, expectedGd.iterations);
                assert.equal(result.gradientDescent.stopped !== undefined, expectedGd.stopped);
                // What is drawn is that path: the view's data rows, first the start, last the end.
                const drawn = (await page.evaluate(`(() => {
                const chart = window.bpttLab.charts.find((c) => c.figure.id === ${JSON.stringify(id)});
                const rows = chart.view.data("bptt_live_rprop");
                return { n: rows.length, first: [rows[0].wx, rows[0].wRec], last: [rows[rows.length - 1].wx, rows[rows.length - 1].wRec] };
              })()`)) as { n: number; first: number[]; last: number[] };
                assert.deepEqual(drawn, { n: expectedRprop.points, first: result.start, last: expectedRprop.end });
                t.diagnostic(
                  `${id} panel ${p + 1}: click → start (${result.start.join(", ")}), RProp → (${result.rprop.end.map((v) => v.toFixed(4)).join(", ")}), ` +
                    `gradient descent ${result.gradientDescent.stopped ?? `→ (${result.gradientDescent.end.map((v) => v.toFixed(4)).join(", ")})`}`,
                );
              }
            }
          } finally {
            await page.close();
          }
          assert.deepEqual(problems, []);
        });
      }
    }
  });
