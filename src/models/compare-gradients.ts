/**
 * How closely two computations of a loss and its gradients agree: a reference BPTT against a
 * fast one (lab 002 shows its plain-loop reference and its WebAssembly fast path agreeing on a
 * batch before training with the fast path). Bit-identical is reported as such; otherwise the
 * largest difference of every parameter, relative to the largest gradient entry of that parameter.
 * Introduced in lab 002; any model's reference can use it.
 */
import type { NdArray, ParamSet } from "../ndarray";

/** A loss with gradients, and optionally the outputs it came from. */
export interface LossGradsOutputs {
  loss: number;
  grads: ParamSet;
  outputs?: NdArray;
}

export interface ParamAgreement {
  name: string;
  entries: number;
  /** Entries equal to the bit (===, so +0 and −0 count as equal). */
  identicalEntries: number;
  /** max |a − b| over the parameter / max |a| over it (0 when a is all zeros and so is b). */
  maxRelDifference: number;
}

export interface Agreement {
  /** The losses, the outputs (when both have them) and every gradient entry are equal. */
  identical: boolean;
  /** |loss_a − loss_b| / |loss_a|. */
  lossRelDifference: number;
  /** Outputs equal entry for entry (undefined when either has no outputs). */
  outputsIdentical?: boolean;
  params: ParamAgreement[];
  /** Largest maxRelDifference over the parameters. */
  maxRelDifference: number;
}

/** Compares `b` with `a` (the reference): the same parameter names and sizes are required. */
export function compareLossAndGradients(a: LossGradsOutputs, b: LossGradsOutputs): Agreement {
  const params = Object.entries(a.grads).map(([name, ga]): ParamAgreement => {
    const gb = b.grads[name];
    if (gb === undefined || gb.data.length !== ga.data.length) {
      throw new RangeError(
        `compareLossAndGradients: gradient "${name}" has ${ga.data.length} entries in the first, ${gb?.data.length ?? "none"} in the second`,
      );
    }
    let identicalEntries = 0,
      maxDiff = 0,
      maxAbs = 0;
    for (let i = 0; i < ga.data.length; i++) {
      if (ga.data[i] === gb.data[i]) identicalEntries++;
      maxDiff = Math.max(maxDiff, Math.abs(ga.data[i] - gb.data[i]));
      maxAbs = Math.max(maxAbs, Math.abs(ga.data[i]));
    }
    return { name, entries: ga.data.length, identicalEntries, maxRelDifference: maxDiff === 0 ? 0 : maxDiff / maxAbs };
  });
  const extra = Object.keys(b.grads).filter((name) => !(name in a.grads));
  if (extra.length > 0)
    throw new RangeError(`compareLossAndGradients: the second has gradients the first lacks: ${extra.join(", ")}`);
  const outputsIdentical =
    a.outputs && b.outputs
      ? a.outputs.data.length === b.outputs.data.length && a.outputs.data.every((v, i) => v === b.outputs!.data[i])
      : undefined;
  const lossRelDifference = a.loss === b.loss ? 0 : Math.abs(a.loss - b.loss) / Math.abs(a.loss);
  return {
    identical: a.loss === b.loss && outputsIdentical !== false && params.every((p) => p.identicalEntries === p.entries),
    lossRelDifference,
    outputsIdentical,
    params,
    maxRelDifference: Math.max(0, ...params.map((p) => p.maxRelDifference)),
  };
}

/** A few lines for a notebook: the loss, the outputs, then one line per parameter. */
export function formatAgreement(agreement: Agreement): string {
  const same = (rel: number) => (rel === 0 ? "identical" : `differs by ${rel.toExponential(1)} (relative)`);
  const lines = [`loss: ${same(agreement.lossRelDifference)}`];
  if (agreement.outputsIdentical !== undefined)
    lines.push(`outputs y: ${agreement.outputsIdentical ? "identical" : "differ"}`);
  for (const p of agreement.params) {
    lines.push(
      `∂L/∂${p.name}: ${p.identicalEntries} of ${p.entries} entries identical` +
        (p.maxRelDifference === 0
          ? ""
          : `, largest difference ${p.maxRelDifference.toExponential(1)} of the largest entry`),
    );
  }
  return lines.join("\n");
}
