/**
 * RProp as labs 003 and 004 run it: every weight moves by its own step size Δ in the direction
 * opposite to the sign of its gradient; Δ grows by η+ while the sign holds and shrinks by η− when
 * it flips. Only signs are used, so exploding or vanishing gradient magnitudes do not matter; that
 * is why the labs use it on the linear RNN's cliff-shaped loss surface.
 * (The labs' variant: the weight still steps on a sign flip, with the already shrunk Δ.)
 * Introduced in lab 003.
 */
import { rejectUnknownOptions } from "../options";

export type Weights = Record<string, number>;

export interface RPropOptions {
  /** Growth factor η+ of Δ while a gradient keeps its sign (default 1.2). */
  etaPlus?: number;
  /** Shrink factor η− of Δ when a gradient flips sign (default 0.5). */
  etaMinus?: number;
  /** Initial step size Δ₀ of every weight (lab 003: 0.003, lab 004: 0.001). */
  initialStep: number;
  /** Sign assumed for the gradient before the first step (lab 003: {wx: −1, wRec: 1}; default 0). */
  initialSign?: Weights;
}

const OPTION_KEYS = ["etaPlus", "etaMinus", "initialStep", "initialSign"];

export class RProp {
  readonly etaPlus: number;
  readonly etaMinus: number;
  /** Current step size Δ of each weight. */
  readonly delta: Weights = {};
  /** Sign of each weight's gradient at the last step. */
  readonly prevSign: Weights = {};
  private readonly initialStep: number;
  private readonly initialSign: Weights;

  constructor(options: RPropOptions) {
    rejectUnknownOptions("RProp", options, OPTION_KEYS);
    const { etaPlus = 1.2, etaMinus = 0.5, initialStep, initialSign = {} } = options;
    if (!(etaPlus > 1)) throw new RangeError(`RProp: etaPlus must be > 1, got ${etaPlus}`);
    if (!(etaMinus > 0 && etaMinus < 1)) throw new RangeError(`RProp: etaMinus must be in (0, 1), got ${etaMinus}`);
    if (!(initialStep > 0)) throw new RangeError(`RProp: initialStep must be > 0, got ${initialStep}`);
    this.etaPlus = etaPlus;
    this.etaMinus = etaMinus;
    this.initialStep = initialStep;
    this.initialSign = { ...initialSign };
  }

  /** One iteration: adapts each Δ from the gradient's sign, then returns the moved weights. */
  step<W extends { [K in keyof W]: number }>(weights: W, grads: { [K in keyof W]: number }): W {
    const next = {} as Record<string, number>;
    for (const name of Object.keys(weights) as (keyof W & string)[]) {
      const g = grads[name];
      if (g === undefined) throw new Error(`RProp.step: no gradient for weight "${name}"`);
      const sign = Math.sign(g);
      const prev = this.prevSign[name] ?? this.initialSign[name] ?? 0;
      const delta = this.delta[name] ?? this.initialStep;
      this.delta[name] = sign === prev ? delta * this.etaPlus : delta * this.etaMinus;
      this.prevSign[name] = sign;
      next[name] = weights[name] - sign * this.delta[name];
    }
    return next as W;
  }
}
