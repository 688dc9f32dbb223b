// The bad-input sweep of issue 8: one case per class of bad input, each asserting the exact error
// (its class and its whole one-line message, which names the thing and the fix). Classes:
// malformed data files, wrong input shapes and widths for every model, unknown options and
// parameters, the runner's unknown parameters and presets and a missing notebook, a notebook cell
// that throws (through the runner, end to end), and a NaN injected into training.
// Run by `npm test` (after the build: the notebook case imports ../dist).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { BACKEND_NAMES, initBackend } from "../src/backend";
import { gradCheck } from "../src/bptt/grad-check";
import { trainTruncated } from "../src/bptt/truncated";
import { EchoData } from "../src/datasets/echo";
import { loadEcg5000 } from "../src/datasets/ecg5000";
import { gru } from "../src/models/gru";
import * as linearRnn from "../src/models/linear-rnn";
import { lstm } from "../src/models/lstm";
import { reluRnn } from "../src/models/relu-rnn";
import * as ssnn from "../src/models/ssnn";
import { VanillaRnn } from "../src/models/vanilla-rnn";
import { type ParamSet, ndarray } from "../src/ndarray";
import { RmsProp } from "../src/optim/rmsprop";
import { RProp } from "../src/optim/rprop";
import { Sgd } from "../src/optim/sgd";
import { lossSurface } from "../src/bptt/loss-surface";
import { lineChart, lossSurfaceChart } from "../src/plot";
import { NonFiniteError, train } from "../src/train";
import { readNotebook } from "../scripts/runner/notebook";
import { parseParamArg, resolveParameters } from "../scripts/runner/params";

const ROOT = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-bad-input-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The exact error: its class and its whole message. */
const error = (name: string, message: string) => ({ name, message });

