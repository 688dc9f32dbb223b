// src/notebook: MIME bundles sent to a (fake) tslab kernel, and progress in its three modes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lineChart } from "../src/plot/lines";
import {
  createDisplay,
  DisplayMessage,
  setDisplayWriter,
  show,
  showGif,
  showHtml,
  showMarkdown,
  VEGA_LITE_MIME,
} from "../src/notebook/display";
import { formatDuration, formatNumber, progress } from "../src/notebook/progress";
import { loadTslabEngine } from "../src/notebook/tslab-adapter";

type Call = { message: DisplayMessage; update: boolean };

/** Installs a fake writer for the duration of `body`; returns what it received. */
async function withFakeKernel(body: () => Promise<void> | void): Promise<Call[]> {
  const calls: Call[] = [];
  setDisplayWriter((message, update) => {
    calls.push({ message, update });
  });
  try {
    await body();
  } finally {
    setDisplayWriter(undefined);
  }
  return calls;
}

/** Captures console.log lines while `body` runs. */
async function captureLog(body: () => Promise<void> | void): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  };
  try {
    await body();
  } finally {
    console.log = original;
  }
  return lines;
}

const chart = lineChart({ series: [{ name: "accuracy", values: [0.5, 0.75, 1] }], title: "Accuracy per epoch" });

test("show sends ONE bundle: Vega-Lite spec as a plain object, SVG and PNG fallbacks, text", async () => {
  const calls = await withFakeKernel(() => show(chart));
  assert.equal(calls.length, 1);
  const { message, update } = calls[0];
  assert.equal(update, false);
  // The PNG is what Jupyter shows when the notebook is not trusted (it withholds SVG then).
  assert.deepEqual(Object.keys(message.data).sort(), [
    "application/vnd.vegalite.v5+json",
    "image/png",
    "image/svg+xml",
    "text/plain",
  ]);
  const spec = message.data[VEGA_LITE_MIME];
  assert.equal(typeof spec, "object", "a JSON object; a string would be taken as a URL");
  assert.deepEqual(spec, JSON.parse(JSON.stringify(chart)));
  const svg = message.data["image/svg+xml"] as string;
  assert.ok(svg.startsWith("<svg"));
  // The PNG is the same chart at the SVG's pixel size (1×: it is only the untrusted notebook's copy).
  const png = Buffer.from(message.data["image/png"] as string, "base64");
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const svgWidth = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
  const svgHeight = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1]);
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [Math.round(svgWidth), Math.round(svgHeight)]);
  assert.deepEqual(message.metadata["image/png"], { width: Math.round(svgWidth), height: Math.round(svgHeight) });
  assert.equal(message.data["text/plain"], "[chart] Accuracy per epoch");
  assert.deepEqual(message.transient, {});
});

test("show with fallback png: base64 PNG drawn at the chart size, custom text", async () => {
  const calls = await withFakeKernel(() => show(chart, { fallback: "png", text: "accuracy 50 → 100 %" }));
  assert.equal(calls.length, 1);
  const { data, metadata } = calls[0].message;
  assert.deepEqual(Object.keys(data).sort(), ["application/vnd.vegalite.v5+json", "image/png", "text/plain"]);
  const png = Buffer.from(data["image/png"] as string, "base64");
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const size = metadata["image/png"] as { width: number; height: number };
  assert.equal(size.width * 2, png.readUInt32BE(16), "shown at half its pixel width (2× PNG)");
  assert.equal(data["text/plain"], "accuracy 50 → 100 %");
  await assert.rejects(
    withFakeKernel(() => show(chart, { fallback: "jpeg" } as never)),
    /show: fallback must be 'svg' or 'png'/,
  );
  await assert.rejects(
    withFakeKernel(() => show(chart, { alt: "x" } as never)),
    /show: unknown option alt/,
  );
});

