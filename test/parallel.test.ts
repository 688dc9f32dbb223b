// trainAndTestInParallel (src/bptt/parallel.ts): runs on worker threads give exactly what the same
// runs give one after another in this thread; a bad run is refused before any thread starts, and a
// run that fails in a worker is named while the finished runs are kept; and a worker loads no
// TensorFlow.js, vega or resvg (the model files import only TensorFlow.js's types).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Worker } from "node:worker_threads";
import {
  EchoData,
  ParallelRunError,
  type ParallelRunSpec,
  type RecurrentModel,
  RmsProp,
  gru,
  reluRnn,
  startInParallel,
  trainAndTest,
  trainAndTestInParallel,
} from "../src/index";

const echo = (seed: number) => ({ echoStep: 3, batchSize: 5, seriesLength: 1000, truncatedLength: 20, seed });
const spec = (cell: "relu" | "lstm" | "gru", seed: number, lr = 0.01): ParallelRunSpec => ({
  model: { cell, hiddenSize: cell === "relu" ? 8 : 6, seed },
  data: echo(1),
  test: echo(2),
  optimizer: { rmsprop: { lr } },
  epochs: 2,
});

test("trainAndTestInParallel: two threads give bit-for-bit the results of one", async () => {
  const specs = [spec("relu", 2), spec("lstm", 2), spec("gru", 3), spec("relu", 3)];
  const parallel = await trainAndTestInParallel(specs, { threads: 2, progress: false });
  const serial = await trainAndTestInParallel(specs, { threads: 1, progress: false });
  assert.equal(parallel.length, specs.length);
  parallel.forEach((p, i) => {
    const s = serial[i];
    assert.equal(p.model.name, s.model.name);
    assert.deepEqual(p.train.accuracy, s.train.accuracy, `${p.model.name}: training accuracy per epoch`);
    assert.deepEqual(p.train.lastLoss, s.train.lastLoss);
    assert.equal(p.test.accuracy, s.test.accuracy);
    for (const [key, value] of Object.entries(p.model.params))
      assert.deepEqual(value.data, s.model.params[key].data, `${p.model.name}: ${key}`);
  });
  // The runs did learn something (echo 3 is learnable), so the comparison is not of untouched weights.
  assert.ok(
    parallel.some((r) => r.test.accuracy > 60),
    `test accuracies ${parallel.map((r) => r.test.accuracy)}`,
  );
});

test("trainAndTestInParallel: bad runs are refused up front, and a failing run keeps the others' results", async () => {
  await assert.rejects(
    trainAndTestInParallel([{ ...spec("relu", 1), model: { cell: "rnn" as "relu", hiddenSize: 4 } }]),
    /model\.cell must be one of "relu", "lstm", "gru", got "rnn"/,
  );
  await assert.rejects(
    trainAndTestInParallel([{ ...spec("relu", 1), optimizer: { adam: {} } as never }]),
    /optimizer must be \{ rmsprop: \{…\} \} or \{ sgd: \{…\} \}/,
  );
  await assert.rejects(
    trainAndTestInParallel([{ ...spec("relu", 1), epochs: 0 }]),
    /epochs must be a positive integer, got 0/,
  );
  await assert.rejects(
    trainAndTestInParallel([spec("relu", 1)], { thread: 2 } as never),
    /trainAndTestInParallel: unknown option thread/,
  );
  assert.deepEqual(await trainAndTestInParallel([]), []); // the short preset of notebook 001 has no extra seeds
  // An absurd learning rate blows the weights up: the non-finite guard stops that run in its worker.
  const error = await trainAndTestInParallel([spec("relu", 1), { ...spec("relu", 2, 1e300), name: "blows up" }], {
    threads: 2,
    progress: false,
  }).then(
    () => assert.fail("expected the run to fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ParallelRunError);
  assert.match(error.message, /trainAndTestInParallel: run "blows up" failed: .*(NaN|Infinity|non-finite)/);
  assert.equal(error.results.length, 2);
});

test("a worker of trainAndTestInParallel loads neither TensorFlow.js, vega nor resvg while it trains a run", async () => {
  // The worker's own module graph (src/bptt/parallel-worker.ts), then one run of each cell trained
  // in that thread as the worker trains them, then the list of every module the thread loaded.
  const src = path.resolve(__dirname, "..", "src", "bptt");
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    require(workerData.tsx).register();
    require(workerData.worker);
    const { buildRun, runBuilt } = require(workerData.parallel);
    (async () => {
      for (const spec of workerData.specs) await runBuilt(buildRun(spec), spec);
      parentPort.postMessage(Object.keys(require.cache));
    })();
  `;
  const specs = (["relu", "lstm", "gru"] as const).map((cell) => ({
    ...spec(cell, 1),
    epochs: 1,
    data: { ...echo(1), seriesLength: 100 },
    test: { ...echo(2), seriesLength: 100 },
  }));
  const worker = new Worker(code, {
    eval: true,
    workerData: {
      tsx: require.resolve("tsx/cjs/api"),
      worker: path.join(src, "parallel-worker.ts"),
      parallel: path.join(src, "parallel.ts"),
      specs,
    },
  });
  const loaded: string[] = await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  const library = loaded.filter((f) => f.startsWith(path.resolve(__dirname, "..", "src")));
  assert.ok(
    library.some((f) => f.endsWith(path.join("models", "lstm.ts"))),
    `the run's model files are loaded: ${library.join(", ")}`,
  );
  const heavy = loaded.filter((f) => /node_modules[\\/](@tensorflow|vega[^\\/]*|@resvg)[\\/]/.test(f));
  assert.deepEqual(heavy, [], "modules a training worker must not load");
  assert.ok(!library.some((f) => /[\\/](notebook|render|plot)[\\/]/.test(f)), `no display code: ${library.join(", ")}`);
});

/** What `work` prints with console.log, its lines. */
async function printed<T>(work: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    return { value: await work(), lines };
  } finally {
    console.log = log;
  }
}