// ---------------------------------------------------------------------------------------------
describe("malformed data files (ECG5000 loader)", () => {
  const dir = path.join(tmp, "ecg");
  fs.mkdirSync(dir);
  const file = path.join(dir, "ECG5000_TRAIN.txt");
  /** One UCR row: the label, then `n` values. */
  const row = (label: number | string, n = 140) =>
    [label, ...Array.from({ length: n }, (_, i) => (i / 100).toFixed(4))].join("  ");
  const load = (content: string | Buffer, name = "ECG5000_TRAIN.txt") => {
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
    fs.writeFileSync(path.join(dir, name), content);
    return () => loadEcg5000("TRAIN", { dir });
  };

  test("empty file", () => {
    assert.throws(load(""), error("DataFileError", `${file}: the file is empty (no rows)`));
  });
  test("ragged row", () => {
    assert.throws(
      load(`${row(1)}\n${row(2, 120)}\n${row(1)}\n`),
      error("DataFileError", `${file}, line 2: 120 values after the label, expected 140`),
    );
  });
  test("non-number", () => {
    const bad = row(2).replace(" 0.0500 ", " 0.05O "); // a letter O for a zero
    assert.throws(
      load(`${row(1)}\n${bad}\n`),
      error("DataFileError", `${file}, line 2: field 7 ("0.05O") is not a finite number`),
    );
  });
  test("NaN is not a number either", () => {
    assert.throws(
      load(`${row(1)}\n${row(2).replace(" 0.0500 ", " NaN ")}\n`),
      error("DataFileError", `${file}, line 2: field 7 ("NaN") is not a finite number`),
    );
  });
  test("unknown label", () => {
    assert.throws(
      load(`${row(1)}\n${row(7)}\n`),
      error("DataFileError", `${file}, line 2: label 7 is not one of 1, 2, 3, 4, 5`),
    );
  });
  test("wrong series length (every row)", () => {
    assert.throws(
      load(`${row(1, 139)}\n${row(2, 139)}\n`),
      error("DataFileError", `${file}, line 1: 139 values after the label, expected 140`),
    );
  });
  test("truncated: a cut last row, too few rows, a cut gzip", () => {
    assert.throws(
      load(`${row(1)}\n${row(2, 60)}`),
      error("DataFileError", `${file}, line 2: 60 values after the label, expected 140 (is the file truncated?)`),
    );
    assert.throws(
      load(`${row(1)}\n${row(2)}\n`),
      error("DataFileError", `${file}: 2 rows, expected 500 (is the file truncated?)`),
    );
    const gz = zlib.gzipSync(`${row(1)}\n`.repeat(500));
    assert.throws(
      load(gz.subarray(0, gz.length - 20), "ECG5000_TRAIN.txt.gz"),
      error("DataFileError", `${file}.gz: is not a complete gzip file (unexpected end of file); is it truncated?`),
    );
  });
  test("blank line inside the file", () => {
    assert.throws(load(`${row(1)}\n\n${row(2)}\n`), error("DataFileError", `${file}, line 2: empty line`));
  });
  test("missing file", () => {
    assert.throws(
      () => loadEcg5000("TEST", { dir }),
      error(
        "DataFileError",
        `${path.join(dir, "ECG5000_TEST.txt")}: no such file (nor ECG5000_TEST.txt.gz); the project ships data/ECG5000/, or run: npx tsx scripts/fetch-ecg5000.ts`,
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe("wrong input shapes and widths, every model", () => {
  test("linear RNN (labs 003/004): rank and batch of the targets", () => {
    assert.throws(
      () => linearRnn.forwardStates(ndarray([2, 5, 3]), { wx: 1, wRec: 1 }),
      error("RangeError", "linear RNN input X must be [batch, time] (one scalar input per step), got shape [2, 5, 3]"),
    );
    assert.throws(
      () => new linearRnn.LinearRnn({ wx: 1, wRec: 1 }).lossAndGradients({ x: ndarray([2, 5]), y: [1, 2, 3] }),
      error("RangeError", "linear RNN targets have 3 values for a batch of 2 sequences"),
    );
  });

  test("SSNN (lab 000): rank, width and targets", () => {
    const p = ssnn.ssnn().params;
    assert.throws(
      () => ssnn.ssnnForward(p, ndarray([2, 5])),
      error("RangeError", "SSNN input u must be [batch, time, u_len=1], got shape [2, 5]"),
    );
    assert.throws(
      () => ssnn.ssnnForward(p, ndarray([2, 5, 3])),
      error(
        "RangeError",
        "SSNN input u has 3 features per step but the net takes u_len = 1 (B is [x_len, 1]); pass u as [batch, time, 1]",
      ),
    );
    assert.throws(
      () => ssnn.ssnnLastOutputLoss(p, { x: ndarray([2, 5, 1]), y: ndarray([3, 1]) }),
      error("RangeError", "SSNN targets has shape [3, 1], expected [batch=2, y_len=1]"),
    );
  });

  test("vanilla RNN (lab 002): rank, width and one-hot targets", () => {
    const model = new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, threads: 1 });
    try {
      assert.throws(
        () => model.forward({ x: ndarray([10, 3]) }),
        error("RangeError", "VanillaRnn.forward: x has shape [10, 3], expected [time, sequences, features=1]"),
      );
      assert.throws(
        () => model.forward({ x: ndarray([10, 3, 2]) }),
        error("RangeError", "VanillaRnn.forward: x has shape [10, 3, 2], expected [time, sequences, features=1]"),
      );
      assert.throws(
        () => model.lossAndGradients({ x: ndarray([10, 3, 1]), y: ndarray([3, 4]) }),
        error("RangeError", "VanillaRnn.lossAndGradients: y has shape [3, 4], expected [sequences=3, outputs=5]"),
      );
    } finally {
      model.dispose();
    }
  });

  // Lab 001's models share recurrent-stack.ts: each is checked, since each names itself.
  const recurrent = [
    ["ReLU RNN", () => reluRnn({ hiddenSize: 4 }), "ReLU RNN (4 units)", 1],
    ["ReLU RNN stack", () => reluRnn({ hiddenSize: 4, layers: 2 }), "ReLU RNN (2 layers × 4 units)", 2],
    ["LSTM", () => lstm({ hiddenSize: 4 }), "LSTM (4 units)", 1],
    ["GRU", () => gru({ hiddenSize: 4 }), "GRU (4 units)", 1],
  ] as const;
  for (const [kind, make, name, layers] of recurrent) {
    test(`${kind} (lab 001): rank, width, state batch and targets`, () => {
      const model = make();
      const state = model.initialState(5);
      assert.throws(
        () => model.forward(ndarray([5, 20]), state),
        error("RangeError", `${name}: input x has shape [5, 20], expected [batch, time, inputs=1]`),
      );
      assert.throws(
        () => model.forward(ndarray([5, 20, 2]), state),
        error("RangeError", `${name}: input x has shape [5, 20, 2], expected [batch, time, inputs=1]`),
      );
      assert.throws(
        () => model.forward(ndarray([5, 20, 1]), model.initialState(4)),
        error(
          "RangeError",
          `${name}: state "h" has shape [${layers}, 4, 4], expected [layers=${layers}, batch=5, hidden=4]`,
        ),
      );
      assert.throws(
        () => model.lossAndGradients({ x: ndarray([5, 20, 1]), y: ndarray([5, 19, 1]), state }),
        error("RangeError", `${name}: targets y has shape [5, 19, 1], expected [batch=5, time=20, outputs=1]`),
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
describe("unknown options and parameters", () => {
  const p: ParamSet = { w: ndarray([1], [1]) };
  const trainOptions = {
    name: "t",
    params: p,
    optimizer: new Sgd({ lr: 0.1 }),
    epochs: 1,
    batches: () => [0],
    step: () => ({ loss: 0, grads: p }),
  };

  test("train", async () => {
    await assert.rejects(
      train({ ...trainOptions, lr: 1 } as never),
      error(
        "Error",
        "train: unknown option lr; options are model, name, params, optimizer, epochs, phases, batches, step, evaluate, onEpochEnd, clipNorm, checkFinite, progress, stepsPerEpoch",
      ),
    );
  });
  test("trainTruncated", async () => {
    await assert.rejects(
      trainTruncated({ lr: 1 } as never),
      error(
        "Error",
        "trainTruncated: unknown option lr; options are model, data, optimizer, epochs, name, initialState, log, progress, clipNorm, evaluate, onEpochEnd, checkFinite",
      ),
    );
  });
  test("optimisers", () => {
    assert.throws(
      () => new Sgd({ lr: 0.1, nesterov: true } as never),
      error("Error", "Sgd: unknown option nesterov; options are lr, momentum, weightDecay"),
    );
    assert.throws(
      () => new RmsProp({ lr: 0.1, beta: 0.9 } as never),
      error("Error", "RmsProp: unknown option beta; options are lr, alpha, eps"),
    );
    assert.throws(
      () => new RProp({ lr: 0.1 } as never),
      error("Error", "RProp: unknown option lr; options are etaPlus, etaMinus, initialStep, initialSign"),
    );
  });
  test("gradCheck", async () => {
    await assert.rejects(
      gradCheck({ params: p, loss: () => 0, gradients: () => p, step: 1 } as never),
      error(
        "Error",
        "gradCheck: unknown option step; options are params, loss, gradients, tfLoss, eps, maxEntries, seed",
      ),
    );
  });
  test("chart builders", () => {
    assert.throws(
      () => lineChart({ series: [{ name: "a", values: [1, 2] }], colour: "red" } as never),
      error(
        "Error",
        "lineChart: unknown option colour; options are series, title, xTitle, yTitle, yScale, width, height, xDomain, yDomain, colors, yTicks, xTicks, legendTitle, strokeWidth, interactive",
      ),
    );
    const grid = lossSurface({ x: [0, 1], y: [0, 1], n: 3, loss: (a, b) => a + b });
    assert.throws(
      () => lossSurfaceChart({ grid, colour: "red" } as never),
      error(
        "Error",
        "lossSurfaceChart: unknown option colour; options are grid, points, trajectory, title, xTitle, yTitle, levels, width, height, lossOffset, tooltipCells",
      ),
    );
  });
  test("initBackend: an unknown option, an unknown backend, a bad BPTT_BACKEND", async () => {
    await assert.rejects(
      initBackend({ backend: "cpu" } as never),
      error("Error", "initBackend: unknown option backend; options are prefer, log"),
    );
    await assert.rejects(
      initBackend({ prefer: "tpu" as never, log: false }),
      error("Error", `unknown backend "tpu"; use one of ${BACKEND_NAMES.join(", ")}`),
    );
    const saved = process.env.BPTT_BACKEND;
    process.env.BPTT_BACKEND = "gpu";
    try {
      await assert.rejects(
        initBackend({ log: false }),
        error("Error", "BPTT_BACKEND=gpu is not a backend; use one of node-gpu, node, wasm, cpu"),
      );
    } finally {
      if (saved === undefined) delete process.env.BPTT_BACKEND;
      else process.env.BPTT_BACKEND = saved;
    }
  });
  test("model and data constructors", () => {
    assert.throws(
      () => new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, hidden: 3 } as never),
      error(
        "Error",
        "VanillaRnn: unknown option hidden; options are inputSize, hiddenSize, outputSize, bias, init, seed, threads, chunkRows, kernel",
      ),
    );
    assert.throws(
      () => reluRnn({ hiddenSize: 4, units: 3 } as never),
      error(
        "Error",
        "ReLU RNN: unknown option units; options are hiddenSize, layers, inputSize, outputSize, seed, rng, name",
      ),
    );
    assert.throws(
      () => ssnn.ssnn({ xlen: 3 } as never),
      error("Error", "ssnn: unknown option xlen; options are uLen, xLen, yLen, seed, rng, name"),
    );
    assert.throws(
      () => new EchoData({ echoStep: 3, batchSize: 5, seriesLength: 100, truncatedLength: 20, steps: 2 } as never),
      error(
        "Error",
        "EchoData: unknown option steps; options are echoStep, batchSize, seriesLength, truncatedLength, seed, rng, allowEchoBeyondChunk",
      ),
    );
    assert.throws(
      () => loadEcg5000("TRAIN", { folder: "x" } as never),
      error("Error", "loadEcg5000: unknown option folder; options are dir, subset, seed"),
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe("the runner: unknown parameters and presets, a missing notebook", () => {
  const shown = "notebooks/example.ipynb";
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { bptt_lab: { presets: { short: { epochs: 1 }, typo: { epochz: 1 } } } },
    cells: [
      {
        cell_type: "code" as const,
        metadata: { tags: ["parameters"] },
        source: "const epochs = 20;\nconst lr = 0.01;\n",
        outputs: [],
        execution_count: null,
      },
    ],
  };

  test("unknown parameter", () => {
    assert.throws(
      () => resolveParameters({ nb, displayPath: shown, explicit: { epoch: 3 } }),
      error("UsageError", `unknown parameter "epoch" for ${shown}; it declares: epochs, lr`),
    );
  });
  test("unknown preset", () => {
    assert.throws(
      () => resolveParameters({ nb, displayPath: shown, explicit: {}, preset: "long" }),
      error("UsageError", `${shown} has no preset "long"; its presets: short, typo`),
    );
  });
  test("a preset that sets an undeclared parameter", () => {
    assert.throws(
      () => resolveParameters({ nb, displayPath: shown, explicit: {}, preset: "typo" }),
      error("UsageError", `preset "typo" of ${shown} sets unknown parameter "epochz"; it declares: epochs, lr`),
    );
  });
  test("a --param that is not NAME=VALUE", () => {
    assert.throws(
      () => parseParamArg("epochs:3"),
      error(
        "UsageError",
        `bad --param "epochs:3": expected NAME=VALUE with NAME an identifier, e.g. --param numIters=200`,
      ),
    );
  });
  test("a missing notebook, and a file that is not one", () => {
    assert.throws(
      () => readNotebook(path.join(tmp, "nope.ipynb"), "notebooks/nope.ipynb"),
      error("UsageError", "notebook not found: notebooks/nope.ipynb"),
    );
    const notJson = path.join(tmp, "broken.ipynb");
    fs.writeFileSync(notJson, '{"cells": [');
    assert.throws(
      () => readNotebook(notJson, "broken.ipynb"),
      (e: Error) => {
        assert.equal(e.name, "UsageError");
        // The JSON parser's own words after the colon vary with the Node version.
        assert.match(e.message, /^broken\.ipynb is not a valid notebook: bad JSON \(.+\)$/);
        return true;
      },
    );
    const notNotebook = path.join(tmp, "list.ipynb");
    fs.writeFileSync(notNotebook, "[]");
    assert.throws(
      () => readNotebook(notNotebook, "list.ipynb"),
      error("UsageError", 'list.ipynb is not a valid notebook: expected nbformat 4 JSON with a "cells" list'),
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe("a NaN injected into training", () => {
  const opts = (
    step: (batch: number, c: { epoch: number; step: number }) => { loss: number; grads: ParamSet },
    extra = {},
  ) => ({
    name: "injected NaN",
    params: { w: ndarray([2, 3]) } as ParamSet,
    optimizer: new Sgd({ lr: 0.1 }),
    epochs: 3,
    progress: false,
    batches: () => [0, 1, 2],
    step,
    ...extra,
  });
  const gradWithNaN = (_b: number, c: { epoch: number; step: number }) => {
    const g = ndarray([2, 3]);
    if (c.epoch === 1 && c.step === 2) g.data[4] = NaN;
    return { loss: 1, grads: { w: g } };
  };

  test("a NaN gradient stops train() naming the run, epoch, step and entry", async () => {
    await assert.rejects(
      train(opts(gradWithNaN)),
      error(
        "NonFiniteError",
        'injected NaN: gradient "w" at [1, 1] is NaN in epoch 2 of 3, step 3; lower the learning rate or clip gradients (clipNorm), or pass checkFinite: false to go on anyway',
      ),
    );
  });
  test("an infinite gradient entry among finite ones is found too, at its index", async () => {
    const g = ndarray([2, 3], [1, Number.MAX_VALUE, -Number.MAX_VALUE, 0, 2, -Infinity]);
    await assert.rejects(
      train(opts(() => ({ loss: 1, grads: { w: g } }), { epochs: 1 })),
      error(
        "NonFiniteError",
        'injected NaN: gradient "w" at [1, 2] is -Infinity in epoch 1 of 1, step 1; lower the learning rate or clip gradients (clipNorm), or pass checkFinite: false to go on anyway',
      ),
    );
  });
  test("the loss is checked first", async () => {
    await assert.rejects(
      train(opts(() => ({ loss: Infinity, grads: { w: ndarray([2, 3], [NaN, 0, 0, 0, 0, 0]) } }))),
      error(
        "NonFiniteError",
        "injected NaN: the loss is Infinity in epoch 1 of 3, step 1; lower the learning rate or clip gradients (clipNorm), or pass checkFinite: false to go on anyway",
      ),
    );
  });
  test("the error carries where it happened (counting from 0, as StepContext)", async () => {
    const e = await train(opts(gradWithNaN)).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.ok(e instanceof NonFiniteError);
    assert.deepEqual(
      [e.run, e.epoch, e.step, e.quantity, e.value, e.epochs],
      ["injected NaN", 1, 2, 'gradient "w" at [1, 1]', NaN, 3],
    );
  });
  test("checkFinite: false opts out", async () => {
    const o = opts(gradWithNaN, { checkFinite: false });
    const result = await train(o);
    assert.equal(result.history.length, 3);
    assert.ok(Number.isNaN(o.params.w.data[4]), "the NaN reached the parameters");
  });
  test("large finite values are not errors (labs 003/004's losses reach 1e8)", async () => {
    const result = await train(
      opts(() => ({ loss: 2.2e9, grads: { w: ndarray([2, 3], [1e8, -1e8, 1e12, 0, 0, 0]) } }), { epochs: 1 }),
    );
    assert.equal(result.history[0]!.loss, 2.2e9);
  });
  const echo = () => new EchoData({ echoStep: 3, batchSize: 5, seriesLength: 100, truncatedLength: 20, seed: 1 });
  test("lab 001's truncated BPTT goes through the guard: a NaN weight stops it at once", async () => {
    const model = lstm({ hiddenSize: 4, seed: 1 });
    model.params.weight_hh_l0!.data[5] = NaN;
    await assert.rejects(
      trainTruncated({
        model,
        data: echo(),
        optimizer: new RmsProp({ lr: 0.001 }),
        epochs: 2,
        log: false,
        progress: false,
      }),
      error(
        "NonFiniteError",
        "LSTM (4 units): the loss is NaN in epoch 1 of 2, step 1; lower the learning rate or clip gradients (clipNorm), or pass checkFinite: false to go on anyway",
      ),
    );
  });
  test("trainTruncated takes checkFinite: false", async () => {
    const model = lstm({ hiddenSize: 4, seed: 1 });
    model.params.linear_bias!.data[0] = NaN;
    const options = {
      model,
      data: echo(),
      optimizer: new RmsProp({ lr: 0.001 }),
      epochs: 1,
      log: false,
      progress: false,
      checkFinite: false,
    };
    const result = await trainTruncated(options);
    assert.equal(result.history.length, 1);
  });
  // relu used to be `a > 0 ? a : 0`, which turned NaN into 0 and silently killed the unit.
  test("a NaN recurrent weight of a ReLU RNN reaches the loss, as in PyTorch", async () => {
    const model = reluRnn({ hiddenSize: 4, seed: 1 });
    model.params.weight_hh_l0!.data[5] = NaN;
    await assert.rejects(
      trainTruncated({
        model,
        data: echo(),
        optimizer: new RmsProp({ lr: 0.001 }),
        epochs: 2,
        log: false,
        progress: false,
      }),
      error(
        "NonFiniteError",
        "ReLU RNN (4 units): the loss is NaN in epoch 1 of 2, step 1; lower the learning rate or clip gradients (clipNorm), or pass checkFinite: false to go on anyway",
      ),
    );
  });
  test("lab 002's training (lab.train over VanillaRnn, as the notebook runs it) goes through the guard", async () => {
    const model = new VanillaRnn({ inputSize: 1, hiddenSize: 4, outputSize: 5, threads: 1 });
    const X = ndarray(
      [10, 8, 1],
      Array.from({ length: 80 }, (_, i) => Math.sin(i)),
    );
    X.data[37] = NaN; // one sample of one ECG
    const Y = ndarray(
      [8, 5],
      Array.from({ length: 40 }, (_, i) => (i % 6 === 0 ? 1 : 0)),
    );
    try {
      await assert.rejects(
        train({
          name: "vanilla RNN, full batch of 8",
          params: model.params,
          optimizer: new Sgd({ lr: 0.01, momentum: 0.9 }),
          epochs: 2,
          progress: false,
          batches: () => [undefined],
          step: () => model.lossAndGradients({ x: X, y: Y }),
        }),
        error(
          "NonFiniteError",
          "vanilla RNN, full batch of 8: the loss is NaN in epoch 1 of 2, step 1; lower the learning rate or clip gradients (clipNorm), or pass checkFinite: false to go on anyway",
        ),
      );
    } finally {
      model.dispose();
    }
  });
});

// ---------------------------------------------------------------------------------------------
test("a notebook cell that throws: the runner reports the cell and the exact error, and keeps what ran", () => {
  // A throwaway notebook that trains with a NaN injected in epoch 2 (the library imported by its
  // absolute path, since the notebook lives in a temporary folder).
  const dir = path.join(tmp, "notebook");
  fs.mkdirSync(dir);
  const file = path.join(dir, "nan-cell.ipynb");
  const code = (source: string) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
  fs.writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 4,
      metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
      cells: [
        code(`import * as lab from ${JSON.stringify(path.join(ROOT, "dist"))};\nconsole.log("library loaded");`),
        code(
          [
            "const w = lab.ndarray([2, 2]);",
            "await lab.train({",
            '  name: "RNN in a notebook", params: { w: w }, optimizer: new lab.Sgd({ lr: 0.1 }), epochs: 2, progress: false,',
            "  batches: () => [0, 1],",
            "  step: (_b, c) => ({ loss: c.epoch === 1 && c.step === 1 ? NaN : 1, grads: { w: lab.ndarray([2, 2]) } }),",
            "});",
          ].join("\n"),
        ),
        code('console.log("not reached");'),
      ],
    }),
  );
  const out = path.join(tmp, "notebook-out");
  const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/run-notebooks.ts", "--out", out, file], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const message =
    "RNN in a notebook: the loss is NaN in epoch 2 of 2, step 2; lower the learning rate or clip gradients (clipNorm), or pass checkFinite: false to go on anyway";
  assert.equal(run.status, 1, run.stderr);
  const lines = run.stderr.split("\n");
  assert.equal(lines[0], `[nan-cell] FAILED cell 2 (code cell 2) of ${file}`, run.stderr);
  const errorAt = lines.indexOf("--- error ---");
  assert.ok(errorAt > 0, run.stderr);
  assert.equal(lines[errorAt + 1], `NonFiniteError: ${message}`);
  const nb = JSON.parse(fs.readFileSync(path.join(out, "nan-cell.ipynb"), "utf8"));
  assert.deepEqual(nb.cells[0].outputs, [{ output_type: "stream", name: "stdout", text: ["library loaded\n"] }]);
  const failed = nb.cells[1].outputs.at(-1);
  assert.deepEqual([failed.output_type, failed.ename, failed.evalue], ["error", "NonFiniteError", message]);
  assert.deepEqual([nb.cells[2].execution_count, nb.cells[2].outputs], [null, []]);
  assert.equal(nb.metadata.bptt_lab.run.status, "failed");
});
