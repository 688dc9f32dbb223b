// src/render: SVG, PNG, RGBA, GIF and files, checked on the bytes they produce.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { TopLevelSpec } from "vega-lite";
import { GifReader } from "omggif";
import { lineChart } from "../src/plot/lines";
import { animateSpecs, encodeGif, renderPng, renderRgba, renderSvg, saveFigure, RgbaImage } from "../src/render/index";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A 200×100 plot area entirely filled by one red rect, no axes: pixels are predictable. */
function redBlock(width = 200, height = 100): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width,
    height,
    padding: 10,
    data: { values: [{ a: 0, b: 1 }] },
    mark: { type: "rect", color: "#ff0000" },
    encoding: {
      x: { field: "a", type: "quantitative", scale: { domain: [0, 1] }, axis: null },
      x2: { datum: 1 },
      y: { datum: 0, type: "quantitative", scale: { domain: [0, 1] }, axis: null },
      y2: { datum: 1 },
    },
    config: { view: { stroke: null } },
  } as TopLevelSpec;
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  assert.ok(m, "svg has width and height");
  return { width: Number(m[1]), height: Number(m[2]) };
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  assert.equal(String.fromCharCode(...png.subarray(12, 16)), "IHDR");
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

test("renderSvg: a line chart becomes an SVG document with its title", async () => {
  const svg = await renderSvg(lineChart({ series: [{ name: "loss", values: [3, 2, 1] }], title: "Training loss" }));
  assert.ok(svg.startsWith("<svg"), svg.slice(0, 40));
  assert.match(svg, />Training loss</);
});

test("renderSvg: a spec Vega-Lite rejects fails with a message naming the problem", async () => {
  await assert.rejects(
    renderSvg({ mark: "nonsense" } as unknown as TopLevelSpec),
    /renderSvg: spec\.mark has unknown type "nonsense"; Vega-Lite marks are arc, area/,
  );
  await assert.rejects(
    renderSvg({ layer: [{ mark: "line" }, { mark: { type: "dot" } }] } as unknown as TopLevelSpec),
    /renderSvg: spec\.layer\[1\]\.mark has unknown type "dot"/,
  );
  // What Vega-Lite itself rejects comes back with its message, prefixed.
  await assert.rejects(
    renderSvg({
      data: { values: [] },
      mark: "point",
      encoding: { x: { field: "a", type: "nonsense" } },
    } as unknown as TopLevelSpec),
    /renderSvg: Vega-Lite could not compile the spec: Invalid field type/,
  );
  await assert.rejects(
    renderSvg({
      data: { values: [] },
      mark: "point",
      encoding: { x: { field: "a", type: "quantitative", axis: { labelExpr: "datum.value +" } } },
    } as unknown as TopLevelSpec),
    /renderSvg: Vega could not render the spec: Expression parse error/,
  );
  await assert.rejects(renderSvg(null as unknown as TopLevelSpec), /renderSvg: expected a Vega-Lite spec object/);
});

test("renderPng: PNG bytes at the requested scale", async () => {
  const spec = redBlock();
  const { width, height } = svgSize(await renderSvg(spec));
  const png = await renderPng(spec);
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
  assert.deepEqual(pngSize(png), { width: width * 2, height: height * 2 });
  const png3 = await renderPng(spec, { scale: 3 });
  assert.deepEqual(pngSize(png3), { width: width * 3, height: height * 3 });
  await assert.rejects(renderPng(spec, { dpi: 300 } as never), /renderPng: unknown option dpi/);
  await assert.rejects(renderPng(spec, { scale: 0 }), /renderPng: scale must be a number > 0/);
});

test("renderRgba: white background at (0, 0), the red block inside, requested width", async () => {
  const img = await renderRgba(redBlock(), { width: 440 });
  assert.equal(img.width, 440);
  assert.equal(img.data.length, img.width * img.height * 4);
  const at = (x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];
  assert.deepEqual(at(0, 0), [255, 255, 255, 255]);
  assert.deepEqual(at(Math.floor(img.width / 2), Math.floor(img.height / 2)), [255, 0, 0, 255]);
});

