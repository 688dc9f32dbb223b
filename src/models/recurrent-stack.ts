/**
 * What the recurrent models of lab 001 (ReLU RNN, LSTM, GRU) share: a stack of recurrent layers
 * with a linear read-out on every time step, run over one chunk of time in Float64Array loops
 * (forward and hand-derived backward fused over the whole chunk), plus the op-by-op TensorFlow.js
 * version of the same stack that the tests differentiate to check the fused gradients.
 *
 * The stack keeps the library's one model contract (src/models/model.ts) with a chunk as its batch:
 * `{ x, y, state }`, the inputs and targets of one chunk and the state carried in from the chunk
 * before. `lossAndGradients` is BCE-with-logits over the chunk, with the gradient stopped at that
 * incoming state; it also hands back the state to carry on (src/bptt/truncated.ts does the carrying).
 * `tfLoss` is the same loss in TensorFlow.js ops, on the tf module it is given: this file imports
 * only TensorFlow.js's types, so training (and the worker threads of src/bptt/parallel.ts) never
 * loads it.
 *
 * Why fused loops: on nets this small, TensorFlow.js spends its time in per-op overhead (~6 ms per
 * echo batch op by op, see FACTS.md); the whole chunk in typed arrays costs microseconds for 4
 * units. The products are in src/kernels/gemm.ts: WebAssembly SIMD (10–12 GFLOP/s here) once they
 * are 16 wide, with each layer's W_hh packed once per chunk for its T small per-step products, and
 * JavaScript 4×4 blocks below that; every path sums in the same order, so results are bit-identical.
 * The same equations as plain loops, step by step, are the reference BPTTs beside the cells
 * (relu-rnn-reference.ts, lstm-reference.ts, gru-reference.ts), which the tests hold the fused
 * paths to.
 *
 * Layout: the models take and return batch-first arrays ([batch, time, features], as PyTorch's
 * batch_first=True in the lab); inside, sequences are time-major ([time, batch, features]) so that
 * one time step is one contiguous [batch, features] block and all time steps are one [T·B, F]
 * matrix for the products that do not depend on the recurrence (input projections, weight grads).
 *
 * The cell files (relu-rnn.ts, lstm.ts, gru.ts) supply one layer's forward over time, its
 * backward beside it, and its tf step. Introduced in lab 001.
 */
import type * as tfCore from "@tensorflow/tfjs-core";
import { gemm, gemmNT } from "../kernels/gemm";
import { broadcastRows, columnSums, toBatchFirst, toTimeMajor } from "../kernels/flat-arrays";
import { type NdArray, type ParamSet, assertShape, ndarray, wrapArray } from "../ndarray";
import { rejectUnknownOptions } from "../options";
import { NumpyRandom } from "../random";
import { bceWithLogits, binaryCorrect, tfBceWithLogits } from "./losses";
import type { LossAndGradients, Model, Tf } from "./model";

// ---------------------------------------------------------------------------------------------
// A chunk as a batch, and what one gives (src/bptt/truncated.ts trains any model with these).

/**
 * A recurrent model's state between chunks, keyed by name ("h", and "c" for the LSTM), each
 * [layers, batch, hidden] like PyTorch's `hidden`. Plain float64 values: carrying it into the next
 * chunk carries no graph, so the gradient stops at the chunk border by construction.
 */
export type RecurrentState = Readonly<Record<string, NdArray>>;

/** One chunk of long sequences: the batch of a recurrent model's loss. */
export interface ChunkBatch {
  /** [batch, time, inputs]. */
  x: NdArray;
  /** [batch, time, outputs]: the 0/1 targets of every step. */
  y: NdArray;
  /** The state carried in from the chunk before ([layers, batch, hidden] per name); a constant of this chunk. */
  state: RecurrentState;
}

/** What a chunk's forward and backward give: the contract's loss and gradients, plus what truncated BPTT carries on. */
export interface ChunkLossAndGradients extends LossAndGradients {
  /** accuracy: correct elements over all elements of the chunk, in %. */
  metrics: { accuracy: number };
  /** The state after the chunk's last step: the next chunk's `state`. */
  finalState: RecurrentState;
  /** [batch, time, outputs], before any sigmoid. */
  logits: NdArray;
  /** Elements predicted right (logit > 0 ⇔ 1), and how many there are. */
  correct: number;
  total: number;
}

