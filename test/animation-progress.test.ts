// Progress of a long GIF (issue 15): animateFrames reports each frame rendered and each frame
// encoded to the progress sink it is given (src/progress-sink.ts), and encodeGif calls onFrame per
// encoded frame, so a notebook or the runner's live line shows the encode moving.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TopLevelSpec } from "vega-lite";
import { animateFrames } from "../src/render/animation";
import { encodeGif } from "../src/render/gif";
import type { ProgressFactory } from "../src/progress-sink";

const frame = (k: number): TopLevelSpec => ({
  $schema: "https://vega.github.io/schema/vega-lite/v5.json",
  width: 60,
  height: 40,
  title: `frame ${k}`,
  data: {
    values: [
      { x: 0, y: 0 },
      { x: 1, y: k },
    ],
  },
  mark: "line",
  encoding: {
    x: { field: "x", type: "quantitative", scale: { domain: [0, 1] } },
    y: { field: "y", type: "quantitative", scale: { domain: [0, 4] } },
  },
});

test("animateFrames ticks once per frame rendered and once per frame encoded, then finishes", async () => {
  const events: string[] = [];
  const factory: ProgressFactory = ({ label, total }) => {
    events.push(`start ${label} total=${total}`);
    return { tick: (n = 1) => events.push(`tick ${n}`), done: () => events.push("done"), setTotal: () => {} };
  };
  const specs = [0, 1, 2, 3].map(frame);
  const gif = await animateFrames(specs, { delayMs: 100, progress: factory });
  assert.equal(gif.timing.frames, 4);
  assert.deepEqual(events, [`start GIF, 4 frames (render, then encode) total=8`, ...Array(8).fill("tick 1"), "done"]);
  // progress: false draws nothing and gives the same bytes.
  const quiet = await animateFrames(specs, { delayMs: 100, progress: false });
  assert.deepEqual(quiet.bytes, gif.bytes);
});

test("encodeGif calls onFrame after each frame, in order", () => {
  const image = (v: number) => ({ width: 2, height: 2, data: new Uint8Array(16).fill(v) });
  const seen: Array<[number, number]> = [];
  encodeGif([image(0), image(128), image(255)], { delayMs: 50, onFrame: (i, total) => seen.push([i, total]) });
  assert.deepEqual(seen, [
    [0, 3],
    [1, 3],
    [2, 3],
  ]);
});
