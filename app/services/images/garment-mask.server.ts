import sharp from "sharp";
import { INGEST_DEFAULTS } from "./ingest.server";

// A small, fast garment mask for checks that only need the garment's colours, not a
// clean edge: the same idea as the studio cut-out (background estimated from the
// photo's border, flooded in from the frame) at a fraction of the size, with none of
// its feathering or edge repair.

export interface RgbaImage {
  /** RGBA, 4 bytes per pixel, row-major. */
  data: Buffer;
  width: number;
  height: number;
}

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
const SEGMENTS = 32;
/** Border medians closer than this (RGB units) are one background colour. */
const CLUSTER = 30;
const MIN_COVERAGE = 0.004;
const MAX_COVERAGE = 0.985;

type Rgb = [number, number, number];

/** Decodes the first frame, upright, as sRGB RGBA with its long edge at most `maxEdge`. */
export async function decodeRgba(input: Buffer, maxEdge: number): Promise<RgbaImage> {
  try {
    const { data, info } = await sharp(input, { failOn: "error", limitInputPixels: INGEST_DEFAULTS.maxPixels, pages: 1, page: 0 })
      .rotate()
      .resize({ width: maxEdge, height: maxEdge, fit: "inside", withoutEnlargement: true })
      .toColourspace("srgb")
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
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
  // A pale grey garment on white is, by colour, exactly a packshot's shadow: when
  // cutting shadows away would take most of the garment too, the shadow stays instead.
  const withShadows = carve(classify(data, w, h, true), w, h);
  const plain = carve(classify(data, w, h, false), w, h);
  const fg = countSet(withShadows) >= 0.6 * countSet(plain) ? withShadows : plain;

  const kept = countSet(fg);
  const coverage = kept / (w * h);
  if (coverage < MIN_COVERAGE) throw new GarmentMaskError("no_garment", "No garment stands out from the background of this photo.");
  if (coverage > MAX_COVERAGE) {
    throw new GarmentMaskError("no_background", "The photo has no plain background around the garment to tell it apart from.");
  }
  const eroded = erode(fg, w, h, 1);
  const core = countSet(eroded) >= Math.max(32, 0.4 * kept) ? eroded : fg;
  return { image, mask: fg, core, coverage };
}

/** The garment: what the border's flood through background-like pixels does not reach. */
function carve(backgroundLike: Uint8Array, w: number, h: number): Uint8Array {
  const n = w * h;
  const background = floodFill(backgroundLike, w, h, borderIndices(w, h));
  const fg = new Uint8Array(n);
  for (let i = 0; i < n; i++) fg[i] = background[i] ? 0 : 1;
  // Pale stripes in the backdrop's own colour are flooded from the garment's edge;
  // bridging short gaps along rows and columns puts them back.
  const r = Math.max(1, Math.round(0.012 * Math.max(w, h)));
  const rows = closeAlong(fg, w, h, r, true);
  const cols = closeAlong(fg, w, h, r, false);
  for (let i = 0; i < n; i++) fg[i] = rows[i]! | cols[i]!;
  return largestComponent(fg, w, h, 0.25);
}

/**
 * 1 where a pixel may be background: transparent, close to one of the border's
 * colours, or (with `shadows`) a shade of one: the soft shadow under a packshot.
 */
function classify(px: Buffer, w: number, h: number, shadows: boolean): Uint8Array {
  const { models, threshold } = backgroundModel(px, w, h);
  const limit = threshold * threshold;
  const out = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const o = i * 4;
    if (px[o + 3]! < 128) {
      out[i] = 1;
      continue;
    }
    const r = px[o]!;
    const g = px[o + 1]!;
    const b = px[o + 2]!;
    for (const m of models) {
      if (dist2(m, r, g, b) <= limit) {
        out[i] = 1;
        break;
      }
      // A shade keeps the background's colour and loses brightness: the darkening is
      // discounted, any change of colour on top of it is not.
      const norm = m[0] * m[0] + m[1] * m[1] + m[2] * m[2];
      if (!shadows || norm < 60 * 60) continue;
      const s = (r * m[0] + g * m[1] + b * m[2]) / norm;
      if (s < 0.75 || s >= 1) continue;
      const darkening = (1 - s) * Math.sqrt(norm) * 0.3;
      if (dist2([m[0] * s, m[1] * s, m[2] * s], r, g, b) + darkening * darkening <= limit) {
        out[i] = 1;
        break;
      }
    }
  }
  return out;
}

