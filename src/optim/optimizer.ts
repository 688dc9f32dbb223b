/**
 * The contract every optimiser of the library keeps: parameters and gradients keyed by name
 * (tfjs-core style), parameters updated in place, explicit state, `reset()`.
 * Used by src/train.ts and by the labs that step by hand.
 */
import type { ParamSet } from "../ndarray";

export interface Optimizer {
  readonly name: string;
  /** The learning rate, for optimisers that have one (train's `phases` set it between phases). */
  lr?: number;
  /** Applies one update to `params` in place from `grads` (same keys and shapes). */
  step(params: ParamSet, grads: ParamSet): void;
  /** Forgets the running state (momenta, averages). */
  reset(): void;
}

/** Throws unless `grads` has exactly the keys and sizes of `params`. */
export function checkGradKeys(owner: string, params: ParamSet, grads: ParamSet): void {
  for (const name of Object.keys(params)) {
    const g = grads[name];
    if (g === undefined) throw new Error(`${owner}: no gradient for parameter "${name}"`);
    if (g.data.length !== params[name].data.length) {
      throw new RangeError(
        `${owner}: gradient "${name}" has shape [${g.shape.join(", ")}], parameter has [${params[name].shape.join(", ")}]`,
      );
    }
  }
  for (const name of Object.keys(grads)) {
    if (!(name in params))
      throw new Error(
        `${owner}: gradient "${name}" matches no parameter (parameters: ${Object.keys(params).join(", ")})`,
      );
  }
}

/** Global L2 norm over every gradient. */
export function gradNorm(grads: ParamSet): number {
  let s = 0;
  for (const g of Object.values(grads)) for (let i = 0; i < g.data.length; i++) s += g.data[i] * g.data[i];
  return Math.sqrt(s);
}

/**
 * Scales all gradients in place so their global norm is at most `maxNorm` (PyTorch's
 * clip_grad_norm_). Returns the norm before clipping.
 */
export function clipGradNorm(grads: ParamSet, maxNorm: number): number {
  const norm = gradNorm(grads);
  if (norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const g of Object.values(grads)) for (let i = 0; i < g.data.length; i++) g.data[i] *= scale;
  }
  return norm;
}
