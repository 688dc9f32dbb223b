/**
 * bptt-lab: the public surface the notebooks import (compiled to dist/ for tslab:
 * `import * as lab from "../dist"`). Ordered like the flow of the labs:
 * data → models → BPTT → optimisers → training → plots → rendering → notebook display.
 */
export * from "./ndarray";
export * from "./random";
export * from "./backend";

// data
export * from "./datasets/bit-sums";

// models
export * as linearRnn from "./models/linear-rnn";
export type { LinearRnnParams } from "./models/linear-rnn";

// BPTT tools
export * from "./bptt/grad-check";

// optimisers
export * from "./optim/rprop";
