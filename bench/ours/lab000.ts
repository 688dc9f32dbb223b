/**
 * bptt-lab's side of lab 000 in `npm run bench`: the notebook's training runs of the SSNN
 * (notebooks/000-network-convergence.ipynb: lab.train({ model }) with SGD lr 0.001, batches of 32,
 * and lab.recordSsnnRun logging det(O) per batch and the 100-point roll-out after every epoch), and
 * its GIF writer.
 * Sections:
 *   sine           pure sine, 10 epochs (epochs=N)
 *   harmonics      3 harmonics, 200 epochs (epochs=N)
 *   gif-sine       the 10-frame animation of the sine run (trained in setup, untimed)
 *   gif-harmonics  the animation of the harmonics run, one frame per epoch (epochs=N frames)
 * Sizes are the notebook's defaults. Run by bench/run.ts (see bench/ours/harness.ts).
 */
import { type Lab, main, num } from "./harness";

const BATCH = 32,
  LR = 0.001,
  PLOT_SIZE = 100;

type Which = "sine" | "harmonics";

const data = (lab: Lab, which: Which) =>
  which === "sine" ? lab.pureSine({ rollOutLength: PLOT_SIZE }) : lab.threeHarmonics({ rollOutLength: PLOT_SIZE });

/** The notebook's training cell: the recorder's step and onEpochEnd given to lab.train. Setup (untimed) returns the training. */
function prepareRun(lab: Lab, which: Which, epochs: number) {
  const signal = data(lab, which);
  // As the notebook: one generator draws the sine net, then the harmonics net.
  const rng = new lab.NumpyRandom(0);
  if (which === "harmonics") lab.ssnn({ rng });
  const model = lab.ssnn({ name: `SSNN, ${which}`, rng });
  const run = lab.recordSsnnRun(model, signal, { rollOutLength: PLOT_SIZE });
  const trainIt = async () => {
    await lab.train({
      model,
      optimizer: new lab.Sgd({ lr: LR }),
      epochs,
      progress: false,
      batches: () => lab.windowBatches(signal, { batchSize: BATCH }),
      step: run.step,
      onEpochEnd: run.onEpochEnd,
    });
    return run;
  };
  return trainIt;
}

function training(which: Which, defaultEpochs: number) {
  return (lab: Lab, options: Record<string, string | number>) => {
    const epochs = num(options, "epochs", defaultEpochs);
    const trainIt = prepareRun(lab, which, epochs);
    return async () => {
      const run = await trainIt();
      return {
        epochs,
        batches: run.batchDetO.length,
        firstLoss: run.epochLoss[0],
        lastLoss: run.epochLoss[epochs - 1],
      };
    };
  };
}

function gif(which: Which, defaultEpochs: number) {
  return async (lab: Lab, options: Record<string, string | number>) => {
    const run = await prepareRun(lab, which, num(options, "epochs", defaultEpochs))();
    return async () => {
      const frames = lab.ssnnTrainingFrames(run);
      const animation = await lab.animateFrames(frames, { delayMs: 100, scale: 1 });
      return {
        frames: frames.length,
        bytes: animation.bytes.length,
        timing: lab.formatAnimationTiming(animation.timing),
      };
    };
  };
}

main(__filename, {
  sine: training("sine", 10),
  harmonics: training("harmonics", 200),
  "gif-sine": gif("sine", 10),
  "gif-harmonics": gif("harmonics", 200),
});
