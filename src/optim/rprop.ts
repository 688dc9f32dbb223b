/**
 * RProp as labs 003 and 004 run it: every weight moves by its own step size Δ in the direction
 * opposite to the sign of its gradient; Δ grows by η+ while the sign holds and shrinks by η− when
 * it flips. Only signs are used, so exploding or vanishing gradient magnitudes do not matter; that
 * is why the labs use it on the linear RNN's cliff-shaped loss surface.
 * (The labs' variant: the weight still steps on a sign flip, with the already shrunk Δ.)
 *
 * It keeps the Optimizer contract (src/optim/optimizer.ts): `step` updates the parameters in place,
 * its state (Δ and the previous sign of every entry) is explicit, `reset()` forgets it. Trained
 * through src/train.ts by notebooks 003 and 004. Introduced in lab 003.
 */
import type { ParamSet } from "../ndarray";
import { rejectUnknownOptions } from "../options";
import { type Optimizer, checkGradKeys } from "./optimizer";

export interface RPropOptions {
  /** Growth factor η+ of Δ while a gradient keeps its sign (default 1.2). */
  etaPlus?: number;
  /** Shrink factor η− of Δ when a gradient flips sign (default 0.5). */
  etaMinus?: number;
  /** Initial step size Δ₀ of every weight (lab 003: 0.003, lab 004: 0.001). */
  initialStep: number;
  /**
   * Sign assumed for each parameter's gradient before the first step, by parameter name, for all
   * its entries (lab 003: {wx: −1, wRec: 1}; default 0, as lab 004).
   */
  initialSign?: Readonly<Record<string, number>>;
}

const OPTION_KEYS = ["etaPlus", "etaMinus", "initialStep", "initialSign"];

export class RProp implements Optimizer {
  readonly name = "RProp";
  readonly etaPlus: number;
  readonly etaMinus: number;
  readonly initialStep: number;
  readonly initialSign: Readonly<Record<string, number>>;
  /** Current step size Δ of every entry, by parameter name (created on the first step). */
  delta: Record<string, Float64Array> = {};
  /** Sign of every entry's gradient at the last step, by parameter name. */
  prevSign: Record<string, Float64Array> = {};

  constructor(options: RPropOptions) {
    rejectUnknownOptions("RProp", options, OPTION_KEYS);
    const { etaPlus = 1.2, etaMinus = 0.5, initialStep, initialSign = {} } = options;
    if (!(etaPlus > 1)) throw new RangeError(`RProp: etaPlus must be > 1, got ${etaPlus}`);
    if (!(etaMinus > 0 && etaMinus < 1)) throw new RangeError(`RProp: etaMinus must be in (0, 1), got ${etaMinus}`);
    if (!(initialStep > 0)) throw new RangeError(`RProp: initialStep must be > 0, got ${initialStep}`);
    for (const [name, sign] of Object.entries(initialSign)) {
      if (sign !== -1 && sign !== 0 && sign !== 1)
        throw new RangeError(`RProp: initialSign.${name} must be -1, 0 or 1, got ${sign}`);
    }
    this.etaPlus = etaPlus;
    this.etaMinus = etaMinus;
    this.initialStep = initialStep;
    this.initialSign = { ...initialSign };
  }

  /** One iteration: adapts each Δ from its gradient's sign, then moves each weight by −sign(g)·Δ, in place. */
  step(params: ParamSet, grads: ParamSet): void {
    checkGradKeys("RProp", params, grads);
    for (const [name, p] of Object.entries(params)) {
      const w = p.data;
      const g = grads[name].data;
      const delta = (this.delta[name] ??= new Float64Array(w.length).fill(this.initialStep));
      const prev = (this.prevSign[name] ??= new Float64Array(w.length).fill(this.initialSign[name] ?? 0));
      for (let i = 0; i < w.length; i++) {
        const sign = Math.sign(g[i]);
        delta[i] = sign === prev[i] ? delta[i] * this.etaPlus : delta[i] * this.etaMinus;
        prev[i] = sign;
        w[i] -= sign * delta[i];
      }
    }
  }

  /** Back to Δ₀ and the initial signs, as a fresh optimiser. */
  reset(): void {
    this.delta = {};
    this.prevSign = {};
  }
}
