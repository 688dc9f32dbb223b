// The browser check (issue 6): the results site as its readers meet it. The runner executes every
// notebook in notebooks/ with its short preset (in a mirror of the project, test/support/mirror.ts,
// so nothing is written into notebooks/ or next to them) into results/browser-check/; then headless
// Chromium (Debian's `chromium`, driven by playwright-core) opens index.html and every lab page from
// disk with all network requests refused, and checks: no console errors, no request leaves the
// disk, every image, chart and formula has a size, every GIF decodes (every frame), every link
// resolves to a file (and anchor), and the page does not scroll sideways. It saves a full-page
// screenshot of each page as results/browser-check/screenshots/<page>.png.
//
// BPTT_BROWSER_RESULTS=<folder> checks an existing site instead (e.g. `npm run notebooks` then
// BPTT_BROWSER_RESULTS=results node --import tsx --test test/browser.test.ts), screenshots into
// <folder>/screenshots/. Skipped, with the reason, where Chromium is not installed (.ci/run installs
// it; with BPTT_REQUIRE_CLIENTS=1, as .ci/run sets, a missing Chromium fails instead).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { ROOT, makeProjectMirror, projectNotebooks, type ProjectMirror } from "./support/mirror";
import { checkRichOutputs } from "./support/rich-outputs";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const given = process.env.BPTT_BROWSER_RESULTS ? path.resolve(process.env.BPTT_BROWSER_RESULTS) : undefined;
const SITE = given ?? path.join(ROOT, "results", "browser-check");
const SCREENSHOTS = path.join(SITE, "screenshots");
const VIEWPORT = { width: 1280, height: 900 };
const NARROW = { width: 420, height: 800 };

const chromiumMissing = fs.existsSync(CHROMIUM)
  ? undefined
  : `Chromium is not installed at ${CHROMIUM} (install: apt-get install chromium, or set CHROMIUM_PATH; .ci/run does)`;
const required = process.env.BPTT_REQUIRE_CLIENTS === "1";
const skip = chromiumMissing && !required ? chromiumMissing : false;

/** The pages to open: the index and one per notebook (discovered: the given site's, or notebooks/'s). */
function pageNames(): string[] {
  const names = given
    ? fs.existsSync(given)
      ? fs.readdirSync(given).filter((f) => f.endsWith(".html") && f !== "index.html").map((f) => f.replace(/\.html$/, ""))
      : []
    : projectNotebooks().map((f) => path.basename(f, ".ipynb"));
  return ["index", ...names.sort()];
}

interface RunnerRun {
  code: number | null;
  output: string;
}

