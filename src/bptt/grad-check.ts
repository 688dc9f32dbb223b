/**
 * The gradient checker every hand-derived backward pass of the library goes through: its gradients
 * against central finite differences of the float64 loss, and against TensorFlow.js autodiff of the
 * same loss written in tf ops. Used by the labs' "gradient check" sections and by the tests.
 * Introduced in lab 003.
 */
import { rejectUnknownOptions } from "../options";
import * as tf from "@tensorflow/tfjs-core";
import { currentBackend, initBackend } from "../backend";
import { type NdArray, type ParamSet, ndarray } from "../ndarray";
import { NumpyRandom } from "../random";
import type { Model } from "../models/model";

export interface GradCheckOptions {
  /** The point to check at. Not modified (perturbations are made on a copy). */
  params: ParamSet;
  /** The loss in float64, as the forward pass computes it. */
  loss: (params: ParamSet) => number;
  /** The hand-derived gradients, keyed like `params`. */
  gradients: (params: ParamSet) => Record<string, NdArray | Float64Array | number>;
  /** The same loss in TensorFlow.js ops; when given, autodiff checks the gradients too. */
  tfLoss?: (params: Record<string, tf.Tensor>) => tf.Scalar;
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Check at most this many entries per parameter by finite differences, chosen at random (default: all). */
  maxEntries?: number;
  /** Seed for choosing those entries (default 0). */
  seed?: number;
}

export interface GradCheckEntry {
  name: string;
  shape: number[];
  /** How many entries finite differences checked. */
  checked: number;
  /** ‖g − g_fd‖ / max(‖g‖, ‖g_fd‖) over the checked entries. */
  fdRelError: number;
  /** The same against autodiff over every entry (NaN when no tfLoss was given). */
  autodiffRelError: number;
  /** Largest |g| over the parameter, to judge the scale. */
  maxAbsGrad: number;
}

export interface GradCheckReport {
  entries: GradCheckEntry[];
  maxFdRelError: number;
  maxAutodiffRelError: number;
}

const OPTION_KEYS = ["params", "loss", "gradients", "tfLoss", "eps", "maxEntries", "seed"];

function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  const denom = Math.sqrt(Math.max(na, nb));
  return denom === 0 ? 0 : Math.sqrt(diff) / denom;
}

function asFlat(value: NdArray | Float64Array | number, name: string, expected: number): Float64Array {
  const flat = typeof value === "number" ? Float64Array.of(value) : value instanceof Float64Array ? value : value.data;
  if (flat.length !== expected) {
    throw new RangeError(`gradient "${name}" has ${flat.length} values, its parameter has ${expected}`);
  }
  return flat;
}

function copyParams(params: ParamSet): ParamSet {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, ndarray(v.shape, v.data)]));
}

/** How a model's gradients are checked; the point and the losses come from the model. */
export interface ModelGradCheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Check at most this many entries per parameter by finite differences, chosen at random (default: all). */
  maxEntries?: number;
  /** Seed for choosing those entries (default 0). */
  seed?: number;
  /** Also check against TensorFlow.js autodiff of `model.tfLoss` (default: when the model has one). */
  autodiff?: boolean;
}

const MODEL_OPTION_KEYS = ["eps", "maxEntries", "seed", "autodiff"];

/**
 * Checks a model's hand-derived gradients on one batch, at the model's parameters: against central
 * finite differences of `model.lossAndGradients(batch).loss`, and against autodiff of
 * `model.tfLoss` when it has one. Returns the relative error of every parameter.
 */
export async function gradCheck<Batch>(
  model: Model<Batch>,
  batch: Batch,
  options?: ModelGradCheckOptions,
): Promise<GradCheckReport>;
/** The same check on loose functions: a point, its loss, its gradients and optionally its tf loss. */
export async function gradCheck(options: GradCheckOptions): Promise<GradCheckReport>;
export async function gradCheck<Batch>(
  first: Model<Batch> | GradCheckOptions,
  batch?: Batch,
  modelOptions: ModelGradCheckOptions = {},
): Promise<GradCheckReport> {
  if (isModel(first)) {
    rejectUnknownOptions("gradCheck", modelOptions, MODEL_OPTION_KEYS);
    const model = first;
    const { autodiff = model.tfLoss !== undefined, ...rest } = modelOptions;
    if (autodiff && !model.tfLoss)
      throw new Error(`gradCheck: ${model.name} has no tfLoss, so autodiff cannot check it; pass autodiff: false`);
    const tfLoss = model.tfLoss;
    return checkFunctions({
      params: model.params,
      loss: (p) => model.lossAndGradients(batch as Batch, p).loss,
      gradients: (p) => model.lossAndGradients(batch as Batch, p).grads,
      tfLoss: autodiff && tfLoss ? (p) => tfLoss.call(model, tf, batch as Batch, p) : undefined,
      ...rest,
    });
  }
  rejectUnknownOptions("gradCheck", first, OPTION_KEYS);
  return checkFunctions(first);
}

