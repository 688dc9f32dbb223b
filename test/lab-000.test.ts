// Lab 000 end to end: the headless runner executes the notebook with its short preset (3 + 6 epochs,
// small GIFs written to a temporary folder), and the executed notebook holds the expected numbers,
// charts and animations; each GIF decodes (LZW and all) to one full frame per epoch.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Cell, ROOT as root, joined, runNotebooks, streamText } from "./support/notebook-run";
import { observabilityDeterminant, ssnn } from "../src/models/ssnn";
import { NumpyRandom } from "../src/random";
import { GifReader } from "omggif";

const out = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-lab-000-"));
const gifDir = path.join(out, "gifs");
const NAME = "000-network-convergence";
// The short preset's epochs (notebook metadata.bptt_lab.presets.short).
const SINE_EPOCHS = 3;
const HARMONICS_EPOCHS = 6;

const outputsOf = (nb: { cells: Cell[] }) => nb.cells.flatMap((c) => c.outputs ?? []);
const stream = streamText;

const notebookRun = runNotebooks([NAME], {
  prefix: "bptt-lab-000-",
  out,
  args: ["--param", `resultsDir=${JSON.stringify(gifDir)}`],
});
const run = notebookRun.run;
const executed = () => notebookRun.read(NAME);

/** A number printed after `label` in `text`. */
function numberAfter(text: string, label: RegExp): number {
  const m = new RegExp(label.source + String.raw`\s*(-?[\d.]+(?:e[-+]?\d+)?)`).exec(text);
  assert.ok(m, `no number after ${label} in:\n${text}`);
  return Number(m[1]);
}

