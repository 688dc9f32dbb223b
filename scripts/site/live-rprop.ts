// The library's side of the live explorable of labs 003 and 004: from a start (w_x, w_rec), the
// path of the library's own RProp and of plain gradient descent on the linear RNN's loss. The results
// pages run this in the browser (bundled from src/ by esbuild: scripts/site/bundle.ts); it is the only
// file of the site that imports the library, so an API change of the library is adapted here.
// Used by scripts/site/page.ts; the browser test compares its paths with the same loop run in Node.
import { fromRows } from "../../src/ndarray";
import { LinearRnn, type LinearRnnBatch } from "../../src/models/linear-rnn";
import { RProp } from "../../src/optim/rprop";
import { Sgd } from "../../src/optim/sgd";
import type { LiveRpropMarker } from "./explorable";

export interface OptimizerPath {
  /** [w_x, w_rec] of every iterate, the start first. */
  points: [number, number][];
  /** ξ at each point of `points`. */
  losses: number[];
  /** Why the path ended before the last iteration (gradient descent leaving the chart), if it did. */
  stopped?: string;
}

function batchOf(marker: LiveRpropMarker): LinearRnnBatch {
  return { x: fromRows(marker.batch.x, "batch.x"), y: marker.batch.y }; // x (B, T), y (B,)
}

/** RProp from `start`, as the notebooks run it (train does the same): a forward and backward pass, then one step. */
export function rpropPath(marker: LiveRpropMarker, start: readonly [number, number]): OptimizerPath {
  const batch = batchOf(marker);
  const model = new LinearRnn({ wx: start[0], wRec: start[1] });
  const rprop = new RProp({ ...marker.rprop, initialSign: { ...marker.rprop.initialSign } as Record<string, number> });
  const points: [number, number][] = [[start[0], start[1]]];
  const losses: number[] = [];
  for (let i = 0; i < marker.iterations; i++) {
    const { loss, grads } = model.lossAndGradients(batch);
    losses.push(loss);
    rprop.step(model.params, grads);
    const { wx, wRec } = model.weights();
    points.push([wx, wRec]);
  }
  losses.push(model.lossAndGradients(batch).loss);
  return { points, losses };
}

/**
 * Plain gradient descent (lab.Sgd without momentum) from `start`. On the cliff its steps are the
 * gradient's size, so it can leave any chart within a few iterations: the path stops at the first
 * iterate that is not finite or lies farther than `escape` from the start in either weight.
 */
export function gradientDescentPath(
  marker: LiveRpropMarker,
  start: readonly [number, number],
  escape = 1e3,
): OptimizerPath {
  const batch = batchOf(marker);
  const model = new LinearRnn({ wx: start[0], wRec: start[1] });
  const sgd = new Sgd({ lr: marker.gradientDescent.lr });
  const points: [number, number][] = [[start[0], start[1]]];
  const losses: number[] = [];
  for (let i = 0; i < marker.iterations; i++) {
    const { loss, grads } = model.lossAndGradients(batch);
    losses.push(loss);
    sgd.step(model.params, grads);
    const { wx, wRec } = model.weights();
    if (
      !Number.isFinite(wx) ||
      !Number.isFinite(wRec) ||
      Math.abs(wx - start[0]) > escape ||
      Math.abs(wRec - start[1]) > escape
    ) {
      return {
        points,
        losses,
        stopped: `left the chart at iteration ${i + 1} (w_x = ${wx.toPrecision(3)}, w_rec = ${wRec.toPrecision(3)})`,
      };
    }
    points.push([wx, wRec]);
  }
  losses.push(model.lossAndGradients(batch).loss);
  return { points, losses };
}
