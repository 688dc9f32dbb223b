/**
 * How close to the machine (issue 14 item 5): bptt-lab's float64 product kernel alone, one thread,
 * on a large product (its peak) and on the product lab 002 repeats every step (16 sequences ×
 * 100 hidden units by W_hh), exact ("wasm") or fused ("wasm-fma"). The Python side
 * (bench/reference/gemm.py) times NumPy's matmul, OpenBLAS on one thread, on the same shapes, so the
 * ratio is the kernel's time over OpenBLAS's and info.gflopPerSecond the rate reached.
 * Sections (reps=N to change; kernel=wasm-fma for the fused kernel):
 *   gemm-512     C = A·W, 512 × 512 by 512 × 512
 *   gemm-16x100  C = A·W, 16 × 100 by 100 × 100 (lab 002's per-step product of a 16-sequence chunk)
 * Run by bench/run.ts (see bench/ours/harness.ts).
 */
import { type Options, main, num } from "./harness";

type HeapKernels = typeof import("../../src/kernels/heap-kernels");

function section(M: number, K: number, N: number, defaultReps: number) {
  return async (_lab: unknown, options: Options) => {
    const reps = num(options, "reps", defaultReps);
    const fused = options.kernel === "wasm-fma";
    if (options.kernel !== undefined && options.kernel !== "wasm" && !fused)
      throw new Error(`bench: kernel must be wasm or wasm-fma, got "${options.kernel}"`);
    // The kernels of the library copy the run loads (src/ or dist/, as BENCH_LIB says).
    const lib = process.env.BENCH_LIB === "dist" ? "../../dist" : "../../src";
    const kernels: HeapKernels = await import(`${lib}/kernels/heap-kernels`);
    const g = kernels.createWasmGemm(M * K + K * N + M * N, { fused });
    for (let i = 0; i < M * K + K * N; i++) g.heap[i] = Math.sin(i);
    const call = {
      a: 0,
      aRowStride: K,
      aColStride: 1,
      w: M * K,
      wRowStride: N,
      c: M * K + K * N,
      cRowStride: N,
      M,
      N,
      K,
    };
    g.kernel(g.heap, { ...call, accumulate: false }); // compiled and warm before the timing
    return () => {
      const started = performance.now();
      for (let r = 0; r < reps; r++) g.kernel(g.heap, { ...call, accumulate: true });
      const seconds = (performance.now() - started) / 1000;
      return {
        shape: `${M}x${K}·${K}x${N}`,
        reps,
        kernel: fused ? "wasm-fma" : "wasm",
        gflopPerSecond: (2 * M * N * K * reps) / seconds / 1e9,
      };
    };
  };
}

main(__filename, {
  "gemm-512": section(512, 512, 512, 40),
  "gemm-16x100": section(16, 100, 100, 40000),
});