export interface ChunkBackwardOptions {
  /** Also return ∂L/∂x (default false: the first layer's input gradient is not needed to train). */
  inputGrads?: boolean;
}

export interface ChunkBackward {
  /** ∂L/∂θ keyed like the parameters. */
  grads: ParamSet;
  /**
   * [time]: entry t−1 is ‖∂L/∂h_t‖ over every layer's h_t and the whole batch, each a total
   * derivative (through the read-out or the layer above at step t, and through step t+1). Shows
   * how far back in the chunk an error signal reaches (src/bptt/gradient-reach.ts).
   */
  hiddenGradNorms: Float64Array;
  /** ∂L/∂(incoming state): what truncated BPTT throws away at the chunk border. */
  initialStateGrads: RecurrentState;
  /** ∂L/∂x, [batch, time, inputs], when asked for. */
  inputGrads?: NdArray;
}

export interface ChunkForward {
  /** [batch, time, outputs]: the read-out on every step, before any sigmoid. */
  logits: NdArray;
  /** The state after the last step, [layers, batch, hidden] per name: carry it into the next chunk. */
  finalState: RecurrentState;
  /** Backpropagates ∂L/∂logits ([batch, time, outputs]) through the chunk, down to the incoming state. */
  backward(dLogits: NdArray, options?: ChunkBackwardOptions): ChunkBackward;
}

// ---------------------------------------------------------------------------------------------
// One recurrent layer, as a cell file implements it.

/** One layer's parameters, PyTorch's layout: w_ih [gates·H, in], w_hh [gates·H, H], biases [gates·H]. */
export interface LayerParams {
  wIh: Float64Array;
  wHh: Float64Array;
  bIh: Float64Array;
  bHh: Float64Array;
}

export interface LayerDims {
  /** Time steps T. */
  time: number;
  batch: number;
  /** Input features of this layer (the model's input size, or H above the first layer). */
  inSize: number;
  hidden: number;
}

/** What a layer's forward keeps for its backward; `outputs` ([T, B, H], time-major) feeds the layer above. */
export interface LayerForward {
  outputs: Float64Array;
  /** The state after the last step, per state name, [B, H] each. */
  finalState: Record<string, Float64Array>;
}

export interface LayerBackward {
  /** Gradients of the layer's four parameters. */
  dWIh: Float64Array;
  dWHh: Float64Array;
  dBIh: Float64Array;
  dBHh: Float64Array;
  /** ∂L/∂(layer input), [T, B, in] time-major, when asked for. */
  dInputs?: Float64Array;
  /** [T]: ‖∂L/∂h_t‖² (total derivative of this layer's output h_t), per step t = 1 … T. */
  hiddenGradSq: Float64Array;
  /** ∂L/∂(incoming state) per state name, [B, H]. */
  dInitial: Record<string, Float64Array>;
}

/**
 * The parameter gradients of a layer from the gradients of its pre-activations over a whole chunk,
 * the same sums for every cell (a weight's gradient is Σ_t of δ_t times what it multiplied at step t):
 *   ∂W_ih = Σ_t δin_tᵀ·x_t,   ∂W_hh = Σ_t δrec_tᵀ·h_{t−1},   ∂b_ih, ∂b_hh = Σ_t δin_t, Σ_t δrec_t,
 *   ∂x_t = δin_t·W_ih (for the layer below, when asked for).
 * gIn, gRec: [T·B, G] gradients of the input and recurrent pre-activations, G = gates × H. They are
 * the same array for cells that add the two parts before the non-linearity (ReLU RNN, LSTM); GRU's
 * differ, since r scales W_hn·h inside its n gate. hPrev: [T + 1, B, H] states; rows 0 … T·B − 1
 * are h_0 … h_{T−1}. X: [T, B, in] time-major.
 */