function isModel<Batch>(value: Model<Batch> | GradCheckOptions): value is Model<Batch> {
  return typeof (value as Model<Batch>).lossAndGradients === "function" && "params" in value && !("loss" in value);
}

export interface GradCheckBounds {
  /** Largest relative error allowed against finite differences (default 1e-6). */
  fd?: number;
  /** Largest relative error allowed against float32 autodiff (default 1e-4). */
  autodiff?: number;
  /** Names what was checked in the error, e.g. "the SSNN's BPTT" (default "the hand-derived gradients"). */
  what?: string;
}

/**
 * Throws unless every parameter of the report is within the bounds; the one-line error names the
 * parameter, its error and the bound. Returns the report, for chaining and display.
 */
export function assertGradCheck(report: GradCheckReport, bounds: GradCheckBounds = {}): GradCheckReport {
  rejectUnknownOptions("assertGradCheck", bounds, ["fd", "autodiff", "what"]);
  const { fd = 1e-6, autodiff = 1e-4, what = "the hand-derived gradients" } = bounds;
  for (const e of report.entries) {
    if (!(e.fdRelError <= fd)) {
      throw new Error(
        `${what} disagree with finite differences: "${e.name}" has relative error ${e.fdRelError.toExponential(2)} > ${fd.toExponential(0)}`,
      );
    }
    if (!Number.isNaN(e.autodiffRelError) && !(e.autodiffRelError <= autodiff)) {
      throw new Error(
        `${what} disagree with TensorFlow.js autodiff: "${e.name}" has relative error ${e.autodiffRelError.toExponential(2)} > ${autodiff.toExponential(0)}`,
      );
    }
  }
  return report;
}

async function checkFunctions(options: GradCheckOptions): Promise<GradCheckReport> {
  const { params, loss, gradients, tfLoss, eps = 1e-6, maxEntries = Infinity, seed = 0 } = options;
  const names = Object.keys(params);
  const analytic = gradients(params);
  for (const name of names) {
    if (!(name in analytic))
      throw new Error(`gradients() returned no "${name}"; it returned ${Object.keys(analytic).join(", ")}`);
  }
  const rng = new NumpyRandom(seed);
  const probe = copyParams(params);

  let autodiff: Record<string, Float64Array> | undefined;
  if (tfLoss) {
    if (!currentBackend()) await initBackend({ log: false });
    const tensors = names.map((n) => tf.tensor(Float32Array.from(params[n].data), params[n].shape, "float32"));
    const grads = tf.grads((...ts: tf.Tensor[]) => tfLoss(Object.fromEntries(names.map((n, i) => [n, ts[i]]))))(
      tensors,
    );
    autodiff = Object.fromEntries(names.map((n, i) => [n, Float64Array.from(grads[i].dataSync())]));
    tf.dispose([...tensors, ...grads]);
  }

  const entries = names.map((name): GradCheckEntry => {
    const p = probe[name];
    const g = asFlat(analytic[name], name, p.data.length);
    const all = Array.from({ length: p.data.length }, (_, i) => i);
    if (all.length > maxEntries) rng.shuffle(all);
    const picked = all.slice(0, Math.min(maxEntries, all.length));
    const numeric: number[] = [];
    for (const i of picked) {
      const keep = p.data[i];
      p.data[i] = keep + eps;
      const plus = loss(probe);
      p.data[i] = keep - eps;
      const minus = loss(probe);
      p.data[i] = keep;
      numeric.push((plus - minus) / (2 * eps));
    }
    return {
      name,
      shape: [...p.shape],
      checked: picked.length,
      fdRelError: relError(
        picked.map((i) => g[i]),
        numeric,
      ),
      autodiffRelError: autodiff ? relError(g, autodiff[name]) : NaN,
      maxAbsGrad: g.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
    };
  });
  return {
    entries,
    maxFdRelError: Math.max(...entries.map((e) => e.fdRelError)),
    maxAutodiffRelError: Math.max(...entries.map((e) => e.autodiffRelError)),
  };
}

/** A small fixed-width table of the report, for notebooks. */
export function formatGradCheck(report: GradCheckReport): string {
  const head = "parameter        shape        checked   rel. error vs finite diff.   rel. error vs autodiff";
  const rows = report.entries.map((e) =>
    [
      e.name.padEnd(16),
      `[${e.shape.join(", ")}]`.padEnd(12),
      String(e.checked).padStart(7),
      e.fdRelError.toExponential(2).padStart(28),
      (Number.isNaN(e.autodiffRelError) ? "-" : e.autodiffRelError.toExponential(2)).padStart(24),
    ].join(" "),
  );
  return [head, ...rows].join("\n");
}