/** Walks a GIF's blocks: screen size, loop extension, and per frame its delay and size. */
function readGif(bytes: Uint8Array) {
  const u16 = (i: number) => bytes[i] | (bytes[i + 1] << 8);
  assert.equal(String.fromCharCode(...bytes.subarray(0, 6)), "GIF89a");
  const width = u16(6);
  const height = u16(8);
  const packed = bytes[10];
  let p = 13;
  if (packed & 0x80) p += 3 * (1 << ((packed & 7) + 1)); // global colour table
  const frames: { delayCs: number; width: number; height: number }[] = [];
  let loops: number | undefined;
  let pendingDelay = 0;
  const skipSubBlocks = () => {
    while (bytes[p] !== 0) p += bytes[p] + 1;
    p += 1;
  };
  for (;;) {
    const block = bytes[p];
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      const label = bytes[p + 1];
      if (label === 0xf9) {
        pendingDelay = u16(p + 4);
        p += 2;
        skipSubBlocks();
        continue;
      }
      if (label === 0xff && String.fromCharCode(...bytes.subarray(p + 3, p + 14)) === "NETSCAPE2.0")
        loops = u16(p + 16);
      p += 2;
      skipSubBlocks();
      continue;
    }
    assert.equal(block, 0x2c, `image descriptor expected at byte ${p}`);
    frames.push({ delayCs: pendingDelay, width: u16(p + 5), height: u16(p + 7) });
    const local = bytes[p + 9];
    p += 10;
    if (local & 0x80) p += 3 * (1 << ((local & 7) + 1));
    p += 1; // LZW minimum code size
    skipSubBlocks();
  }
  return { width, height, frames, loops };
}

function solidFrame(width: number, height: number, rgb: [number, number, number]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = rgb[0];
    data[i + 1] = rgb[1];
    data[i + 2] = rgb[2];
    data[i + 3] = 255;
  }
  return { width, height, data };
}

test("encodeGif: 3 frames, their size, delay and an endless loop", () => {
  const frames = [solidFrame(20, 10, [255, 0, 0]), solidFrame(20, 10, [0, 255, 0]), solidFrame(20, 10, [0, 0, 255])];
  const gif = readGif(encodeGif(frames, { delayMs: 120 }));
  assert.equal(gif.width, 20);
  assert.equal(gif.height, 10);
  assert.equal(gif.frames.length, 3);
  assert.deepEqual(
    gif.frames.map((f) => f.delayCs),
    [12, 12, 12],
  );
  assert.ok(gif.frames.every((f) => f.width === 20 && f.height === 10));
  assert.equal(gif.loops, 0, "NETSCAPE loop count 0 = forever");
  assert.equal(
    readGif(encodeGif(frames, { delayMs: 50, loop: false })).loops,
    undefined,
    "play once: no loop extension",
  );
});