test("the runner executes lab 000 with the short preset, without errors or warnings", () => {
  assert.equal(run.status, 0, `exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  assert.ok(fs.existsSync(path.join(out, `${NAME}.html`)));
  const nb = executed();
  assert.equal(stream(nb, "stderr"), "", "nothing on stderr (Vega-Lite warnings, tslab errors)");
  // The stored notebook has the presets the runner used, and no outputs.
  const stored = JSON.parse(fs.readFileSync(path.join(root, "notebooks", `${NAME}.ipynb`), "utf8"));
  assert.deepEqual(stored.metadata.bptt_lab.presets.short, {
    sineEpochs: SINE_EPOCHS,
    harmonicsEpochs: HARMONICS_EPOCHS,
    frameScale: 0.6,
  });
  assert.ok(
    stored.cells.every((c: Cell) => c.cell_type !== "code" || (c.outputs ?? []).length === 0),
    "stored without outputs",
  );
});

test("lab 000 prints its data, a passing gradient check and converging runs", () => {
  const text = stream(executed(), "stdout");
  assert.match(text, /TensorFlow\.js backend: \w+/);
  // Every window is used: 11 × 32 + 28 for the sine, 23 × 32 + 24 for the harmonics.
  assert.ok(
    text.includes(`inputs [380,20,1], targets [380,1]; batches of ${Array(11).fill(32).join(", ")}, 28 windows`),
    text,
  );
  assert.ok(text.includes("inputs [760,40,1], targets [760,1]; 24 batches, the last of 24 windows"), text);
  // Gradient check table: finite differences and autodiff for A, B, C, D.
  const rows = [...text.matchAll(/^([ABCD])\s+\[[\d, ]+\]\s+\d+\s+([\d.e+-]+)\s+([\d.e+-]+)$/gm)];
  assert.deepEqual(
    rows.map((r) => r[1]),
    ["A", "B", "C", "D"],
    text,
  );
  for (const r of rows) {
    assert.ok(Number(r[2]) < 1e-6, `${r[1]}: finite-difference rel. error ${r[2]}`);
    assert.ok(Number(r[3]) < 1e-4, `${r[1]}: autodiff rel. error ${r[3]}`);
  }
  // Seed 0 draws the same weights every run, so the first epoch's loss is fixed (float64 loops; main's value before the model contract).
  const sine = text.split("\n").find((l) => l.startsWith("SSNN, pure sine:")) ?? "";
  assert.match(
    sine,
    new RegExp(`^SSNN, pure sine: ${SINE_EPOCHS} epochs × 12 batches in [\\d.]+ s; loss \\(epoch mean\\) 7\\.887 → `),
  );
  const sineLast = numberAfter(sine, /7\.887 →/);
  assert.ok(sineLast < 7.887 / 10, `pure sine loss fell to ${sineLast}`);
  // The harmonics net is the second one drawn from the notebook's generator (NumpyRandom(seed = 0)),
  // as the original's second SSNN(...) takes the next numbers of torch's generator.
  const rng = new NumpyRandom(0);
  ssnn({ rng });
  const harmonicsDet = observabilityDeterminant(ssnn({ rng }).params).toExponential(3);
  assert.ok(text.includes(`det(O) at start = ${harmonicsDet} (the sine net's: -5.720e-20)`), text);
  const harm = text.split("\n").find((l) => l.startsWith("SSNN, 3 harmonics:")) ?? "";
  const harmonicsLine = new RegExp(
    String.raw`^SSNN, 3 harmonics: ${HARMONICS_EPOCHS} epochs × 24 batches in [\d.]+ s; loss \(epoch mean\) ([\d.e+-]+) → ([\d.e+-]+); ` +
      String.raw`det\(O\) ${harmonicsDet.replace(/[.+-]/g, "\\$&")} → (-?[\d.]+e[-+]\d+)$`,
  ).exec(harm);
  assert.ok(harmonicsLine, harm);
  const [harmFirst, harmLast, detEnd] = harmonicsLine.slice(1).map(Number);
  assert.ok(Number.isFinite(detEnd) && detEnd !== 0, `det(O) at the end: ${detEnd}`);
  // The notebook says the harmonics' loss fell at least 10×, and the ratio it prints is the right one.
  const fall = numberAfter(text, /The loss fell/);
  assert.ok(fall >= 10, `fell ${fall}×`);
  assert.ok(Math.abs(fall - harmFirst / harmLast) <= 0.06 * fall, `printed fall ${fall} vs ${harmFirst} / ${harmLast}`);
  assert.ok(text.includes("× from the first epoch to the last (at least 10×"), text);
  // Roll-outs with the training window continue the sine far better than the lab's windows of 10.
  const w10 = numberAfter(text, /SSNN, pure sine: largest roll-out error, windows of 10:/);
  const w20 = numberAfter(text, /SSNN, pure sine: largest roll-out error, windows of 10: [\d.e+-]+; windows of 20:/);
  assert.ok(w20 < w10 / 10, `windows of 20: ${w20}, of 10: ${w10}`);
  // Timings are printed for training and for each GIF stage; one compiled layout serves every frame.
  const timing = String.raw`\d+×\d+, \d+ KB; N frames: SVG [\d.]+ ms \+ raster [\d.]+ ms \+ encode [\d.]+ ms per frame \(1 layout\), [\d.]+ s in all; the training took [\d.]+ s`;
  assert.match(text, new RegExp(String.raw`pure-sine\.gif: ` + timing.replace("N", String(SINE_EPOCHS))));
  assert.match(text, new RegExp(String.raw`3-harmonics\.gif: ` + timing.replace("N", String(HARMONICS_EPOCHS))));
});

test("charts are Vega-Lite specs with a static fallback; the GIFs are shown with an <img> copy", () => {
  const displays = outputsOf(executed()).filter(
    (o) => o.output_type === "display_data" && o.data?.["text/plain"] && !String(o.data["text/plain"]).includes("it/s"),
  );
  const gifs = displays.filter((o) => /^<img src="data:image\/gif;base64,/.test(String(o.data?.["text/html"])));
  assert.equal(gifs.length, 2);
  for (const g of gifs) assert.equal(g.data?.["image/gif"], undefined, "each GIF stored once, as its <img>");
  const charts = displays.filter((o) => o.data?.["application/vnd.vegalite.v5+json"]);
  assert.equal(charts.length, 4, "an epoch explorer per run, per-batch loss and det(O), roll-out comparison");
  for (const c of charts) assert.match(String(c.data?.["image/svg+xml"]), /^<svg/);
  // Each run's explorer: the GIF frame's two panels, an epoch slider over the run, its caption picked by the slider.
  for (const [k, epochs] of [
    [0, SINE_EPOCHS],
    [1, HARMONICS_EPOCHS],
  ] as const) {
    const spec = charts[k].data?.["application/vnd.vegalite.v5+json"] as {
      vconcat: { title: { text: string } }[];
      title: { text: { expr: string } };
      params: { name: string; value: number; bind: Record<string, unknown> }[];
    };
    assert.deepEqual(
      spec.vconcat.map((p) => p.title.text),
      ["Output over time", "Loss over epoch"],
    );
    assert.deepEqual(spec.params, [
      { name: "epoch", value: epochs, bind: { input: "range", min: 1, max: epochs, step: 1, name: "epoch " } },
    ]);
    const captions: string[] = JSON.parse(spec.title.text.expr.replace(/\[epoch - 1\]$/, ""));
    assert.equal(captions.length, epochs);
    assert.match(
      captions[epochs - 1],
      new RegExp(`^epoch ${epochs}/${epochs} · loss [\\d.e+-]+ · det\\(O\\) -?[\\d.]+e[-+]\\d+$`),
    );
  }
});

test("lab 000 shows the library's SSNN and observability code where the original had its module and support cell", () => {
  const sources = outputsOf(executed())
    .map((o) => joined(o.data?.["text/markdown"] as string | string[] | undefined))
    .filter((m) => m.includes("```typescript"));
  const declared = sources.map((m) => /export function (\w+)/.exec(m)?.[1]);
  assert.deepEqual(declared, ["observabilityMatrix", "observabilityDeterminant", "ssnnForward", "ssnnBptt"]);
  for (const m of sources) assert.match(m, /^`src\/models\/ssnn\.ts, lines \d+–\d+`/);
});

test("every figure of lab 000 fits a 978 px notebook column (≤ 960 px wide)", () => {
  const svgs = outputsOf(executed())
    .map((o) => o.data?.["image/svg+xml"] as string | string[] | undefined)
    .filter((s) => s !== undefined)
    .map(joined);
  assert.equal(svgs.length, 4);
  for (const svg of svgs) {
    const width = Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)?.[1]);
    assert.ok(width > 0 && width <= 960, `a figure ${width} px wide`);
  }
});

test("the GIFs decode: one full frame per epoch, 100 ms each, looping", () => {
  for (const [file, epochs] of [
    ["pure-sine.gif", SINE_EPOCHS],
    ["3-harmonics.gif", HARMONICS_EPOCHS],
  ] as const) {
    const gif = decodeGif(fs.readFileSync(path.join(gifDir, file)));
    assert.equal(gif.frames.length, epochs, `${file}: frames`);
    // frameScale 0.6 of a frame about 470 px wide.
    assert.ok(
      gif.width > 200 && gif.width < 350 && gif.height > 150 && gif.height < gif.width,
      `${file}: ${gif.width}×${gif.height}`,
    );
    assert.equal(gif.loops, 0, `${file}: loops forever`);
    for (const [i, f] of gif.frames.entries()) {
      assert.equal(f.delayCs, 10, `${file} frame ${i}: delay`);
      assert.deepEqual(
        [f.left, f.top, f.width, f.height],
        [0, 0, gif.width, gif.height],
        `${file} frame ${i}: covers the screen`,
      );
      assert.equal(f.pixels.length, gif.width * gif.height, `${file} frame ${i}: decoded pixel count`);
    }
    // Each frame as a viewer shows it (drawn over the previous one, whose unchanged pixels it leaves
    // transparent): white background in the corner, and the blue roll-out line somewhere.
    const reader = new GifReader(new Uint8Array(fs.readFileSync(path.join(gifDir, file))));
    const canvas = new Uint8Array(gif.width * gif.height * 4);
    for (let i = 0; i < reader.numFrames(); i++) {
      reader.decodeAndBlitFrameRGBA(i, canvas);
      assert.deepEqual([...canvas.subarray(0, 3)], [255, 255, 255], `${file} frame ${i}: white corner`);
      let blue = false;
      for (let p = 0; p < canvas.length && !blue; p += 4)
        blue = canvas[p + 2] > 200 && canvas[p] < 80 && canvas[p + 1] < 80;
      assert.ok(blue, `${file} frame ${i}: a blue line`);
    }
  }
});

interface GifFrame {
  left: number;
  top: number;
  width: number;
  height: number;
  delayCs: number;
  pixels: Uint8Array;
}

/** A small GIF89a decoder (global palette, LZW), enough to prove the files are whole and well-formed. */
function decodeGif(bytes: Uint8Array): {
  width: number;
  height: number;
  loops?: number;
  palette: number[];
  frames: GifFrame[];
} {
  const u16 = (i: number) => bytes[i] | (bytes[i + 1] << 8);
  assert.equal(String.fromCharCode(...bytes.subarray(0, 6)), "GIF89a");
  const width = u16(6),
    height = u16(8),
    packed = bytes[10];
  let p = 13;
  let palette: number[] = [];
  if (packed & 0x80) {
    const n = 3 * (1 << ((packed & 7) + 1));
    palette = [...bytes.subarray(p, p + n)];
    p += n;
  }
  const frames: GifFrame[] = [];
  let loops: number | undefined;
  let delayCs = 0;
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    while (bytes[p] !== 0) {
      parts.push(...bytes.subarray(p + 1, p + 1 + bytes[p]));
      p += bytes[p] + 1;
    }
    p += 1;
    return Uint8Array.from(parts);
  };
  for (;;) {
    const block = bytes[p];
    assert.ok(p < bytes.length, "GIF ends without a trailer");
    if (block === 0x3b) break;
    if (block === 0x21) {
      const label = bytes[p + 1];
      if (label === 0xf9) delayCs = u16(p + 4);
      if (label === 0xff && String.fromCharCode(...bytes.subarray(p + 3, p + 14)) === "NETSCAPE2.0")
        loops = u16(p + 16);
      p += 2;
      subBlocks();
      continue;
    }
    assert.equal(block, 0x2c, `image descriptor expected at byte ${p}`);
    const [left, top, w, h] = [u16(p + 1), u16(p + 3), u16(p + 5), u16(p + 7)];
    const local = bytes[p + 9];
    p += 10;
    if (local & 0x80) p += 3 * (1 << ((local & 7) + 1));
    const minCodeSize = bytes[p++];
    frames.push({ left, top, width: w, height: h, delayCs, pixels: lzwDecode(subBlocks(), minCodeSize, w * h) });
  }
  return { width, height, loops, palette, frames };
}