/**
 * The border cut into SEGMENTS stretches, each summarised by its median. The colour
 * most stretches agree on seeds the model; neighbouring stretches join while the colour
 * changes gradually (a gradient sweep), not where it jumps (a sleeve reaching the frame).
 */
function backgroundModel(px: Buffer, w: number, h: number): { models: Rgb[]; threshold: number } {
  const ring: number[] = [];
  for (let x = 0; x < w; x++) ring.push(x);
  for (let y = 1; y < h; y++) ring.push(y * w + w - 1);
  for (let x = w - 2; x >= 0; x--) ring.push((h - 1) * w + x);
  for (let y = h - 2; y >= 1; y--) ring.push(y * w);

  const samples: Rgb[][] = Array.from({ length: SEGMENTS }, () => []);
  ring.forEach((i, p) => {
    if (px[i * 4 + 3]! >= 128) samples[Math.floor((p * SEGMENTS) / ring.length)]!.push([px[i * 4]!, px[i * 4 + 1]!, px[i * 4 + 2]!]);
  });
  const medians = samples.map((s) => (s.length * 2 >= ring.length / SEGMENTS ? medianRgb(s) : null));
  const valid = medians.flatMap((m, s) => (m ? [s] : []));
  if (valid.length === 0) return { models: [], threshold: 0 };

  const near = (a: Rgb, b: Rgb, limit: number) => dist2(a, b[0], b[1], b[2]) < limit * limit;
  let seed = valid[0]!;
  let best = -1;
  for (const s of valid) {
    const support = valid.filter((t) => near(medians[s]!, medians[t]!, CLUSTER)).length;
    if (support > best) [seed, best] = [s, support];
  }
  const accepted = new Set(valid.filter((s) => near(medians[s]!, medians[seed]!, CLUSTER)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of [...accepted]) {
      for (const t of [(s + 1) % SEGMENTS, (s + SEGMENTS - 1) % SEGMENTS]) {
        if (accepted.has(t) || !medians[t] || !near(medians[s]!, medians[t]!, CLUSTER)) continue;
        accepted.add(t);
        grew = true;
      }
    }
  }

  // The noise of the accepted stretches around their medians sets the threshold: a
  // floor for clean renders, room for grainy phone shots, a cap so pale garments on
  // white survive.
  const spreads: number[] = [];
  for (const s of accepted) {
    const m = medians[s]!;
    for (const c of samples[s]!) spreads.push(Math.sqrt(dist2(m, c[0], c[1], c[2])));
  }
  const noise = quantile(spreads, 0.8);
  const models = [...accepted].sort((a, b) => a - b).map((s) => medians[s]!);
  return { models, threshold: Math.min(64, Math.max(24, 16 + 2 * noise)) };
}