export function chunkParamGrads(
  p: LayerParams,
  X: Float64Array,
  hPrev: Float64Array,
  gIn: Float64Array,
  gRec: Float64Array,
  dims: LayerDims,
  wantInputs: boolean,
): Omit<LayerBackward, "hiddenGradSq" | "dInitial"> {
  const { time: T, batch: B, inSize, hidden: H } = dims;
  const TB = T * B,
    G = gIn.length / TB;
  const dWHh = new Float64Array(G * H);
  gemm(true, false, G, H, TB, gRec, 0, hPrev, 0, dWHh, 0); // (G, H) = gRecᵀ·h_{0…T−1}
  const dWIh = new Float64Array(G * inSize);
  gemm(true, false, G, inSize, TB, gIn, 0, X, 0, dWIh, 0); // (G, in) = gInᵀ·X
  const dBIh = columnSums(gIn, TB, G);
  const dBHh = gIn === gRec ? dBIh.slice() : columnSums(gRec, TB, G);
  let dInputs: Float64Array | undefined;
  if (wantInputs) {
    dInputs = new Float64Array(TB * inSize); // (T, B, in)
    gemm(false, false, TB, inSize, G, gIn, 0, p.wIh, 0, dInputs, 0); // (T·B, in) = gIn·W_ih
  }
  return { dWIh, dWHh, dBIh, dBHh, dInputs };
}

/** One layer's parameters as TensorFlow.js tensors (float32), for a cell's tfStep. */
export interface TfLayerParams {
  wIh: tfCore.Tensor2D;
  wHh: tfCore.Tensor2D;
  bIh: tfCore.Tensor1D;
  bHh: tfCore.Tensor1D;
}

export interface RecurrentCell<Cache extends LayerForward = LayerForward> {
  /** Shown in model names ("ReLU RNN", "LSTM", "GRU"). */
  readonly kind: string;
  /** Rows of w_ih / w_hh per hidden unit: 1 (ReLU RNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n). */
  readonly gates: number;
  /** The state carried between steps ("h", or "h" and "c"). */
  readonly stateNames: readonly string[];
  /** X: [T, B, in] time-major; initial: [B, H] per state name. */
  forward(p: LayerParams, X: Float64Array, dims: LayerDims, initial: Record<string, Float64Array>): Cache;
  /** dOut: ∂L/∂(layer outputs), [T, B, H] time-major (from the read-out or the layer above). */
  backward(
    p: LayerParams,
    X: Float64Array,
    dims: LayerDims,
    cache: Cache,
    dOut: Float64Array,
    wantInputs: boolean,
  ): LayerBackward;
  /**
   * One step in TensorFlow.js ops, on the tf module passed in: x [B, in], state [B, H] per name →
   * the new state (its "h" is the output).
   */
  tfStep(
    tf: Tf,
    p: TfLayerParams,
    x: tfCore.Tensor2D,
    state: Record<string, tfCore.Tensor2D>,
  ): Record<string, tfCore.Tensor2D>;
}

// ---------------------------------------------------------------------------------------------
// The stack: layers, then a linear read-out on every step.

export interface RecurrentNetOptions {
  /** Hidden units per layer (lab 001: 4 or 60). */
  hiddenSize: number;
  /** Stacked layers (default 1; lab 001's "longer" RNN has 6). */
  layers?: number;
  /** Features per input step (default 1: the echo bit). */
  inputSize?: number;
  /** Read-out outputs per step (default 1: one logit). */
  outputSize?: number;
  /** Seed of the NumPy-compatible generator that draws the initial weights (default 1). */
  seed?: number;
  /** Draw from this generator instead (takes precedence over seed). */
  rng?: NumpyRandom;
  /** Model name in logs and legends (default e.g. "LSTM (16 units)"). */
  name?: string;
}

const NET_OPTIONS = ["hiddenSize", "layers", "inputSize", "outputSize", "seed", "rng", "name"];

