/**
 * Stochastic gradient descent with optional momentum and Tikhonov (L2) regularisation, as PyTorch's
 * `torch.optim.SGD`: g ← g + λ·w;  v ← μ·v + g;  w ← w − lr·v.
 * Introduced in lab 000 (plain SGD) and lab 002 (momentum + Tikhonov).
 */
import type { ParamSet } from "../ndarray";
import { type Optimizer, checkGradKeys } from "./optimizer";
import { rejectUnknownOptions } from "../options";

export interface SgdOptions {
  /** Learning rate (required: every lab sets its own). */
  lr: number;
  /** Momentum μ (default 0: plain SGD). */
  momentum?: number;
  /** Tikhonov / L2 coefficient λ: adds λ·w to every gradient (default 0). */
  weightDecay?: number;
}

export class Sgd implements Optimizer {
  readonly name = "SGD";
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  private velocity: Record<string, Float64Array> = {};

  constructor(options: SgdOptions) {
    rejectUnknownOptions("Sgd", options, ["lr", "momentum", "weightDecay"]);
    const { lr, momentum = 0, weightDecay = 0 } = options;
    if (!(lr > 0)) throw new RangeError(`Sgd: lr must be > 0, got ${lr}`);
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`Sgd: momentum must be in [0, 1), got ${momentum}`);
    if (!(weightDecay >= 0)) throw new RangeError(`Sgd: weightDecay must be >= 0, got ${weightDecay}`);
    this.lr = lr;
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  step(params: ParamSet, grads: ParamSet): void {
    checkGradKeys("Sgd", params, grads);
    for (const [name, p] of Object.entries(params)) {
      const w = p.data,
        g = grads[name].data;
      const v = (this.velocity[name] ??= new Float64Array(w.length));
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] + this.weightDecay * w[i];
        v[i] = this.momentum * v[i] + gi;
        w[i] -= this.lr * (this.momentum > 0 ? v[i] : gi);
      }
    }
  }

  reset(): void {
    this.velocity = {};
  }
}