/** The runner, as `npm run notebooks -- --preset short --keep-going`, on copies of the notebooks in the mirror. */
function buildSite(mirror: ProjectMirror): Promise<RunnerRun> {
  for (const file of projectNotebooks()) fs.copyFileSync(file, path.join(mirror.notebooks, path.basename(file)));
  fs.rmSync(SITE, { recursive: true, force: true });
  // From the mirror's root, so that the pages name their source as notebooks/<name>.ipynb.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "scripts", "run-notebooks.ts"), "--preset", "short", "--keep-going", "--out", SITE, "notebooks"],
    { cwd: mirror.root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

interface PageFacts {
  images: Array<{ src: string; width: number; height: number; naturalWidth: number; decoded: boolean; error?: string }>;
  /** The src of every GIF image (decoded frame by frame by decodeGif). */
  gifs: string[];
  svgs: Array<{ width: number; height: number }>;
  maths: Array<{ width: number; height: number; text: string }>;
  links: Array<{ href: string; raw: string }>;
  ids: string[];
  scrollWidth: number;
  clientWidth: number;
}

/**
 * Runs in the page: sizes of every image, chart and formula, GIF decoding, links and ids. Plain
 * JavaScript in a string, because tsx (esbuild) would add helpers (__name) to a function's source
 * that do not exist in the page.
 */
const PAGE_SCRIPT = `(async () => {
  const short = (s) => (s.length > 80 ? s.slice(0, 80) + "…" : s);
  const images = await Promise.all([...document.images].map(async (img) => {
    let decoded = true, error;
    try { await img.decode(); } catch (e) { decoded = false; error = String(e); }
    const box = img.getBoundingClientRect();
    return { src: short(img.currentSrc || img.src), width: box.width, height: box.height, naturalWidth: img.naturalWidth, decoded, error };
  }));
  const gifs = [...document.images].map((img) => img.src).filter((src) => /^data:image\\/gif|\\.gif($|[?#])/.test(src));
  // Outermost <svg> only (charts); an inner <svg> is part of its chart.
  const svgs = [...document.querySelectorAll("svg")]
    .filter((svg) => !(svg.parentElement && svg.parentElement.closest("svg")))
    .map((svg) => { const box = svg.getBoundingClientRect(); return { width: box.width, height: box.height }; });
  const maths = [...document.querySelectorAll("math")].map((m) => {
    const box = m.getBoundingClientRect();
    return { width: box.width, height: box.height, text: short(m.textContent || "") };
  });
  const links = [...document.querySelectorAll("a[href]")].map((a) => ({ href: a.href, raw: a.getAttribute("href") || "" }));
  const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
  return { images, gifs, svgs, maths, links, ids,
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
  return (await page.evaluate(`(${DECODE_GIF})(${JSON.stringify(gifBase64(src))})`)) as { frames: number; error?: string };
}

/** Links that do not resolve: a missing file, or an anchor that its page does not have. */
function brokenLinks(pageFile: string, facts: PageFacts): string[] {
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
      broken.push(`${raw}: ${path.relative(SITE, target)} does not exist`);
      continue;
    }
    if (anchor && target.endsWith(".html") && !fs.readFileSync(target, "utf8").includes(`id="${anchor}"`)) {
      broken.push(`${raw}: ${path.basename(target)} has no element with id "${anchor}"`);
    }
  }
  return broken;
}

// Skipped as one test (a skipped suite would count as no tests at all in the summary).
if (skip) test("results site in Chromium", { skip }, () => {});
else describe("results site in Chromium", () => {
  let mirror: ProjectMirror | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let runner: RunnerRun | undefined;

  before(async () => {
    if (chromiumMissing) throw new Error(`BPTT_REQUIRE_CLIENTS=1 but ${chromiumMissing}`);
    if (!given) {
      mirror = makeProjectMirror("bptt-browser-");
      runner = await buildSite(mirror);
    }
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: VIEWPORT,
      offline: true,
    });
  });

  after(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    mirror?.remove();
  });

  test("the runner builds the site from every notebook (short preset)", { skip: given ? "checking a given site" : false }, (t) => {
    assert.ok(runner, "the runner ran");
    assert.ok(fs.existsSync(path.join(SITE, "index.html")), `no index.html; runner output:\n${runner.output.slice(-3000)}`);
    const index = JSON.parse(fs.readFileSync(path.join(SITE, "index.json"), "utf8")) as { notebooks: Array<{ name: string; status: string }> };
    const listed = index.notebooks.map((n) => n.name);
    for (const name of pageNames().slice(1)) assert.ok(listed.includes(name), `${name} missing from index.json`);
    // A notebook that fails is its lab test's business; its page must still read well here.
    const failed = index.notebooks.filter((n) => n.status !== "ok").map((n) => `${n.name} ${n.status}`);
    if (failed.length) t.diagnostic(`not ok in the runner: ${failed.join(", ")}`);
  });

  test("every executed notebook's charts and GIFs carry their fallbacks", { skip: given ? "checking a given site" : false }, () => {
    const problems = pageNames()
      .slice(1)
      .flatMap((name) => {
        const file = path.join(SITE, `${name}.ipynb`);
        if (!fs.existsSync(file)) return [`${name}.ipynb was not written`];
        return checkRichOutputs(JSON.parse(fs.readFileSync(file, "utf8"))).problems.map((p) => `${name}: ${p}`);
      });
    assert.deepEqual(problems, []);
  });

  for (const name of pageNames()) {
    test(`${name}.html loads from disk cleanly, every figure shows, every link resolves`, async (t) => {
      const file = path.join(SITE, `${name}.html`);
      assert.ok(fs.existsSync(file), `${path.relative(ROOT, file)} was not written`);
      const page = await context!.newPage();
      const problems: string[] = [];
      const warnings: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console error: ${message.text()}`);
        if (message.type() === "warning") warnings.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("requestfailed", (request) => problems.push(`request failed: ${request.url().slice(0, 120)} (${request.failure()?.errorText})`));
      // Pages must not need the network: every request that is not a local file or inline data is refused and reported.
      await page.route(/^(?!file:|data:)/, (route) => {
        problems.push(`network request: ${route.request().url().slice(0, 120)}`);
        return route.abort();
      });
      try {
        await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
        const facts = await collectFacts(page);
        for (const img of facts.images) {
          if (!img.decoded) problems.push(`image does not decode: ${img.src} (${img.error})`);
          if (!(img.naturalWidth > 0 && img.width > 0 && img.height > 0)) {
            problems.push(`image without size: ${img.src} (${img.width}×${img.height}, natural width ${img.naturalWidth})`);
          }
        }
        const gifFrames: number[] = [];
        for (const src of facts.gifs) {
          const gif = await decodeGif(page, src);
          gifFrames.push(gif.frames);
          if (gif.error || !(gif.frames > 0)) problems.push(`GIF does not decode: ${src.slice(0, 80)} (${gif.error ?? `${gif.frames} frames`})`);
        }
        facts.svgs.forEach((svg, i) => {
          if (!(svg.width > 0 && svg.height > 0)) problems.push(`chart (svg ${i + 1}) without size: ${svg.width}×${svg.height}`);
        });
        for (const math of facts.maths) {
          if (!(math.width > 0 && math.height > 0)) problems.push(`formula without size: ${math.text}`);
        }
        problems.push(...brokenLinks(file, facts).map((b) => `broken link ${b}`));
        if (facts.scrollWidth > facts.clientWidth) problems.push(`the page scrolls sideways at ${VIEWPORT.width} px: ${facts.scrollWidth} px wide`);
        await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
        // On a phone-sized window, wide outputs scroll inside their boxes, not the page.
        await page.setViewportSize(NARROW);
        const narrow = (await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")) as number[];
        if (narrow[0]! > narrow[1]!) problems.push(`the page scrolls sideways at ${NARROW.width} px: ${narrow[0]} px wide`);
        t.diagnostic(
          `${facts.images.length} images (${gifFrames.map((n) => `${n}-frame GIF`).join(", ") || "no GIFs"}), ` +
            `${facts.svgs.length} SVG charts, ${facts.maths.length} formulas, ${facts.links.length} links`,
        );
        if (warnings.length) t.diagnostic(`console warnings: ${warnings.join(" | ")}`);
      } finally {
        await page.close();
      }
      assert.deepEqual(problems, [], `${path.relative(ROOT, file)}:\n${problems.join("\n")}`);
    });
  }
});
