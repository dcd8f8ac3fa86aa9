import sharp from "sharp";
import { mulberry32 } from "../../worker/providers/studio/random";

// Synthetic product photos: a garment silhouette drawn on a background, so the true
// garment area is known exactly and a cut-out can be checked against it.

export const WIDTH = 900;
export const HEIGHT = 1200;

/** Flat-lay outlines in a WIDTH×HEIGHT frame. */
export const SHAPES = {
  tee:
    "M 330 180 Q 450 260 570 180 L 720 220 L 860 420 L 750 500 L 690 430 L 690 1000 L 210 1000 L 210 430 L 150 500 L 40 420 L 180 220 Z",
  trousers: "M 270 120 L 630 120 L 700 1120 L 500 1120 L 450 480 L 400 1120 L 200 1120 Z",
  dress: "M 360 90 L 540 90 L 600 300 L 560 520 L 760 1140 L 140 1140 L 340 520 L 300 300 Z",
} as const;
export type ShapeName = keyof typeof SHAPES;

export type Background = { kind: "solid"; colour: string } | { kind: "gradient"; from: string; to: string };

export const LIGHT_GREY = { kind: "solid", colour: "#e4e4e2" } as const satisfies Background;

export interface PhotoOptions {
  fill?: string;
  background?: Background;
  /** A packshot's soft shadows: a blurred drop shadow and a pool of shade under the hem. */
  shadow?: boolean;
  /** Moves the garment down by this many pixels, past the frame if large enough. */
  shiftDown?: number;
  /** Breton stripes: 12 px bands of this colour every 44 px across the fill. */
  stripes?: string;
}

function svg(shape: ShapeName, fill: string, background: Background | null, shadow = false, shiftDown = 0, stripes?: string): Buffer {
  const bg =
    background === null
      ? ""
      : background.kind === "solid"
        ? `<rect width="100%" height="100%" fill="${background.colour}"/>`
        : `<defs><linearGradient id="g" x1="0" y1="0" x2="0.3" y2="1"><stop offset="0" stop-color="${background.from}"/>` +
          `<stop offset="1" stop-color="${background.to}"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>`;
  const shade = shadow
    ? `<filter id="soft" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur stdDeviation="12"/></filter>` +
      `<ellipse cx="450" cy="1050" rx="340" ry="45" fill="#000" opacity="0.16" filter="url(#soft)"/>` +
      `<path d="${SHAPES[shape]}" transform="translate(16 18)" fill="#000" opacity="0.14" filter="url(#soft)"/>`
    : "";
  const paint = stripes
    ? `<defs><pattern id="st" width="44" height="44" patternUnits="userSpaceOnUse"><rect width="44" height="44" fill="${fill}"/>` +
      `<rect y="16" width="44" height="12" fill="${stripes}"/></pattern></defs>`
    : "";
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">${bg}${paint}<g transform="translate(0 ${shiftDown})">${shade}` +
      `<path d="${SHAPES[shape]}" fill="${stripes ? "url(#st)" : fill}"/></g></svg>`,
  );
}

/** A garment photo as PNG. */
export async function garmentPhoto(shape: ShapeName, options: PhotoOptions = {}): Promise<Buffer> {
  const { fill = "#c8102e", background = LIGHT_GREY, shadow = false, shiftDown = 0, stripes } = options;
  return sharp(svg(shape, fill, background, shadow, shiftDown, stripes)).flatten().png().toBuffer();
}

/** The garment alone on transparency, as a product cut-out PNG arrives. */
export async function transparentPhoto(shape: ShapeName, fill = "#c8102e"): Promise<Buffer> {
  return sharp(svg(shape, fill, null)).png().toBuffer();
}

/** The shape alone, as a 0/1 mask of WIDTH×HEIGHT: the ground truth. */
export async function shapeMask(shape: ShapeName, shiftDown = 0): Promise<Uint8Array> {
  const alpha = await sharp(svg(shape, "#000", null, false, shiftDown)).extractChannel(3).raw().toBuffer();
  return alpha.map((a) => (a >= 128 ? 1 : 0));
}

/**
 * The photo with seeded sensor-like noise (±amplitude per channel) and saved as a
 * JPEG at the given quality, as a phone shot of a flat lay would arrive.
 */
export async function noisyJpeg(png: Buffer, amplitude = 14, quality = 70): Promise<Buffer> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const next = mulberry32(42);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.max(0, Math.min(255, data[i]! + Math.round((next() * 2 - 1) * amplitude)));
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}
