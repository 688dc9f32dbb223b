"""
Reference for bench/ours/gemm.ts (issue 14 item 5): NumPy's float64 matmul on OpenBLAS, one thread
(OPENBLAS_NUM_THREADS=1, set before NumPy loads, so it compares with one thread of bptt-lab's
kernel), on the same shapes, C += A @ W repeated `reps` times.
Sections: gemm-512, gemm-16x100 (reps=N to change). Run by bench/run.ts.
"""
import os
import time

os.environ["OPENBLAS_NUM_THREADS"] = "1"
_t0 = time.perf_counter()
import numpy as np  # noqa: E402

import common  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _t0


def section(M, K, N, default_reps):
    def setup(opts):
        reps = int(opts.get("reps", default_reps))
        a = np.sin(np.arange(M * K, dtype=np.float64)).reshape(M, K)
        w = np.sin(np.arange(M * K, M * K + K * N, dtype=np.float64)).reshape(K, N)
        c = np.zeros((M, N))
        np.matmul(a, w, out=c)  # warm

        def work():
            started = time.perf_counter()
            tmp = np.empty((M, N))
            for _ in range(reps):
                np.matmul(a, w, out=tmp)
                c.__iadd__(tmp)
            seconds = time.perf_counter() - started
            return {"shape": f"{M}x{K}·{K}x{N}", "reps": reps, "gflopPerSecond": 2 * M * N * K * reps / seconds / 1e9}
        return work
    return setup


SECTIONS = {"gemm-512": section(512, 512, 512, 40), "gemm-16x100": section(16, 100, 100, 40000)}

if __name__ == "__main__":
    common.run(SECTIONS, IMPORT_SECONDS)
