/**
 * bptt-lab's side of lab 000 in `npm run bench`: the notebook's training runs of the SSNN
 * (notebooks/000-network-convergence.ipynb, `trainSsnn`: lab.train with SGD lr 0.001, batches of 32,
 * det(O) logged per batch, the 100-point roll-out after every epoch), and its GIF writer.
 * Sections:
 *   sine           pure sine, 10 epochs (epochs=N)
 *   harmonics      3 harmonics, 200 epochs (epochs=N)
 *   gif-sine       the 10-frame animation of the sine run (trained in setup, untimed)
 *   gif-harmonics  the animation of the harmonics run, one frame per epoch (epochs=N frames)
 * Sizes are the notebook's defaults. Run by bench/run.ts (see bench/ours/harness.ts).
 */
import { type Lab, main, num } from "./harness";

const BATCH = 32, LR = 0.001, PLOT_SIZE = 100;

interface Run {
  data: ReturnType<Lab["pureSine"]>;
  epochs: number;
  epochLoss: number[];
  epochDetO: number[];
  rollOuts: Float64Array[];
  batchDetO: number[];
}

/** The notebook's trainSsnn, without printing. */
async function trainSsnn(lab: Lab, model: ReturnType<Lab["ssnn"]["initSsnn"]>, data: Run["data"], epochs: number): Promise<Run> {
  const run: Run = { data, epochs, epochLoss: [], epochDetO: [], rollOuts: [], batchDetO: [] };
  await lab.train({
    name: "bench", params: model, optimizer: new lab.Sgd({ lr: LR }), epochs, progress: false,
    batches: () => lab.windowBatches(data, { batchSize: BATCH }),
    step: (batch) => {
      run.batchDetO.push(lab.ssnn.observabilityDeterminant(model));
      return lab.ssnn.lossAndGradients(model, batch.inputs, batch.targets);
    },
    onEpochEnd: (record) => {
      run.epochLoss.push(record.loss);
      run.epochDetO.push(lab.ssnn.observabilityDeterminant(model));
      run.rollOuts.push(lab.ssnn.rollOut(model, { seed: data.rollOutSeed, length: PLOT_SIZE }));
    },
  });
  return run;
}

/** The notebook's trainingFrame (same charts, ticks and caption). */
function trainingFrame(lab: Lab, run: Run, epoch: number) {
  const limit = run.data.peak + 5;
  const yTick = 5 * Math.floor(limit / 5);
  const lossRange: [number, number] = [Math.min(...run.epochLoss) / 1.5, Math.max(...run.epochLoss) * 1.5];
  const decadeTicks = ([lo, hi]: [number, number], max = 3): number[] | undefined => {
    const first = Math.ceil(Math.log10(lo)), last = Math.floor(Math.log10(hi));
    const stride = [1, 2, 5, 10, 20, 50, 100].find((s) => Math.floor(last / s) - Math.ceil(first / s) + 1 <= max) ?? 100;
    const ticks: number[] = [];
    for (let e = Math.floor(last / stride) * stride; e >= first; e -= stride) ticks.push(10 ** e);
    return ticks.length >= 2 ? ticks : undefined;
  };
  const epochTicks = (n: number): number[] => {
    const step = [1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000].find((s) => s >= n / 4) ?? Math.ceil(n / 4);
    const ticks = [1];
    for (let t = step; t <= n; t += step) if (t > 1) ticks.push(t);
    return ticks;
  };
  const output = lab.withTitle(lab.lineChart({
    series: [
      { name: "true signal", values: run.data.continuation.subarray(0, PLOT_SIZE), color: "#bbbbbb" },
      { name: "roll-out", values: run.rollOuts[epoch], color: "b" },
    ],
    width: 300, height: 100, xDomain: [0, PLOT_SIZE - 1], yDomain: [-limit, limit],
    xTicks: [0, Math.round(PLOT_SIZE / 2), PLOT_SIZE - 1], yTicks: [-yTick, 0, yTick],
  }), "Output over time");
  const epochsSoFar = Array.from({ length: epoch + 1 }, (_, e) => e + 1);
  const loss = lab.withTitle(lab.lineChart({
    series: [{ name: "loss", x: epochsSoFar, values: run.epochLoss.slice(0, epoch + 1), color: "k" }],
    width: 300, height: 100, xDomain: [1, Math.max(2, run.epochs)], xTicks: epochTicks(run.epochs),
    yScale: "log", yDomain: lossRange, yTicks: decadeTicks(lossRange),
  }), "Loss over epoch");
  return lab.vconcat([output, loss], {
    spacing: 12,
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
    title: {
      text: `epoch ${epoch + 1}/${run.epochs} · loss ${run.epochLoss[epoch].toPrecision(3)} · det(O) ${run.epochDetO[epoch].toExponential(2)}`,
      orient: "bottom", fontSize: 12,
    },
  });
}

const data = (lab: Lab, which: "sine" | "harmonics") =>
  which === "sine" ? lab.pureSine({ rollOutLength: PLOT_SIZE }) : lab.threeHarmonics({ rollOutLength: PLOT_SIZE });

function training(which: "sine" | "harmonics", defaultEpochs: number) {
  return (lab: Lab, options: Record<string, string | number>) => {
    const epochs = num(options, "epochs", defaultEpochs);
    const d = data(lab, which);
    const model = lab.ssnn.initSsnn({ uLen: 1, xLen: 10, yLen: 1, seed: 0 });
    return async () => {
      const run = await trainSsnn(lab, model, d, epochs);
      return { epochs, batches: run.batchDetO.length, firstLoss: run.epochLoss[0], lastLoss: run.epochLoss[epochs - 1] };
    };
  };
}

function gif(which: "sine" | "harmonics", defaultEpochs: number) {
  return async (lab: Lab, options: Record<string, string | number>) => {
    const epochs = num(options, "epochs", defaultEpochs);
    const run = await trainSsnn(lab, lab.ssnn.initSsnn({ seed: 0 }), data(lab, which), epochs);
    return async () => {
      const frames = run.rollOuts.map((_, epoch) => trainingFrame(lab, run, epoch));
      const animation = await lab.animateFrames(frames, { delayMs: 100, scale: 1 });
      return { frames: frames.length, bytes: animation.bytes.length, timing: lab.formatAnimationTiming(animation.timing) };
    };
  };
}

main(__filename, {
  sine: training("sine", 10),
  harmonics: training("harmonics", 200),
  "gif-sine": gif("sine", 10),
  "gif-harmonics": gif("harmonics", 200),
});