/** GIF's variable-width LZW; throws on a code that is not in the table yet (a corrupt stream). */
function lzwDecode(data: Uint8Array, minCodeSize: number, pixelCount: number): Uint8Array {
  const clear = 1 << minCodeSize,
    end = clear + 1;
  const out = new Uint8Array(pixelCount);
  let n = 0;
  let dict: number[][] = [];
  const reset = () => {
    dict = Array.from({ length: clear + 2 }, (_, i) => (i < clear ? [i] : []));
  };
  reset();
  let size = minCodeSize + 1,
    bit = 0,
    prev: number[] | undefined;
  for (;;) {
    if (bit + size > data.length * 8) break;
    let code = 0;
    for (let i = 0; i < size; i++, bit++) code |= ((data[bit >> 3] >> (bit & 7)) & 1) << i;
    if (code === clear) {
      reset();
      size = minCodeSize + 1;
      prev = undefined;
      continue;
    }
    if (code === end) break;
    let entry: number[];
    if (code < dict.length) entry = dict[code];
    else if (code === dict.length && prev) entry = [...prev, prev[0]];
    else throw new Error(`LZW code ${code} not in a table of ${dict.length}`);
    for (const v of entry) {
      if (n < pixelCount) out[n++] = v;
    }
    if (prev && dict.length < 4096) {
      dict.push([...prev, entry[0]]);
      if (dict.length === 1 << size && size < 12) size++;
    }
    prev = entry;
  }
  assert.equal(n, pixelCount, "LZW stream holds every pixel");
  return out;
}