test("show goes through tslab's kernel writer when a kernel set it", async () => {
  // As tslab's kernel does before running each cell (through the adapter, the one module that
  // touches tslab's internals).
  const engine = loadTslabEngine();
  const calls: Call[] = [];
  engine.setDisplayWriter((message, update) => {
    calls.push({ message: message as DisplayMessage, update });
  });
  try {
    await show(chart);
  } finally {
    engine.setDisplayWriter(null);
  }
  assert.equal(calls.length, 1);
  assert.ok(VEGA_LITE_MIME in calls[0].message.data);
});

test("outside a kernel show prints the text description and does not throw", async () => {
  setDisplayWriter(null);
  try {
    const lines = await captureLog(() => show(chart));
    assert.deepEqual(lines, ["[chart] Accuracy per epoch"]);
    const more = await captureLog(() => {
      showGif(new Uint8Array([71, 73, 70]), { alt: "pure sine" });
      showMarkdown("**hi**");
    });
    assert.deepEqual(more, ["pure sine", "**hi**"]);
  } finally {
    setDisplayWriter(undefined);
  }
});

test("showGif, showMarkdown, showHtml bundles", async () => {
  const gif = new Uint8Array([71, 73, 70, 56, 57, 97]);
  const calls = await withFakeKernel(() => {
    showGif(gif, { alt: 'pure sine "fit"' });
    showMarkdown("# Title");
    showHtml("<b>bold</b> &amp; more");
  });
  assert.equal(calls.length, 3);
  const g = calls[0].message.data;
  // Stored once: an <img> every Jupyter front end and nbconvert show, also without trust.
  assert.deepEqual(Object.keys(g).sort(), ["text/html", "text/plain"]);
  assert.equal(
    g["text/html"],
    `<img src="data:image/gif;base64,${Buffer.from(gif).toString("base64")}" alt="pure sine &quot;fit&quot;">`,
  );
  assert.equal(g["text/plain"], 'pure sine "fit"');
  assert.deepEqual(calls[1].message.data, { "text/markdown": "# Title", "text/plain": "# Title" });
  assert.deepEqual(calls[2].message.data, { "text/html": "<b>bold</b> &amp; more", "text/plain": "bold & more" });
  assert.throws(() => showGif("GIF89a" as never, { alt: "x" }), /showGif: bytes must be the GIF file's Uint8Array/);
});

test("createDisplay: display_data first, then update_display_data for the same display_id", async () => {
  const calls = await withFakeKernel(() => {
    const d = createDisplay();
    d.text("epoch 1");
    d.html("<i>epoch 2</i>");
    d.markdown("epoch 3");
  });
  assert.deepEqual(
    calls.map((c) => c.update),
    [false, true, true],
  );
  const ids = new Set(calls.map((c) => c.message.transient.display_id));
  assert.equal(ids.size, 1);
  assert.equal(typeof [...ids][0], "string");
  assert.equal(calls[1].message.data["text/plain"], "epoch 2");
});

/** A clock the test moves by hand. */
function fakeClock(start = 1000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

test("progress in a notebook: one display_id, throttled to the interval, final state", async () => {
  const clock = fakeClock();
  const calls = await withFakeKernel(() => {
    const bar = progress({ total: 1000, label: "ReLU RNN, echo 3", clock: clock.now });
    assert.equal(bar.mode, "notebook");
    for (let i = 0; i < 1000; i++) {
      clock.advance(2);
      bar.tick(1, { loss: 0.0123, epoch: 1 + Math.floor(i / 100) });
    }
    bar.done({ accuracy: 99.5 });
    bar.tick(); // ignored after done
  });
  // 2 s of work at ≤ 5 redraws/s: the first draw, ~10 throttled ones, the final one.
  assert.ok(calls.length >= 10 && calls.length <= 13, `${calls.length} updates`);
  assert.equal(new Set(calls.map((c) => c.message.transient.display_id)).size, 1);
  assert.deepEqual(
    calls.map((c) => c.update),
    [false, ...calls.slice(1).map(() => true)],
  );
  const last = calls[calls.length - 1].message.data;
  assert.match(
    last["text/plain"] as string,
    /^ReLU RNN, echo 3 {2}1000\/1000 {2}100% {2}500 it\/s {2}elapsed 0:02 {2}loss=0\.0123 epoch=10 accuracy=99\.5$/,
  );
  assert.match(last["text/html"] as string, /<progress value="1000" max="1000"/);
  const middle = calls[5].message.data["text/plain"] as string;
  assert.match(middle, /ETA 0:0\d/);
});

test("progress without a TTY prints a bounded number of plain lines, and a final one", () => {
  const clock = fakeClock();
  const lines: string[] = [];
  const out = {
    write: (s: string) => {
      lines.push(s);
    },
    isTTY: false,
  };
  setDisplayWriter(null);
  try {
    const bar = progress({ total: 10000, label: "surface", clock: clock.now, out });
    assert.equal(bar.mode, "plain");
    for (let i = 0; i < 10000; i++) {
      clock.advance(10);
      bar.tick();
    } // 100 s
    bar.done();
    assert.ok(lines.length >= 5 && lines.length <= 12, `${lines.length} lines`);
    assert.ok(lines.every((l) => l.endsWith("\n") && !l.includes("\r")));
    assert.match(lines[lines.length - 1], /^surface {2}10000\/10000 {2}100%/);

    // A fast loop prints only the final line.
    lines.length = 0;
    const quick = progress({ total: 100, label: "quick", clock: clock.now, out });
    for (let i = 0; i < 100; i++) quick.tick();
    quick.done();
    assert.equal(lines.length, 1);

    // A slow loop still shows signs of life (heartbeat), within the bound.
    lines.length = 0;
    const slow = progress({ total: 1000, label: "slow", clock: clock.now, out });
    for (let i = 0; i < 50; i++) {
      clock.advance(60000);
      slow.tick();
    } // 5 % in 50 min
    assert.ok(lines.length >= 20 && lines.length <= 50, `${lines.length} heartbeat lines`);
  } finally {
    setDisplayWriter(undefined);
  }
});

test("progress in a terminal redraws one line with \\r and ends it with a newline", () => {
  const clock = fakeClock();
  const chunks: string[] = [];
  const bar = progress({
    total: 50,
    label: "frames",
    clock: clock.now,
    out: {
      write: (s: string) => {
        chunks.push(s);
      },
      isTTY: true,
    },
    mode: "auto",
  });
  assert.equal(bar.mode, "tty");
  for (let i = 0; i < 50; i++) {
    clock.advance(100);
    bar.tick();
  }
  bar.done();
  assert.ok(chunks.every((c) => c.startsWith("\r")));
  assert.ok(chunks.length <= 50 / 2 + 2, `${chunks.length} redraws`);
  assert.ok(chunks[chunks.length - 1].endsWith("\n"));
  assert.ok(chunks.slice(0, -1).every((c) => !c.includes("\n")));
});

test("progress options and formatting", () => {
  assert.throws(() => progress({ total: 0, label: "x" }), /progress: total must be a number of steps > 0/);
  assert.throws(() => progress({ total: 5, label: "x", interval: 3 } as never), /progress: unknown option interval/);
  const lines: string[] = [];
  const bar = progress({
    total: 2,
    label: "x",
    mode: "plain",
    out: {
      write: (s: string) => {
        lines.push(s);
      },
    },
  });
  bar.setTotal(4);
  bar.tick(4);
  bar.done();
  assert.match(lines[0], /4\/4 {2}100%/);
  assert.equal(formatNumber(0.0123), "0.0123");
  assert.equal(formatNumber(12.345678), "12.35");
  assert.equal(formatNumber(3), "3");
  assert.equal(formatNumber(1.5e-5), "1.5e-5");
  assert.equal(formatDuration(65_000), "1:05");
  assert.equal(formatDuration(3_725_000), "1:02:05");
});