function medianRgb(colours: Rgb[]): Rgb {
  const channel = (c: 0 | 1 | 2) => quantile(colours.map((v) => v[c]), 0.5);
  return [channel(0), channel(1), channel(2)];
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function dist2(a: Rgb, r: number, g: number, b: number): number {
  return (a[0] - r) ** 2 + (a[1] - g) ** 2 + (a[2] - b) ** 2;
}

function countSet(mask: Uint8Array): number {
  let k = 0;
  for (const v of mask) k += v;
  return k;
}

/** 4-connected flood over `passable` from the seeds. */
function floodFill(passable: Uint8Array, w: number, h: number, seeds: number[]): Uint8Array {
  const reached = new Uint8Array(w * h);
  const queue = new Int32Array(w * h);
  let tail = 0;
  const visit = (j: number) => {
    if (passable[j] && !reached[j]) {
      reached[j] = 1;
      queue[tail++] = j;
    }
  };
  for (const s of seeds) visit(s);
  for (let head = 0; head < tail; head++) {
    const i = queue[head]!;
    const x = i % w;
    if (x > 0) visit(i - 1);
    if (x < w - 1) visit(i + 1);
    if (i >= w) visit(i - w);
    if (i < w * (h - 1)) visit(i + w);
  }
  return reached;
}

/** Fills gaps of at most 2r pixels between set pixels of the same row (or column). */
function closeAlong(mask: Uint8Array, w: number, h: number, r: number, alongRows: boolean): Uint8Array {
  const out = mask.slice();
  const lines = alongRows ? h : w;
  const len = alongRows ? w : h;
  const at = (line: number, k: number) => (alongRows ? line * w + k : k * w + line);
  for (let line = 0; line < lines; line++) {
    let last = -1;
    for (let k = 0; k < len; k++) {
      if (!mask[at(line, k)]) continue;
      if (last >= 0 && k - last > 1 && k - last - 1 <= 2 * r) for (let j = last + 1; j < k; j++) out[at(line, j)] = 1;
      last = k;
    }
  }
  return out;
}

/** 8-connected components: a label per pixel (0 outside the mask) and each label's area. */
function components(mask: Uint8Array, w: number, h: number): { labels: Int32Array; areas: number[] } {
  const labels = new Int32Array(w * h);
  const areas = [0];
  const stack = new Int32Array(w * h);
  for (let start = 0; start < w * h; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = areas.length;
    let area = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = id;
    while (top > 0) {
      const i = stack[--top]!;
      area++;
      const x = i % w;
      const y = (i - x) / w;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(h - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(w - 1, x + 1); nx++) {
          const j = ny * w + nx;
          if (mask[j] && !labels[j]) {
            labels[j] = id;
            stack[top++] = j;
          }
        }
      }
    }
    areas.push(area);
  }
  return { labels, areas };
}

/** The largest part and any part at least `share` of its size (the other sock). */
export function largestComponent(mask: Uint8Array, w: number, h: number, share = 1): Uint8Array {
  const { labels, areas } = components(mask, w, h);
  const largest = Math.max(0, ...areas);
  const out = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) out[i] = labels[i] && areas[labels[i]!]! >= share * largest ? 1 : 0;
  return out;
}

/** Sets the background that the frame's edge cannot reach. */
export function fillHoles(mask: Uint8Array, w: number, h: number): Uint8Array {
  const open = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) open[i] = mask[i] ? 0 : 1;
  const outside = floodFill(open, w, h, borderIndices(w, h));
  for (let i = 0; i < w * h; i++) open[i] = mask[i] || !outside[i] ? 1 : 0;
  return open;
}

function borderIndices(w: number, h: number): number[] {
  const border: number[] = [];
  for (let x = 0; x < w; x++) border.push(x, (h - 1) * w + x);
  for (let y = 1; y < h - 1; y++) border.push(y * w, y * w + w - 1);
  return border;
}

/**
 * Square-window dilation (`all` false) or erosion, as two sliding-window passes, so
 * the cost does not grow with r. The window is clipped at the frame, which therefore
 * does not erode the mask.
 */
function slide(mask: Uint8Array, w: number, h: number, r: number, all: boolean): Uint8Array {
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  const pass = (src: Uint8Array, dst: Uint8Array, len: number, lines: number, step: number, lineStep: number) => {
    for (let line = 0; line < lines; line++) {
      const base = line * lineStep;
      let set = 0;
      for (let k = 0; k < Math.min(r, len); k++) set += src[base + k * step]!;
      for (let k = 0; k < len; k++) {
        if (k + r < len) set += src[base + (k + r) * step]!;
        if (k - r - 1 >= 0) set -= src[base + (k - r - 1) * step]!;
        const size = Math.min(len - 1, k + r) - Math.max(0, k - r) + 1;
        dst[base + k * step] = (all ? set === size : set > 0) ? 1 : 0;
      }
    }
  };
  pass(mask, tmp, w, h, 1, w);
  pass(tmp, out, h, w, w, 1);
  return out;
}

export const dilate = (mask: Uint8Array, w: number, h: number, r: number): Uint8Array => slide(mask, w, h, r, false);
export const erode = (mask: Uint8Array, w: number, h: number, r: number): Uint8Array => slide(mask, w, h, r, true);
