import { bridgeStripes, decodeImage, segment, type RgbaImage } from "./background.server";
import { borderIndices, count, erode, floodFill, largestComponent, type Mask } from "./mask.server";

// A small, fast garment mask for checks that only need the garment's colours, not a
// clean edge: the studio cut-out's background segmentation (background estimated from
// the photo's border, flooded in from the frame) at a fraction of the size, with none
// of its feathering or edge repair.

export interface GarmentMask {
  image: RgbaImage;
  /** 1 where the garment is, width×height. */
  mask: Uint8Array;
  /**
   * The mask shrunk by a pixel where that leaves enough of it: outline pixels mix
   * garment and background colours, so colour statistics read this one.
   */
  core: Uint8Array;
  /** Share of the photo's pixels kept as garment. */
  coverage: number;
}

export type GarmentMaskErrorCode = "unreadable" | "too_small" | "no_garment" | "no_background";

export class GarmentMaskError extends Error {
  constructor(
    readonly code: GarmentMaskErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export const MASK_EDGE = 160;
const MIN_EDGE = 16;
const MIN_COVERAGE = 0.004;
const MAX_COVERAGE = 0.985;

/** Decodes the first frame, upright, as sRGB RGBA with its long edge at most `maxEdge`. */
export async function decodeRgba(input: Buffer, maxEdge: number): Promise<RgbaImage> {
  try {
    return await decodeImage(input, maxEdge);
  } catch (error) {
    throw new GarmentMaskError("unreadable", "The image could not be decoded.", { cause: error });
  }
}

export async function garmentMask(input: Buffer, maxEdge = MASK_EDGE): Promise<GarmentMask> {
  const image = await decodeRgba(input, maxEdge);
  const { data, width: w, height: h } = image;
  if (Math.min(w, h) < MIN_EDGE) {
    throw new GarmentMaskError("too_small", `The photo is ${w}×${h} pixels, too small to find a garment in.`);
  }
  const fg = segment(data, w, h, carve);

  const kept = count(fg);
  const coverage = kept / (w * h);
  if (coverage < MIN_COVERAGE) throw new GarmentMaskError("no_garment", "No garment stands out from the background of this photo.");
  if (coverage > MAX_COVERAGE) {
    throw new GarmentMaskError("no_background", "The photo has no plain background around the garment to tell it apart from.");
  }
  const eroded = erode(fg, w, h, 1);
  const core = count(eroded) >= Math.max(32, 0.4 * kept) ? eroded : fg;
  return { image, mask: fg, core, coverage };
}

/**
 * The garment: what the border's flood through background-like pixels does not reach,
 * its stripes bridged, keeping the largest part and any a quarter of its size.
 */
function carve(closeness: Uint8Array, w: number, h: number): Mask {
  const background = floodFill(closeness, w, h, borderIndices(w, h));
  const fg = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) fg[i] = background[i] ? 0 : 1;
  const r = Math.max(1, Math.round(0.012 * Math.max(w, h)));
  return largestComponent(bridgeStripes(fg, w, h, r), w, h, 0.25);
}
