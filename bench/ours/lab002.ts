/**
 * bptt-lab's side of lab 002 in `npm run bench`: the notebook's training
 * (notebooks/002-bptt-from-scratch-ecg5000.ipynb) on the library's VanillaRnn (hand-written BPTT,
 * float64 WebAssembly SIMD kernel, 2 threads), data as the original (train on the 4,500-row file).
 * Sections (epochs=N to change; kernel=wasm-fma for the fused multiply-adds, see VanillaRnn's kernel):
 *   full-batch  one full-batch epoch of the mirrored run: forward + backward on 4500 × 140,
 *               hidden 100, one SGD update (lr 0.01, momentum 0.9, weight decay 1e-4, clip 0.8)
 *   minibatch   one epoch of "Going further": biased net, shuffled batches of 32 (141 updates,
 *               lr 0.05, momentum 0.9, wd 1e-4, clip 1), then the 500-row test set evaluated
 * The worker threads start in setup (a 4-sequence forward pass), so the timed work is training.
 * Run by bench/run.ts (see bench/ours/harness.ts).
 */
import type { ProductKernel } from "../../src/index";
import { type Lab, type Options, main, num } from "./harness";

/** The product kernel asked for (default: the model's default, the exact "wasm"); VanillaRnn refuses an unknown one. */
const kernel = (options: Options) => options.kernel as ProductKernel | undefined;

function startThreads(model: InstanceType<Lab["VanillaRnn"]>, data: ReturnType<Lab["loadEcg5000"]>): void {
  model.forward({ x: data.x, rows: [0, 1, 2, 3] });
}

main(__filename, {
  "full-batch": (lab, options) => {
    const epochs = num(options, "epochs", 1);
    const train = lab.loadEcg5000("TEST"); // the 4,500-row file, as the original
    const model = new lab.VanillaRnn({
      inputSize: 1,
      hiddenSize: 100,
      outputSize: 5,
      seed: 0,
      kernel: kernel(options),
    });
    startThreads(model, train);
    return async () => {
      const run = await lab.train({
        model,
        name: "bench",
        progress: false,
        optimizer: new lab.Sgd({ lr: 0.01, momentum: 0.9, weightDecay: 1e-4 }),
        clipNorm: 0.8,
        epochs,
        batches: () => [train], // one full-batch update per epoch
      });
      const info = {
        epochs,
        N: train.y.shape[0],
        T: train.x.shape[0],
        loss: run.history.at(-1)!.loss,
        accuracy: run.history.at(-1)!.metrics.accuracy,
        kernel: model.describe(),
        gflopPerSecond: model.stats.flops / model.stats.seconds / 1e9,
      };
      model.dispose();
      return info;
    };
  },
  minibatch: (lab, options) => {
    const epochs = num(options, "epochs", 1);
    const train = lab.loadEcg5000("TEST");
    const test = lab.loadEcg5000("TRAIN");
    const model = new lab.VanillaRnn({
      inputSize: 1,
      hiddenSize: 100,
      outputSize: 5,
      bias: true,
      seed: 0,
      kernel: kernel(options),
    });
    startThreads(model, train);
    const batches = lab.shuffledBatches(train, { batchSize: 32, seed: 0 });
    return async () => {
      let steps = 0;
      const run = await lab.train({
        model,
        name: "bench",
        progress: false,
        optimizer: new lab.Sgd({ lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }),
        clipNorm: 1,
        epochs,
        batches: (epoch) => {
          const epochBatches = batches(epoch);
          steps += epochBatches.length;
          return epochBatches;
        },
        evaluate: () => {
          const e = model.evaluate(test);
          return { testLoss: e.loss, testAccuracy: e.accuracy };
        },
      });
      const last = run.history.at(-1)!;
      const info = {
        epochs,
        steps,
        testLoss: last.metrics.testLoss,
        testAccuracy: last.metrics.testAccuracy,
        kernel: model.describe(),
        gflopPerSecond: model.stats.flops / model.stats.seconds / 1e9,
      };
      model.dispose();
      return info;
    };
  },
});
