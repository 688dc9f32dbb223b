/**
 * Tick values for axes whose every label costs: animation frames rasterise each tick label (about
 * 1 ms a text), so a few well-placed ticks keep a GIF fast and readable. Pure helpers for the
 * `xTicks` / `yTicks` of lineChart. Used by src/plot/ssnn-convergence.ts (lab 000's frames and
 * explorable); any chart can use them. Introduced in lab 000.
 */

/**
 * Powers of ten inside [lo, hi], every 1, 2, 5, 10, … decades so that there are at most `max`, from
 * the highest down; undefined (Vega's own ticks) when fewer than 2 fit.
 */
export function decadeTicks([lo, hi]: readonly [number, number], max = 3): number[] | undefined {
  const first = Math.ceil(Math.log10(lo)),
    last = Math.floor(Math.log10(hi));
  const stride = [1, 2, 5, 10, 20, 50, 100].find((s) => Math.floor(last / s) - Math.ceil(first / s) + 1 <= max) ?? 100;
  const ticks: number[] = [];
  for (let e = Math.floor(last / stride) * stride; e >= first; e -= stride) ticks.push(10 ** e);
  return ticks.length >= 2 ? ticks : undefined;
}

/** Epoch ticks for epochs 1 … n: 1 and the multiples of a round step (3 to 5 ticks). */
export function epochTicks(n: number): number[] {
  const step = [1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000].find((s) => s >= n / 4) ?? Math.ceil(n / 4);
  const ticks = [1];
  for (let t = step; t <= n; t += step) if (t > 1) ticks.push(t);
  return ticks;
}
