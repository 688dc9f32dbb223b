/**
 * Types for gifenc 1.0.3 (the package ships none), limited to what src/render/gif.ts uses.
 * Palettes are arrays of [r, g, b] (or [r, g, b, a]) with 0–255 channels.
 */
declare module "gifenc" {
  export type Palette = number[][];

  export interface WriteFrameOptions {
    /** Required on the first frame: it becomes the global colour table. */
    palette?: Palette;
    /** Milliseconds; stored in hundredths of a second. */
    delay?: number;
    /** -1 plays once, 0 loops forever, n > 0 repeats n extra times. Read on the first frame. */
    repeat?: number;
    transparent?: boolean;
    transparentIndex?: number;
    colorDepth?: number;
    dispose?: number;
    first?: boolean;
  }

  export interface Encoder {
    writeFrame(index: Uint8Array, width: number, height: number, options?: WriteFrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
    bytesView(): Uint8Array;
    reset(): void;
  }

  export function GIFEncoder(options?: { initialCapacity?: number; auto?: boolean }): Encoder;

  export function quantize(
    rgba: Uint8Array | Uint8ClampedArray,
    maxColors: number,
    options?: { format?: "rgb565" | "rgb444" | "rgba4444"; oneBitAlpha?: boolean | number; clearAlpha?: boolean },
  ): Palette;

  export function applyPalette(
    rgba: Uint8Array | Uint8ClampedArray,
    palette: Palette,
    format?: "rgb565" | "rgb444" | "rgba4444",
  ): Uint8Array;

  export function nearestColorIndex(palette: Palette, pixel: readonly number[]): number;
}