test("startInParallel: runs started on worker threads print and return what trainAndTest does in this thread", async () => {
  const runs = startInParallel({ relu: spec("relu", 2), gru: spec("gru", 3) });
  assert.deepEqual(Object.keys(runs), ["relu", "gru"]);
  assert.equal(runs.relu.name, "ReLU RNN (8 units)");
  await runs.gru.result; // the GRU is done before its report: its epoch lines are printed from the record
  const started = [
    await printed(() => runs.relu.report({ progress: false })),
    await printed(() => runs.gru.report({ progress: false })),
  ];
  // The same runs trained by trainAndTest in this thread, as the specs describe them.
  const inThisThread = async (model: RecurrentModel) => ({
    model,
    ...(await printed(() =>
      trainAndTest({
        model,
        data: new EchoData(echo(1)),
        test: new EchoData(echo(2)),
        optimizer: new RmsProp({ lr: 0.01 }),
        epochs: 2,
        progress: false,
      }),
    )),
  });
  const here = [
    await inThisThread(reluRnn({ hiddenSize: 8, seed: 2 })),
    await inThisThread(gru({ hiddenSize: 6, seed: 3 })),
  ];
  const untimed = (lines: string[]) => lines.map((l) => l.replace(/trained in .*/, "trained in …"));
  started.forEach((s, i) => {
    const t = here[i];
    assert.deepEqual(untimed(s.lines), untimed(t.lines));
    assert.equal(s.lines.length, 2 + 2, "two epoch lines, the test accuracy and the times");
    assert.deepEqual(s.value.train.lastLoss, t.value.train.lastLoss);
    assert.equal(s.value.test.accuracy, t.value.test.accuracy);
    for (const [key, p] of Object.entries(t.model.params))
      assert.deepEqual(s.value.model.params[key].data, p.data, `${t.model.name}: trained ${key}`);
  });
});

test("startInParallel: a failing run rejects its own result, naming it; the others finish", async () => {
  const runs = startInParallel({ fine: spec("relu", 1), bad: { ...spec("relu", 2, 1e300), name: "blows up" } });
  await assert.rejects(
    runs.bad.report({ progress: false, log: false }),
    /startInParallel: run bad \(blows up\) failed: .*(NaN|Infinity|non-finite)/,
  );
  assert.ok((await runs.fine.result).test.accuracy > 0);
  assert.throws(() => startInParallel([spec("relu", 1)] as never), /pass an object of named runs/);
  assert.throws(
    () => startInParallel({ a: spec("relu", 1) }, { thread: 1 } as never),
    /startInParallel: unknown option thread/,
  );
  assert.throws(() => startInParallel({ a: { ...spec("relu", 1), epochs: 0 } }), /epochs must be a positive integer/);
});
