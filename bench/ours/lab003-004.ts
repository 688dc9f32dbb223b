/**
 * bptt-lab's side of labs 003 and 004 in `npm run bench`: the notebooks' loss-surface figure and
 * RProp loop on the two-weight linear RNN (notebooks/003-*.ipynb, 004-*.ipynb), same data and sizes.
 * Sections:
 *   003-surface  loss + 1 on [−3, 3]² and [−0.1, 2.1]², 100 × 100 each (grid=N)
 *   003-rprop    RProp from (−2, 2), step 0.003, initial signs (−1, 1), 300 iterations
 *   004-surface  the same two grids, 50 × 50 each
 *   004-rprop    RProp from (−1.5, 2), step 0.001, 500 iterations
 * Run by bench/run.ts (see bench/ours/harness.ts).
 */
import { type Lab, main, num } from "./harness";

type Data = { X: ReturnType<Lab["bitSequences"]>["X"]; t: ArrayLike<number> };

function surface(data: (lab: Lab) => Data, n: number) {
  return (lab: Lab, options: Record<string, string | number>) => {
    const { X, t } = data(lab);
    const grid = num(options, "grid", n);
    const { forwardStates, outputs, mseLoss } = lab.linearRnn;
    return () => {
      const lossPlusOne = (wx: number, wRec: number) => mseLoss(outputs(forwardStates(X, { wx, wRec })), t) + 1;
      const overview = lab.lossSurface({ x: [-3, 3], y: [-3, 3], n: grid, loss: lossPlusOne });
      const zoom = lab.lossSurface({ x: [-0.1, 2.1], y: [-0.1, 2.1], n: grid, loss: lossPlusOne });
      return { grid, maxLossPlusOne: Math.max(...overview.values), zoomMin: Math.min(...zoom.values) - 1 };
    };
  };
}

function rprop(data: (lab: Lab) => Data, start: { wx: number; wRec: number }, initialStep: number, initialSign: { wx: number; wRec: number }, iterations: number) {
  return (lab: Lab) => {
    const { X, t } = data(lab);
    return () => {
      const rp = new lab.RProp({ etaPlus: 1.2, etaMinus: 0.5, initialStep, initialSign });
      let W = { ...start };
      const lsOfWs: [number, number][] = [[W.wx, W.wRec]];
      for (let i = 0; i < iterations; i++) {
        const { grads } = lab.linearRnn.lossAndGradients(X, t, W);
        W = rp.step(W, grads);
        lsOfWs.push([W.wx, W.wRec]);
      }
      return { iterations, wx: W.wx, wRec: W.wRec };
    };
  };
}

const data003 = (lab: Lab): Data => lab.bitSequences({ samples: 20, sequenceLength: 10, seed: 1 });
const data004 = (lab: Lab): Data => lab.thirdsSequences({ samples: 30, sequenceLength: 20, seed: 61185 });

main(__filename, {
  "003-surface": surface(data003, 100),
  "003-rprop": rprop(data003, { wx: -2, wRec: 2 }, 0.003, { wx: -1, wRec: 1 }, 300),
  "004-surface": surface(data004, 50),
  "004-rprop": rprop(data004, { wx: -1.5, wRec: 2 }, 0.001, { wx: 0, wRec: 0 }, 500),
});