function positiveInteger(owner: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${owner}: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Parameter names, PyTorch's (`rnn.weight_ih_l0` → `weight_ih_l0`, `linear.weight` → `linear_weight`). */
export function layerParamNames(layer: number): { wIh: string; wHh: string; bIh: string; bHh: string } {
  return { wIh: `weight_ih_l${layer}`, wHh: `weight_hh_l${layer}`, bIh: `bias_ih_l${layer}`, bHh: `bias_hh_l${layer}` };
}

/**
 * A stack of recurrent layers with a linear read-out on every step, initialised like PyTorch:
 * every recurrent weight and bias uniform in ±1/√hidden (nn.RNN / nn.LSTM / nn.GRU), and the
 * read-out (nn.Linear, fan-in = hidden) also uniform in ±1/√hidden. Drawn in PyTorch's parameter
 * order (per layer w_ih, w_hh, b_ih, b_hh; then the read-out weight and bias).
 */
export class RecurrentNet<Cache extends LayerForward = LayerForward> implements Model<ChunkBatch> {
  readonly name: string;
  readonly params: ParamSet;
  readonly hiddenSize: number;
  readonly layers: number;
  readonly inputSize: number;
  readonly outputSize: number;

  constructor(
    readonly cell: RecurrentCell<Cache>,
    options: RecurrentNetOptions,
  ) {
    const owner = cell.kind;
    rejectUnknownOptions(owner, options ?? {}, NET_OPTIONS);
    this.hiddenSize = positiveInteger(owner, "hiddenSize", options.hiddenSize);
    this.layers = positiveInteger(owner, "layers", options.layers ?? 1);
    this.inputSize = positiveInteger(owner, "inputSize", options.inputSize ?? 1);
    this.outputSize = positiveInteger(owner, "outputSize", options.outputSize ?? 1);
    const H = this.hiddenSize,
      G = cell.gates * H;
    this.name = options.name ?? `${cell.kind} (${this.layers > 1 ? `${this.layers} layers × ` : ""}${H} units)`;
    const rng = options.rng ?? new NumpyRandom(options.seed ?? 1);
    const bound = 1 / Math.sqrt(H);
    const draw = (shape: number[]) => rng.uniform({ low: -bound, high: bound, size: shape });
    const params: ParamSet = {};
    for (let l = 0; l < this.layers; l++) {
      const n = layerParamNames(l);
      params[n.wIh] = draw([G, l === 0 ? this.inputSize : H]);
      params[n.wHh] = draw([G, H]);
      params[n.bIh] = draw([G]);
      params[n.bHh] = draw([G]);
    }
    params.linear_weight = draw([this.outputSize, H]);
    params.linear_bias = draw([this.outputSize]);
    this.params = params;
  }

  /** Zeros, [layers, batch, hidden] per state name (PyTorch's `hidden = None`). */
  initialState(batch: number): RecurrentState {
    positiveInteger(this.name, "batch", batch);
    return Object.fromEntries(this.cell.stateNames.map((s) => [s, ndarray([this.layers, batch, this.hiddenSize])]));
  }

  private checkState(state: RecurrentState, batch: number): void {
    for (const s of this.cell.stateNames) {
      const v = state?.[s];
      if (!v) throw new Error(`${this.name}: state has no "${s}"; start from model.initialState(batch)`);
      assertShape(v, [this.layers, batch, this.hiddenSize], `${this.name}: state "${s}"`, [
        "layers",
        "batch",
        "hidden",
      ]);
    }
  }

  private layerParams(params: ParamSet, l: number): LayerParams {
    const n = layerParamNames(l);
    const get = (key: string) => {
      const p = params[key];
      if (!p) throw new Error(`${this.name}: parameter "${key}" is missing`);
      return p.data;
    };
    return { wIh: get(n.wIh), wHh: get(n.wHh), bIh: get(n.bIh), bHh: get(n.bHh) };
  }

  /**
   * Runs the chunk x ([batch, time, inputs]) from `state`, with `params` (default the model's own;
   * the gradient check passes perturbed copies). Returns the logits, the state to carry, and the
   * backward pass over the same chunk.
   */
  forward(x: NdArray, state: RecurrentState, params: ParamSet = this.params): ChunkForward {
    assertShape(x, [null, null, this.inputSize], `${this.name}: input x`, ["batch", "time", "inputs"]);
    const [B, T] = x.shape;
    if (T === 0) throw new RangeError(`${this.name}: input x has no time steps`);
    this.checkState(state, B);
    const H = this.hiddenSize,
      O = this.outputSize,
      BH = B * H,
      TB = T * B;
    const X0 = toTimeMajor(x.data, B, T, this.inputSize); // (T, B, in)

    const inputs: Float64Array[] = [];
    const caches: Cache[] = [];
    const layerP: LayerParams[] = [];
    let input = X0;
    for (let l = 0; l < this.layers; l++) {
      const p = this.layerParams(params, l);
      const initial = Object.fromEntries(
        this.cell.stateNames.map((s) => [s, state[s].data.subarray(l * BH, (l + 1) * BH)]),
      );
      const dims = { time: T, batch: B, inSize: l === 0 ? this.inputSize : H, hidden: H };
      const cache = this.cell.forward(p, input, dims, initial);
      inputs.push(input);
      caches.push(cache);
      layerP.push(p);
      input = cache.outputs; // (T, B, H): the next layer's input
    }
    const top = input;
    const wOut = params.linear_weight.data,
      bOut = params.linear_bias.data;
    const logitsTM = broadcastRows(TB, bOut); // (T·B, O)
    gemmNT(TB, O, H, top, 0, wOut, 0, logitsTM, 0);
    const logits = wrapArray([B, T, O], toBatchFirst(logitsTM, B, T, O));

    const finalState: Record<string, NdArray> = {};
    for (const s of this.cell.stateNames) {
      const out = ndarray([this.layers, B, H]);
      caches.forEach((c, l) => out.data.set(c.finalState[s], l * BH));
      finalState[s] = out;
    }

    const backward = (dLogits: NdArray, options: ChunkBackwardOptions = {}): ChunkBackward => {
      rejectUnknownOptions(`${this.name} backward`, options, ["inputGrads"]);
      assertShape(dLogits, [B, T, O], `${this.name}: dLogits`, ["batch", "time", "outputs"]);
      const dLogitsTM = toTimeMajor(dLogits.data, B, T, O); // (T·B, O)
      const grads: ParamSet = {};
      // Read-out: logits = h·Wᵀ + b  ⇒  ∂W = dLogitsᵀ·h, ∂b = Σ_rows dLogits, ∂h = dLogits·W.
      const dW = new Float64Array(O * H);
      gemm(true, false, O, H, TB, dLogitsTM, 0, top, 0, dW, 0); // (O, H) = dLogitsᵀ·h
      grads.linear_weight = wrapArray([O, H], dW);
      grads.linear_bias = wrapArray([O], columnSums(dLogitsTM, TB, O));
      let dOut: Float64Array = new Float64Array(TB * H); // (T, B, H)
      gemm(false, false, TB, H, O, dLogitsTM, 0, wOut, 0, dOut, 0); // (T·B, H) = dLogits·W

      const hiddenGradSq = new Float64Array(T);
      const dInitial: Record<string, NdArray> = Object.fromEntries(
        this.cell.stateNames.map((s) => [s, ndarray([this.layers, B, H])]),
      );
      let dInputs: Float64Array | undefined;
      // Top layer first: a layer's output gradient is complete once every layer above is done.
      for (let l = this.layers - 1; l >= 0; l--) {
        const dims = { time: T, batch: B, inSize: l === 0 ? this.inputSize : H, hidden: H };
        const wantInputs = l > 0 || options.inputGrads === true;
        const r = this.cell.backward(layerP[l], inputs[l], dims, caches[l], dOut, wantInputs);
        const n = layerParamNames(l);
        const G = this.cell.gates * H;
        // The layer's fresh arrays are handed over as they are (no copies: a chunk makes thousands).
        grads[n.wIh] = wrapArray([G, dims.inSize], r.dWIh);
        grads[n.wHh] = wrapArray([G, H], r.dWHh);
        grads[n.bIh] = wrapArray([G], r.dBIh);
        grads[n.bHh] = wrapArray([G], r.dBHh);
        for (let t = 0; t < T; t++) hiddenGradSq[t] += r.hiddenGradSq[t];
        for (const s of this.cell.stateNames) dInitial[s].data.set(r.dInitial[s], l * BH);
        if (l > 0) dOut = r.dInputs as Float64Array;
        else dInputs = r.dInputs;
      }
      return {
        grads,
        hiddenGradNorms: hiddenGradSq.map(Math.sqrt),
        initialStateGrads: dInitial,
        inputGrads: dInputs
          ? wrapArray([B, T, this.inputSize], toBatchFirst(dInputs, B, T, this.inputSize))
          : undefined,
      };
    };
    return { logits, finalState, backward };
  }

  /**
   * The model contract's loss on a chunk: forward from `batch.state`, BCE-with-logits on every
   * step (mean over all elements, PyTorch's BCEWithLogitsLoss), backward through the chunk. The
   * gradient stops at the incoming state: it is a constant of this chunk (truncated BPTT).
   * Also returns the state to carry into the next chunk, the logits and the accuracy.
   */
  lossAndGradients(batch: ChunkBatch, params: ParamSet = this.params): ChunkLossAndGradients {
    const { x, y, state } = batch;
    const fwd = this.forward(x, state, params);
    this.checkTargets(x, y);
    const { loss, dLogits } = bceWithLogits(fwd.logits, y);
    const { grads } = fwd.backward(dLogits);
    const { correct, total } = binaryCorrect(fwd.logits, y);
    return {
      loss,
      grads,
      metrics: { accuracy: (100 * correct) / total },
      finalState: fwd.finalState,
      logits: fwd.logits,
      correct,
      total,
    };
  }

  /** The same chunk loss op by op in TensorFlow.js (float32), `batch.state` held constant: what autodiff checks lossAndGradients against. */
  tfLoss(tf: Tf, batch: ChunkBatch, params: Record<string, tfCore.Tensor>): tfCore.Scalar {
    const { x, y, state } = batch;
    this.checkTargets(x, y);
    return tf.tidy(() => {
      const logits = this.tfLogits(tf, params, x, state); // (B, T, O)
      return tfBceWithLogits(tf, logits, tf.tensor3d(Float32Array.from(y.data), y.shape as [number, number, number]));
    });
  }

  private checkTargets(x: NdArray, y: NdArray): void {
    assertShape(y, [x.shape[0], x.shape[1], this.outputSize], `${this.name}: targets y`, ["batch", "time", "outputs"]);
  }

  /**
   * The same stack op by op in TensorFlow.js (float32), step by step as PyTorch's loop runs it:
   * the reference the fused forward and backward are tested against (tf.grads of a loss of these
   * logits, with `state` held constant). `tf` is the TensorFlow.js module (this file loads none).
   * Returns [batch, time, outputs].
   * `hiddenNudges` (one [time, batch, hidden] tensor per layer, usually zeros) are added to every
   * h_t as it is computed: autodiff with respect to them gives ∂L/∂h_t, the total derivative that
   * the fused backward reports as hiddenGradNorms.
   */
  tfLogits(
    tf: Tf,
    params: Record<string, tfCore.Tensor>,
    x: NdArray,
    state: RecurrentState,
    hiddenNudges?: readonly tfCore.Tensor[],
  ): tfCore.Tensor3D {
    assertShape(x, [null, null, this.inputSize], `${this.name}: input x`, ["batch", "time", "inputs"]);
    const [B, T] = x.shape;
    this.checkState(state, B);
    const H = this.hiddenSize;
    if (
      hiddenNudges &&
      (hiddenNudges.length !== this.layers || hiddenNudges.some((n) => n.shape.join() !== [T, B, H].join()))
    ) {
      throw new RangeError(
        `${this.name}: hiddenNudges must be ${this.layers} tensor(s) of shape [${T}, ${B}, ${H}] (time, batch, hidden)`,
      );
    }
    return tf.tidy(() => {
      const xs = tf.tensor3d(Float32Array.from(x.data), [B, T, this.inputSize]); // (B, T, in)
      const layerStates = Array.from(
        { length: this.layers },
        (_, l) =>
          Object.fromEntries(
            this.cell.stateNames.map((s) => [
              s,
              tf.tensor2d(Float32Array.from(state[s].data.subarray(l * B * H, (l + 1) * B * H)), [B, H]),
            ]),
          ) as Record<string, tfCore.Tensor2D>,
      );
      const lp = Array.from({ length: this.layers }, (_, l) => {
        const n = layerParamNames(l);
        return {
          wIh: params[n.wIh] as tfCore.Tensor2D,
          wHh: params[n.wHh] as tfCore.Tensor2D,
          bIh: params[n.bIh] as tfCore.Tensor1D,
          bHh: params[n.bHh] as tfCore.Tensor1D,
        };
      });
      const outs: tfCore.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        let h = tf.reshape(tf.slice(xs, [0, t, 0], [B, 1, this.inputSize]), [B, this.inputSize]) as tfCore.Tensor2D; // (B, in)
        for (let l = 0; l < this.layers; l++) {
          layerStates[l] = this.cell.tfStep(tf, lp[l], h, layerStates[l]);
          if (hiddenNudges) {
            const nudge = tf.reshape(tf.slice(hiddenNudges[l], [t, 0, 0], [1, B, H]), [B, H]); // (B, H)
            layerStates[l] = { ...layerStates[l], h: tf.add(layerStates[l].h, nudge) as tfCore.Tensor2D };
          }
          h = layerStates[l].h;
        }
        // (B, H) · (H, O) + (O) → (B, O)
        outs.push(
          tf.add(
            tf.matMul(h, params.linear_weight as tfCore.Tensor2D, false, true),
            params.linear_bias,
          ) as tfCore.Tensor2D,
        );
      }
      return tf.stack(outs, 1) as tfCore.Tensor3D; // (B, T, O)
    });
  }
}
