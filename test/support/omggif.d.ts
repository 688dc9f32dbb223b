/** Types for omggif 1.0.10 (the package ships none), limited to what the GIF tests use to decode frames. */
declare module "omggif" {
  export interface FrameInfo {
    x: number;
    y: number;
    width: number;
    height: number;
    delay: number;
    disposal: number;
    transparent_index: number | null;
  }
  export class GifReader {
    constructor(bytes: Uint8Array);
    width: number;
    height: number;
    numFrames(): number;
    frameInfo(frame: number): FrameInfo;
    /** Draws frame `frame` over `pixels` (width × height RGBA), leaving its transparent pixels as they are. */
    decodeAndBlitFrameRGBA(frame: number, pixels: Uint8Array): void;
  }
}