test("encodeGif: a frame stores only what changed, and the decoded frames are the frames drawn", async () => {
  // Few colours (a moving block on a still background): every decoded frame must equal its source exactly.
  const moving = [0, 3, 3, 7].map((x) => {
    const f = solidFrame(24, 12, [250, 250, 250]);
    for (let y = 2; y < 8; y++) for (let k = x; k < x + 5; k++) f.data.set([200, 30, 40, 255], (y * 24 + k) * 4);
    return f;
  });
  // A real chart (anti-aliased, more colours than a palette holds): each source colour must decode
  // to one and the same palette colour in every frame, as in a GIF of full frames; a pixel left
  // stale by a wrong "unchanged" would break that.
  const charts = await Promise.all(
    [1, 2, 3].map((k) =>
      renderRgba(
        lineChart({ series: [{ name: "loss", values: [3, 2, k, 1.5] }], width: 120, height: 60, yDomain: [0, 4] }),
      ),
    ),
  );
  for (const [frames, exact] of [
    [moving, true],
    [charts, false],
  ] as const) {
    const reader = new GifReader(encodeGif(frames, { delayMs: 100 }));
    assert.equal(reader.numFrames(), frames.length);
    const canvas = new Uint8Array(reader.width * reader.height * 4);
    const decodedAs = new Map<number, number>();
    for (let i = 0; i < frames.length; i++) {
      const info = reader.frameInfo(i);
      assert.equal(info.disposal, 1, `frame ${i}: left in place for the next`);
      assert.equal(info.transparent_index === null, i === 0, `frame ${i}: only later frames leave pixels unchanged`);
      reader.decodeAndBlitFrameRGBA(i, canvas);
      const src = frames[i].data;
      if (exact) assert.deepEqual(canvas, new Uint8Array(src), `frame ${i} decodes to its source`);
      let worst = 0;
      for (let p = 0; p < canvas.length; p += 4) {
        const from = (src[p] << 16) | (src[p + 1] << 8) | src[p + 2];
        const to = (canvas[p] << 16) | (canvas[p + 1] << 8) | canvas[p + 2];
        const before = decodedAs.get(from) ?? to;
        if (before !== to)
          assert.fail(
            `frame ${i}, pixel ${p / 4}: colour ${from.toString(16)} decodes to ${to.toString(16)}, earlier to ${before.toString(16)}`,
          );
        decodedAs.set(from, to);
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(canvas[p + c] - src[p + c]));
      }
      assert.ok(worst <= 48, `frame ${i}: every pixel near its source colour (largest channel error ${worst})`);
    }
  }
});

test("encodeGif refuses frames of different sizes, naming the frame", () => {
  const frames = [solidFrame(20, 10, [0, 0, 0]), solidFrame(20, 10, [9, 9, 9]), solidFrame(21, 10, [0, 0, 0])];
  assert.throws(() => encodeGif(frames, { delayMs: 100 }), /encodeGif: frame 2 is 21×10 but frame 0 is 20×10/);
  assert.throws(() => encodeGif(frames.slice(0, 1), { delay: 100 } as never), /encodeGif: unknown option delay/);
});

test("animateSpecs: one frame per spec, all the same size", async () => {
  const specs = [1, 2, 3].map((k) =>
    lineChart({
      series: [{ name: "loss", values: [3, 2, k] }],
      width: 120,
      height: 60,
      yDomain: [0, 4],
      title: "epoch",
    }),
  );
  const gif = readGif(await animateSpecs(specs, { delayMs: 200, width: 150 }));
  assert.equal(gif.frames.length, 3);
  assert.equal(gif.width, 150);
  assert.deepEqual(
    gif.frames.map((f) => f.delayCs),
    [20, 20, 20],
  );
  // A frame whose layout differs (a much taller chart) is refused, or padded on request.
  const odd = [...specs, lineChart({ series: [{ name: "loss", values: [1, 2] }], width: 120, height: 200 })];
  await assert.rejects(animateSpecs(odd, { delayMs: 100 }), /animateSpecs: spec 3 renders \d+×\d+ but spec 0 renders/);
  const padded = readGif(await animateSpecs(odd, { delayMs: 100, pad: true }));
  assert.equal(padded.frames.length, 4);
});

test("saveFigure writes .svg and .png by extension, creating folders", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-render-"));
  try {
    const spec = redBlock(40, 20);
    const svgPath = await saveFigure(spec, path.join(dir, "a", "b", "chart.svg"));
    assert.ok(fs.readFileSync(svgPath, "utf8").startsWith("<svg"));
    const pngPath = await saveFigure(spec, path.join(dir, "c", "chart.png"), { scale: 1 });
    assert.deepEqual([...fs.readFileSync(pngPath).subarray(0, 8)], PNG_SIGNATURE);
    await assert.rejects(
      saveFigure(spec, path.join(dir, "chart.jpg")),
      /saveFigure: cannot tell the format of ".*chart\.jpg"; end the name with \.svg or \.png/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
