/**
 * RMSprop as PyTorch's `torch.optim.RMSprop` defaults it (lab 001 trains every net with it):
 * s ← α·s + (1 − α)·g²;  w ← w − lr·g / (√s + ε).
 * Introduced in lab 001.
 */
import type { ParamSet } from "../ndarray";
import { type Optimizer, checkGradKeys } from "./optimizer";
import { rejectUnknownOptions } from "../options";

export interface RmsPropOptions {
  /** Learning rate (PyTorch's default 0.01; lab 001 uses 0.001). */
  lr?: number;
  /** Smoothing constant α of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** Added to the root mean square for stability (default 1e-8). */
  eps?: number;
}

export class RmsProp implements Optimizer {
  readonly name = "RMSprop";
  lr: number;
  readonly alpha: number;
  readonly eps: number;
  private square: Record<string, Float64Array> = {};

  constructor(options: RmsPropOptions = {}) {
    rejectUnknownOptions("RmsProp", options, ["lr", "alpha", "eps"]);
    const { lr = 0.01, alpha = 0.99, eps = 1e-8 } = options;
    if (!(lr > 0)) throw new RangeError(`RmsProp: lr must be > 0, got ${lr}`);
    if (!(alpha >= 0 && alpha < 1)) throw new RangeError(`RmsProp: alpha must be in [0, 1), got ${alpha}`);
    this.lr = lr;
    this.alpha = alpha;
    this.eps = eps;
  }

  step(params: ParamSet, grads: ParamSet): void {
    checkGradKeys("RmsProp", params, grads);
    // Constants in locals: lab 001 steps once per chunk over up to 40k weights (6 × 60 units), and
    // V8 reloaded the fields on every element (a third of the loop's time); same arithmetic, same bits.
    const alpha = this.alpha,
      beta = 1 - this.alpha,
      lr = this.lr,
      eps = this.eps;
    for (const [name, p] of Object.entries(params)) {
      const w = p.data,
        g = grads[name].data;
      const s = (this.square[name] ??= new Float64Array(w.length));
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        const si = alpha * s[i] + beta * gi * gi;
        s[i] = si;
        w[i] -= (lr * gi) / (Math.sqrt(si) + eps);
      }
    }
  }

  reset(): void {
    this.square = {};
  }
}
