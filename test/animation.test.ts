// The fast animation path of src/render/animation.ts: frames that differ only in data and title
// text share one compiled view, and each frame's SVG is the one renderSvg draws for it alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TopLevelSpec } from "vega-lite";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  FrameRenderer,
  animateFrames,
  formatAnimationTiming,
  frameTemplate,
  saveAnimation,
} from "../src/render/animation";
import { renderSvg } from "../src/render/svg";
import { lineChart } from "../src/plot/lines";
import { vconcat, withTitle } from "../src/plot/compose";

/** A frame like lab 000's: a signal panel over a loss panel, a caption with the frame's numbers. */
function frame(k: number, yDomain: [number, number] = [-10, 10]): TopLevelSpec {
  const signal = Array.from({ length: 50 }, (_, i) => 5 * Math.sin(0.3 * i + k));
  const top = withTitle(
    lineChart({
      series: [
        { name: "truth", values: signal.map((v) => v * 0.9), color: "#bbbbbb" },
        { name: "model", values: signal, color: "b" },
      ],
      width: 200,
      height: 80,
      xDomain: [0, 49],
      yDomain,
      xTitle: "step",
    }),
    "Output over time",
  );
  const bottom = withTitle(
    lineChart({
      series: [
        {
          name: "loss",
          values: Array.from({ length: k + 1 }, (_, e) => 10 / (e + 1)),
          x: Array.from({ length: k + 1 }, (_, e) => e + 1),
          color: "k",
        },
      ],
      width: 200,
      height: 80,
      xDomain: [1, 10],
      yDomain: [0, 11],
    }),
    ["Loss over epoch", `(${k + 1} of 10)`],
  );
  return vconcat([top, bottom], {
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
    title: { text: `epoch ${k + 1} · loss ${(10 / (k + 1)).toFixed(3)}`, orient: "bottom" },
  });
}

/** Vega numbers clip paths with a global counter; everything else must match. */
const normalise = (svg: string) => svg.replace(/clip\d+/g, "clip");

test("frameTemplate: data and view titles vary, the rest is the layout", () => {
  const a = frameTemplate(frame(1));
  const b = frameTemplate(frame(4));
  assert.equal(a.key, b.key, "same layout");
  assert.equal(a.datasets.length, 2);
  assert.deepEqual(a.titles, ["epoch 2 · loss 5.000", "Output over time", ["Loss over epoch", "(2 of 10)"]]);
  assert.deepEqual(
    (b.datasets[1] as { x: number[] }[]).map((row) => row.x.length),
    [5],
    "the loss panel's points of frame 4 (one row per series)",
  );
  assert.ok(a.key.includes('"title":"step"'), "an axis title stays in the layout");
  assert.notEqual(frameTemplate(frame(1, [-20, 20])).key, a.key, "a new y domain is a new layout");
  // The caller's spec is left as it was.
  const spec = frame(2);
  const before = JSON.stringify(spec);
  frameTemplate(spec);
  assert.equal(JSON.stringify(spec), before);
});

test("FrameRenderer draws each frame exactly as renderSvg draws it alone, from one view per layout", async () => {
  const specs = [frame(0), frame(3), frame(9, [-7, 7]), frame(5), frame(0)];
  const renderer = new FrameRenderer({ warn: false });
  try {
    for (const [i, spec] of specs.entries()) {
      assert.equal(
        normalise(await renderer.svg(spec)),
        normalise(await renderSvg(spec, { warn: false })),
        `frame ${i}`,
      );
    }
    assert.equal(renderer.layouts, 2);
  } finally {
    renderer.dispose();
  }
});

test("animateFrames: one GIF frame per spec, one layout per distinct template, timings", async () => {
  const specs = Array.from({ length: 6 }, (_, k) => frame(k));
  specs.push(frame(6, [-20, 20])); // a new layout with tick labels of the same width
  const ticks: number[] = [];
  const gif = await animateFrames(specs, { delayMs: 80, scale: 0.5, onFrame: (i) => ticks.push(i) });
  assert.deepEqual(ticks, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(gif.timing.frames, 7);
  assert.equal(gif.timing.layouts, 2);
  assert.equal(String.fromCharCode(...gif.bytes.subarray(0, 6)), "GIF89a");
  assert.equal(gif.bytes[6] | (gif.bytes[7] << 8), gif.width);
  // Frames are counted by their image descriptors after graphic control extensions (delay 8 cs).
  let descriptors = 0;
  for (let i = 0; i + 9 < gif.bytes.length; i++) {
    if (gif.bytes[i] === 0x21 && gif.bytes[i + 1] === 0xf9 && gif.bytes[i + 2] === 4 && gif.bytes[i + 8] === 0x2c) {
      assert.equal(gif.bytes[i + 4] | (gif.bytes[i + 5] << 8), 8);
      descriptors++;
    }
  }
  assert.equal(descriptors, 7);
  assert.match(
    formatAnimationTiming(gif.timing),
    /^7 frames: SVG [\d.]+ ms \+ raster [\d.]+ ms \+ encode [\d.]+ ms per frame \(2 layouts\), [\d.]+ s in all$/,
  );
});

test("frames of different sizes and unoptions are refused in one line", async () => {
  const wide = withTitle(lineChart({ series: [{ name: "a", values: [1, 2] }], width: 300, height: 80 }), "a");
  const narrow = withTitle(lineChart({ series: [{ name: "a", values: [1, 2] }], width: 100, height: 80 }), "a");
  await assert.rejects(
    animateFrames([wide, narrow], { delayMs: 100 }),
    /^RangeError: animateFrames: spec 1 renders \d+×\d+ but spec 0 renders \d+×\d+; fix the charts' width\/height/,
  );
  await assert.rejects(
    animateFrames([wide], { delayMs: 100, fps: 10 } as never),
    /^Error: animateFrames: unknown option fps; options are /,
  );
  await assert.rejects(animateFrames([], { delayMs: 100 }), /specs must be a non-empty array/);
});

test("saveAnimation writes the GIF animateFrames encodes (folder created) and sums it up in one line", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-lab-animation-"));
  const file = path.join(dir, "sub", "frames.gif");
  const specs = [frame(0), frame(1), frame(2)];
  const saved = await saveAnimation(specs, { file, delayMs: 50, scale: 0.5 });
  const direct = await animateFrames(specs, { delayMs: 50, scale: 0.5 });
  assert.ok(Buffer.from(fs.readFileSync(file)).equals(Buffer.from(direct.bytes)), "the file holds the same GIF");
  assert.equal(saved.file, file);
  assert.match(
    saved.summary,
    new RegExp(
      `^${file.replace(/[.\\/]/g, "\\$&")}: ${direct.width}×${direct.height}, \\d+ KB; 3 frames: SVG [\\d.]+ ms \\+ raster`,
    ),
  );
  await assert.rejects(
    saveAnimation(specs, { delayMs: 50 } as never),
    /^TypeError: saveAnimation: pass \{file: 'path\/to\/name\.gif', delayMs\}, got file undefined$/,
  );
  await assert.rejects(
    saveAnimation(specs, { file, delayMs: 50, fps: 3 } as never),
    /^Error: saveAnimation: unknown option fps; options are /,
  );
  fs.rmSync(dir, { recursive: true });
});
