// Results sites for the browser tests (test/browser.test.ts, test/jupyterlab-renderer.test.ts): the
// project's notebooks run with their short preset in a mirror of the project (test/support/mirror.ts,
// so nothing is written into notebooks/ or results/), the explorables fixture
// (test/fixtures/notebooks/explorables.ipynb), and the tracked full run in results/ when it is there.
// Also the Chromium launch both tests use.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { ROOT, makeProjectMirror, projectNotebooks } from "./mirror";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
// Without the background-networking flags, Chromium tries Google's hosts at every start.
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const chromiumMissing = fs.existsSync(CHROMIUM)
  ? undefined
  : `Chromium is not installed at ${CHROMIUM} (install: apt-get install chromium, or set CHROMIUM_PATH; .ci/run does)`;
/** Skip reason for a Chromium test: none when Chromium is there or BPTT_REQUIRE_CLIENTS=1 makes it required (.ci/run). */
export const chromiumSkip = chromiumMissing && process.env.BPTT_REQUIRE_CLIENTS !== "1" ? chromiumMissing : false;

export const FIXTURE_NOTEBOOK = path.join(ROOT, "test", "fixtures", "notebooks", "explorables.ipynb");
/** The tracked full run, checked when it is there (test/results-site.test.ts says whether it is current). */
export const TRACKED_RESULTS = path.join(ROOT, "results");

export interface RunnerRun {
  code: number | null;
  output: string;
}

function runRunner(args: string[], cwd: string): Promise<RunnerRun> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "run-notebooks.ts"), ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** `npm run notebooks -- --preset short --keep-going --out <out>` on copies of the project's notebooks. */
export async function buildShortSite(out: string): Promise<RunnerRun> {
  const mirror = makeProjectMirror("bptt-site-");
  try {
    for (const file of projectNotebooks()) fs.copyFileSync(file, path.join(mirror.notebooks, path.basename(file)));
    fs.rmSync(out, { recursive: true, force: true });
    // From the mirror's root, so that the pages name their source as notebooks/<name>.ipynb.
    return await runRunner(["--preset", "short", "--keep-going", "--out", out, "notebooks"], mirror.root);
  } finally {
    mirror.remove();
  }
}

/** The explorables fixture, run where it lies (it imports ../../../dist and writes nothing). */
export async function buildFixtureSite(out: string): Promise<RunnerRun> {
  fs.rmSync(out, { recursive: true, force: true });
  return runRunner(["--out", out, FIXTURE_NOTEBOOK], ROOT);
}

/** A fresh folder under the system's temporary folder, for sites and screenshots a person may look at. */
export function scratchDir(name: string): string {
  const dir = path.join(os.tmpdir(), name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a new empty profile; `offline` so that nothing can leave the machine. */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    offline: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The executed notebooks of a site folder, by name. */
export function executedNotebooks(site: string): string[] {
  if (!fs.existsSync(site)) return [];
  return fs
    .readdirSync(site)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(site, f));
}
