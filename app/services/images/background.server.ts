import sharp from "sharp";
import { INGEST_DEFAULTS } from "./ingest.server";
import { closeAlong, count, type Mask } from "./mask.server";

// Telling a garment from a plain product-photo background: the background's colours
// are read off the photo's border, every pixel is classified against them, and what a
// flood from the frame through background-like pixels cannot reach is the garment.
// Shared by the studio's cut-out (which then repairs and feathers the edge) and the
// fidelity gate's quick garment mask (which only needs the garment's colours).

export interface RgbaImage {
  /** RGBA, 4 bytes per pixel, row-major. */
  data: Buffer;
  width: number;
  height: number;
}

export type Rgb = [number, number, number];

/**
 * Decodes the first frame, upright, as sRGB RGBA with its long edge at most `maxEdge`.
 * Rejects with the decoder's own error; callers report it as their "unreadable".
 */
export async function decodeImage(input: Buffer, maxEdge: number): Promise<RgbaImage> {
  const { data, info } = await sharp(input, { failOn: "error", limitInputPixels: INGEST_DEFAULTS.maxPixels, pages: 1, page: 0 })
    .rotate()
    .resize({ width: maxEdge, height: maxEdge, fit: "inside", withoutEnlargement: true })
    // Greyscale and CMYK photos arrive with 1 or 4 colour channels; everything
    // downstream reads RGBA.
    .toColourspace("srgb")
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`decoded to ${info.channels} channels`);
  return { data, width: info.width, height: info.height };
}

export function dist2(a: Rgb, r: number, g: number, b: number): number {
  const dr = a[0] - r;
  const dg = a[1] - g;
  const db = a[2] - b;
  return dr * dr + dg * dg + db * db;
}

/** The value at quantile q of `values` (the upper one between two); 0 for none. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export interface BackgroundModel {
  /** The background's colours, in order around the frame. */
  models: Rgb[];
  /** How far (RGB units) a pixel may stray from one of them and still be background. */
  threshold: number;
}

/** Border segments: enough that a gradient changes little from one to the next. */
const SEGMENTS = 64;
/** Medians closer than this belong to the same background colour. */
const CLUSTER = 30;

/**
 * Background model from the border: the border is cut into `segments` stretches, each
 * summarised by its per-channel median. Starting from the colour most stretches agree
 * on, neighbouring stretches are accepted while their colour changes gradually, which
 * follows a gradient sweep around the frame but stops where the garment itself
 * reaches the border (a trouser hem, a sleeve): there the colour jumps.
 */
export function backgroundModel(px: Buffer, w: number, h: number): BackgroundModel {
  const depth = Math.max(2, Math.round(Math.min(w, h) * 0.01));
  const perimeter = 2 * w + 2 * h - 4;
  const hist = Array.from({ length: SEGMENTS }, () => new Uint32Array(768));
  const opaque = new Uint32Array(SEGMENTS);
  const total = new Uint32Array(SEGMENTS);

  const forEachBorderPixel = (fn: (seg: number, i: number) => void) => {
    let p = 0;
    const walk = (x: number, y: number, dx: number, dy: number) => {
      const seg = Math.floor((p++ * SEGMENTS) / perimeter);
      for (let d = 0; d < depth; d++) fn(seg, (y + dy * d) * w + (x + dx * d));
    };
    for (let x = 0; x < w; x++) walk(x, 0, 0, 1);
    for (let y = 1; y < h; y++) walk(w - 1, y, -1, 0);
    for (let x = w - 2; x >= 0; x--) walk(x, h - 1, 0, -1);
    for (let y = h - 2; y >= 1; y--) walk(0, y, 1, 0);
  };

  forEachBorderPixel((seg, i) => {
    total[seg]!++;
    if (px[i * 4 + 3]! < 128) return;
    opaque[seg]!++;
    const hs = hist[seg]!;
    hs[px[i * 4]!]!++;
    hs[256 + px[i * 4 + 1]!]!++;
    hs[512 + px[i * 4 + 2]!]!++;
  });

  // Stretches that are mostly transparent carry no colour: transparency alone marks
  // them as background.
  const medians: (Rgb | null)[] = hist.map((hs, s) => {
    const n = opaque[s]!;
    if (n === 0 || n * 2 < total[s]!) return null;
    const median = (offset: number): number => {
      let acc = 0;
      for (let v = 0; v < 256; v++) {
        acc += hs[offset + v]!;
        if (acc * 2 >= n) return v;
      }
      return 255;
    };
    return [median(0), median(256), median(512)];
  });

  const valid = medians.flatMap((m, s) => (m ? [s] : []));
  if (valid.length === 0) return { models: [], threshold: 0 };

  const near = (a: Rgb, b: Rgb, limit: number) => dist2(a, b[0], b[1], b[2]) < limit * limit;
  let seed = valid[0]!;
  let best = -1;
  for (const s of valid) {
    const support = valid.filter((t) => near(medians[s]!, medians[t]!, CLUSTER)).length;
    if (support > best) [seed, best] = [s, support];
  }

  // How far border pixels stray from their stretch's median: the photo's noise.
  const spreads: number[][] = Array.from({ length: SEGMENTS }, () => []);
  forEachBorderPixel((seg, i) => {
    const m = medians[seg];
    if (!m || px[i * 4 + 3]! < 128) return;
    spreads[seg]!.push(Math.sqrt(dist2(m, px[i * 4]!, px[i * 4 + 1]!, px[i * 4 + 2]!)));
  });
  const spread = spreads.map((d) => percentile(d, 0.8));

  const accepted = new Set(valid.filter((s) => near(medians[s]!, medians[seed]!, CLUSTER)));
  const noise = percentile(
    [...accepted].map((s) => spread[s]!),
    0.5,
  );
  const step = Math.max(CLUSTER, 3 * noise);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of [...accepted]) {
      for (const n of [(s + 1) % SEGMENTS, (s + SEGMENTS - 1) % SEGMENTS]) {
        if (accepted.has(n) || !medians[n] || !near(medians[s]!, medians[n]!, step)) continue;
        accepted.add(n);
        grew = true;
      }
    }
  }

  const models: Rgb[] = [];
  for (const s of [...accepted].sort((a, b) => a - b)) {
    const m = medians[s]!;
    if (!models.some((k) => near(k, m, 6))) models.push(m);
  }
  // Noise-free renders need a floor (anti-aliasing, gradients between medians);
  // noisy phone shots need room above their noise; past the cap, pale garments on
  // white would be swallowed.
  const threshold = Math.min(72, Math.max(24, 16 + 2 * noise));
  return { models, threshold };
}

