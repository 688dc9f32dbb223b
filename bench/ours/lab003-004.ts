/**
 * bptt-lab's side of labs 003 and 004 in `npm run bench`: the notebooks' loss-surface figure and
 * RProp run on the two-weight linear RNN (notebooks/003-*.ipynb, 004-*.ipynb), same data and sizes,
 * through the same library calls (LinearRnn, lossPlusOne, lossSurface; RProp driven by train).
 * Sections:
 *   003-surface  loss + 1 on [−3, 3]² and [−0.1, 2.1]², 100 × 100 each (grid=N)
 *   003-rprop    RProp from (−2, 2), step 0.003, initial signs (−1, 1), 300 iterations
 *   004-surface  the same two grids, 50 × 50 each
 *   004-rprop    RProp from (−1.5, 2), step 0.001, 500 iterations
 * Run by bench/run.ts (see bench/ours/harness.ts).
 */
import { type Lab, main, num } from "./harness";

type Batch = { x: ReturnType<Lab["bitSequences"]>["X"]; y: ArrayLike<number> };

function surface(data: (lab: Lab) => Batch, n: number) {
  return (lab: Lab, options: Record<string, string | number>) => {
    const batch = data(lab);
    const grid = num(options, "grid", n);
    return () => {
      const loss = lab.lossPlusOne(new lab.LinearRnn({ wx: 0, wRec: 0 }), batch);
      const overview = lab.lossSurface({ x: [-3, 3], y: [-3, 3], n: grid, loss });
      const zoom = lab.lossSurface({ x: [-0.1, 2.1], y: [-0.1, 2.1], n: grid, loss });
      return { grid, maxLossPlusOne: Math.max(...overview.values), zoomMin: Math.min(...zoom.values) - 1 };
    };
  };
}

function rprop(
  data: (lab: Lab) => Batch,
  start: { wx: number; wRec: number },
  initialStep: number,
  initialSign: { wx: number; wRec: number },
  iterations: number,
) {
  return (lab: Lab) => {
    const batch = data(lab);
    return async () => {
      const model = new lab.LinearRnn(start);
      const optimizer = new lab.RProp({ etaPlus: 1.2, etaMinus: 0.5, initialStep, initialSign });
      const path = lab.weightPath(model);
      await lab.train({
        model,
        optimizer,
        epochs: iterations,
        batches: () => [batch],
        onEpochEnd: path.onEpochEnd,
        progress: false,
      });
      const { wx, wRec } = model.weights();
      return { iterations, wx, wRec, points: path.points.length };
    };
  };
}

const data003 = (lab: Lab): Batch => {
  const { X, t } = lab.bitSequences({ samples: 20, sequenceLength: 10, seed: 1 });
  return { x: X, y: t };
};
const data004 = (lab: Lab): Batch => {
  const { X, t } = lab.thirdsSequences({ samples: 30, sequenceLength: 20, seed: 61185 });
  return { x: X, y: t };
};

main(__filename, {
  "003-surface": surface(data003, 100),
  "003-rprop": rprop(data003, { wx: -2, wRec: 2 }, 0.003, { wx: -1, wRec: 1 }, 300),
  "004-surface": surface(data004, 50),
  "004-rprop": rprop(data004, { wx: -1.5, wRec: 2 }, 0.001, { wx: 0, wRec: 0 }, 500),
});
