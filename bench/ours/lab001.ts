/**
 * bptt-lab's side of lab 001 in `npm run bench`: the notebook's training runs
 * (notebooks/001-signal-echoing.ipynb): lab.trainTruncated over EchoData (batch 5, series 20 000,
 * T = 20, so 1 000 chunks per epoch), RMSprop lr 0.001, state carried between chunks; each step is
 * the model contract's lossAndGradients on a chunk { x, y, state } (BCE-with-logits, fused BPTT).
 * Training only (the test pass is not timed, as on the Python side).
 * Sections (epochs=N, length=L to change):
 *   echo3-4      echo 3, ReLU RNN 4 units, 5 epochs (the lab's)
 *   echo10-4     echo 10, 4 units, 1 epoch (the lab runs 20; the cost per epoch is constant)
 *   echo10-60    echo 10, 60 units, 1 epoch
 *   echo10-6x60  echo 10, 6 layers × 60 units, 1 epoch
 *   lstm16       echo 10, LSTM 16 units, 1 epoch (the notebook's answer)
 *   gru16        echo 10, GRU 16 units, 1 epoch
 * Run by bench/run.ts (see bench/ours/harness.ts).
 */
import type { RecurrentModel } from "../../src/index";
import { type Lab, main, num } from "./harness";

function section(echoStep: number, make: (lab: Lab) => RecurrentModel, defaultEpochs: number) {
  return (lab: Lab, options: Record<string, string | number>) => {
    const epochs = num(options, "epochs", defaultEpochs);
    const seriesLength = num(options, "length", 20000);
    const data = new lab.EchoData({ echoStep, batchSize: 5, seriesLength, truncatedLength: 20, seed: 1 });
    const model = make(lab);
    return async () => {
      const run = await lab.trainTruncated({
        model,
        data,
        optimizer: new lab.RmsProp({ lr: 0.001 }),
        epochs,
        log: false,
        progress: false,
      });
      return {
        epochs,
        chunks: data.numChunks,
        accuracy: run.accuracy,
        lastLoss: run.lastLoss[run.lastLoss.length - 1],
      };
    };
  };
}

main(__filename, {
  "echo3-4": section(3, (lab) => lab.reluRnn({ hiddenSize: 4, seed: 0 }), 5),
  "echo10-4": section(10, (lab) => lab.reluRnn({ hiddenSize: 4, seed: 1 }), 1),
  "echo10-60": section(10, (lab) => lab.reluRnn({ hiddenSize: 60, seed: 1 }), 1),
  "echo10-6x60": section(10, (lab) => lab.reluRnn({ hiddenSize: 60, layers: 6, seed: 1 }), 1),
  lstm16: section(10, (lab) => lab.lstm({ hiddenSize: 16, seed: 1 }), 1),
  gru16: section(10, (lab) => lab.gru({ hiddenSize: 16, seed: 1 }), 1),
});