/**
 * Per pixel: 0 = garment, 1 = background within the strict threshold, 2 = within the
 * loose one (or, with `shadows`, a shade of a background colour at least 0.75 as bright).
 * Transparent pixels are background.
 */
export function classify(px: Buffer, n: number, { models, threshold }: BackgroundModel, shadows: boolean): Uint8Array {
  const loose = threshold * threshold;
  const strict = (threshold * 0.55) ** 2;
  const closeness = new Uint8Array(n);
  const norms = models.map((m) => m[0] * m[0] + m[1] * m[1] + m[2] * m[2]);
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (px[o + 3]! < 128) {
      closeness[i] = 1;
      continue;
    }
    const r = px[o]!;
    const g = px[o + 1]!;
    const b = px[o + 2]!;
    let best = Infinity;
    let shade = Infinity;
    for (let k = 0; k < models.length; k++) {
      const m = models[k]!;
      const d = dist2(m, r, g, b);
      if (d < best) best = d;
      // A shade is the background colour scaled down: what is left after projecting
      // onto the background's colour is hue change, and counts in full; the darkening
      // itself counts for little.
      const norm = norms[k]!;
      if (!shadows || norm < 60 * 60) continue;
      const s = (r * m[0] + g * m[1] + b * m[2]) / norm;
      if (s < 0.75 || s >= 1) continue;
      const residual = dist2([m[0] * s, m[1] * s, m[2] * s], r, g, b);
      const darkening = (1 - s) * Math.sqrt(norm) * 0.3;
      shade = Math.min(shade, residual + darkening * darkening);
    }
    closeness[i] = best <= strict ? 1 : best <= loose || shade <= loose ? 2 : 0;
  }
  return closeness;
}

/**
 * The garment on a w×h RGBA grid: `carve` turns a classification into a mask.
 * Packshots usually have a soft shadow under or beside the garment: a darker shade of
 * the background's own colour. It is cut away with the background, unless that would
 * take most of the garment too (a pale grey garment on white is, by colour, exactly
 * such a shade), in which case the shadow stays rather than the garment going.
 */
export function segment(px: Buffer, w: number, h: number, carve: (closeness: Uint8Array, w: number, h: number) => Mask): Mask {
  const model = backgroundModel(px, w, h);
  const withShadow = carve(classify(px, w * h, model, true), w, h);
  const plain = carve(classify(px, w * h, model, false), w, h);
  return count(withShadow) >= 0.6 * count(plain) ? withShadow : plain;
}

/**
 * A garment's pale stripes can be the backdrop's very colour: the flood from the frame
 * eats them from the garment's edge, leaving dark bands. Bridging gaps up to 2r long
 * between garment pixels in the same column or row puts them back.
 */
export function bridgeStripes(fg: Mask, w: number, h: number, r: number): Mask {
  const vertical = closeAlong(fg, w, h, r, "vertical");
  const horizontal = closeAlong(fg, w, h, r, "horizontal");
  const out = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) out[i] = vertical[i]! | horizontal[i]!;
  return out;
}
