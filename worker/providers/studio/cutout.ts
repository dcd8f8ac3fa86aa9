import sharp from "sharp";
import { INGEST_DEFAULTS } from "../../../app/services/images/ingest.server";
import { StudioInputError } from "./errors";
import { close, closeAlong, components, count, erode, floodFill, open, type Mask } from "./mask";

// The garment is cut out at two sizes: the background is found on a small working
// copy (fast, and the downscale averages sensor and JPEG noise away), and the mask is
// then scaled up onto a copy capped at HI_EDGE, which is already more than a garment
// covers in a 2048 px shot. Memory is bounded by these two sizes, not by the upload.
const HI_EDGE = 1600;
const WORK_EDGE = 640;
const MIN_EDGE = 24;
/** Border segments: enough that a gradient changes little from one to the next. */
const SEGMENTS = 64;
/** Medians closer than this belong to the same background colour. */
const CLUSTER = 30;
const MIN_COVERAGE = 0.004;
const MAX_COVERAGE = 0.985;

export type GarmentKind = "top" | "dress" | "bottom";

export interface GarmentShape {
  kind: GarmentKind;
  /** Height over width of the garment's bounding box. */
  aspect: number;
  /**
   * Widths of the garment's body (the run of garment under its centre of mass) near
   * the top, at the chest and near the hem, as shares of the cut-out's width.
   */
  topWidth: number;
  chestWidth: number;
  hemWidth: number;
  /** Horizontal centre of mass, as a share of the cut-out's width. */
  centreX: number;
}

export interface GarmentCutout {
  /** RGBA, cropped to the garment with a small margin; alpha is the feathered mask. */
  rgba: Buffer;
  width: number;
  height: number;
  /** Where the crop sits in the upright source, at sourceWidth×sourceHeight. */
  box: { left: number; top: number; width: number; height: number };
  sourceWidth: number;
  sourceHeight: number;
  /** Share of the photo's pixels kept as garment. */
  coverage: number;
  shape: GarmentShape;
}

export interface CutoutOptions {
  maxEdge?: number;
}

export async function cutOutGarment(input: Buffer, options: CutoutOptions = {}): Promise<GarmentCutout> {
  const hi = await decode(input, options.maxEdge ?? HI_EDGE);
  const W = hi.width;
  const H = hi.height;
  if (Math.min(W, H) < MIN_EDGE) {
    throw new StudioInputError("no_subject", `The photo is ${W}×${H} pixels, too small to find a garment in.`);
  }

  // The median keeps edges sharp while removing the speckle a threshold would fray on.
  const work = await sharp(hi.data, { raw: { width: W, height: H, channels: 4 } })
    .resize({ width: WORK_EDGE, height: WORK_EDGE, fit: "inside", withoutEnlargement: true })
    .median(3)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const w = work.info.width;
  const h = work.info.height;

  const fg = segment(work.data, w, h);
  const coverage = count(fg) / (w * h);
  if (coverage < MIN_COVERAGE) {
    throw new StudioInputError("no_subject", "No garment stands out from the background of this photo.");
  }
  if (coverage > MAX_COVERAGE) {
    throw new StudioInputError("no_subject", "The photo has no plain background around the garment to cut it out from.");
  }

  const bounds = boundingBox(fg, w, h);
  const shape = measureShape(fg, w, bounds);
  const [alpha, edgeColour] = await Promise.all([featherMask(fg, w, h, W, H), bleedInterior(hi.data, fg, w, h, W, H)]);

  // The margin keeps the feathered edge, which reaches a little past the working mask.
  const sx = W / w;
  const sy = H / h;
  const pad = Math.ceil(2 * Math.max(sx, sy));
  const left = Math.max(0, Math.floor(bounds.x0 * sx) - pad);
  const top = Math.max(0, Math.floor(bounds.y0 * sy) - pad);
  const right = Math.min(W, Math.ceil((bounds.x1 + 1) * sx) + pad);
  const bottom = Math.min(H, Math.ceil((bounds.y1 + 1) * sy) + pad);
  const cw = right - left;
  const ch = bottom - top;
  const rgba = Buffer.alloc(cw * ch * 4);
  for (let y = 0; y < ch; y++) {
    let src = ((top + y) * W + left) * 4;
    let dst = y * cw * 4;
    let a = (top + y) * W + left;
    for (let x = 0; x < cw; x++, src += 4, dst += 4, a++) {
      const colour = edgeColour.core[a] || edgeColour.bled[src + 3] === 0 ? hi.data : edgeColour.bled;
      rgba[dst] = colour[src]!;
      rgba[dst + 1] = colour[src + 1]!;
      rgba[dst + 2] = colour[src + 2]!;
      rgba[dst + 3] = (hi.data[src + 3]! * alpha[a]! + 127) / 255;
    }
  }

  // The shape was measured on the garment's bounds; the caller places the crop.
  const bw = (bounds.x1 - bounds.x0 + 1) * sx;
  const toCrop = (share: number) => (share * bw) / cw;
  return {
    rgba,
    width: cw,
    height: ch,
    box: { left, top, width: cw, height: ch },
    sourceWidth: W,
    sourceHeight: H,
    coverage,
    shape: {
      ...shape,
      topWidth: toCrop(shape.topWidth),
      chestWidth: toCrop(shape.chestWidth),
      hemWidth: toCrop(shape.hemWidth),
      centreX: (bounds.x0 * sx + shape.centreX * bw - left) / cw,
    },
  };
}

async function decode(input: Buffer, maxEdge: number): Promise<{ data: Buffer; width: number; height: number }> {
  try {
    const { data, info } = await sharp(input, { failOn: "error", limitInputPixels: INGEST_DEFAULTS.maxPixels, pages: 1, page: 0 })
      .rotate()
      .resize({ width: maxEdge, height: maxEdge, fit: "inside", withoutEnlargement: true })
      // Greyscale and CMYK photos arrive with 1 or 4 colour channels; everything below
      // reads RGBA.
      .toColourspace("srgb")
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw new StudioInputError("unreadable", "The photo could not be decoded.", { cause: error });
  }
}

type Rgb = [number, number, number];

function dist2(a: Rgb, r: number, g: number, b: number): number {
  const dr = a[0] - r;
  const dg = a[1] - g;
  const db = a[2] - b;
  return dr * dr + dg * dg + db * db;
}

/**
 * Background model from the border: the border is cut into SEGMENTS stretches, each
 * summarised by its per-channel median. Starting from the colour most stretches agree
 * on, neighbouring stretches are accepted while their colour changes gradually, which
 * follows a gradient sweep around the frame but stops where the garment itself
 * reaches the border (a trouser hem, a sleeve): there the colour jumps.
 */
function backgroundModel(px: Buffer, w: number, h: number): { models: Rgb[]; threshold: number } {
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

function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * 1 where the garment is, on the working grid. Packshots usually have a soft shadow
 * under or beside the garment: a darker shade of the background's own colour. It is
 * cut away with the background, unless that would take most of the garment too (a
 * pale grey garment on white is, by colour, exactly such a shade), in which case the
 * shadow stays rather than the garment going.
 */
function segment(px: Buffer, w: number, h: number): Mask {
  const { models, threshold } = backgroundModel(px, w, h);
  const withShadow = carve(classify(px, w * h, models, threshold, true), w, h);
  const plain = carve(classify(px, w * h, models, threshold, false), w, h);
  return count(withShadow) >= 0.6 * count(plain) ? withShadow : plain;
}

/**
 * Per pixel: 0 = garment, 1 = background within the strict threshold, 2 = within the
 * loose one (or, with `shadows`, a shade of a background colour at least 0.75 as bright).
 */
function classify(px: Buffer, n: number, models: Rgb[], threshold: number, shadows: boolean): Uint8Array {
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

/** The garment mask for one classification: flood, enclosed background, clean-up. */
function carve(closeness: Uint8Array, w: number, h: number): Mask {
  const n = w * h;
  const passable = new Uint8Array(n);
  for (let i = 0; i < n; i++) passable[i] = closeness[i]! > 0 ? 1 : 0;
  const border: number[] = [];
  for (let x = 0; x < w; x++) border.push(x, (h - 1) * w + x);
  for (let y = 1; y < h - 1; y++) border.push(y * w, y * w + w - 1);
  const background = floodFill(passable, w, h, border);

  // Background the border cannot reach: between a bag's handle and its body, inside a
  // wrapped strap. Only large regions that match closely, so a garment's own patch of
  // background colour is not punched out.
  const enclosed = new Uint8Array(n);
  for (let i = 0; i < n; i++) enclosed[i] = !background[i] && closeness[i] === 1 ? 1 : 0;
  const holes = components(enclosed, w, h);
  const minHole = 0.004 * n;
  for (let i = 0; i < n; i++) {
    const id = holes.labels[i]!;
    if (id && holes.areas[id]! >= minHole) background[i] = 1;
  }

  let fg: Mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) fg[i] = background[i] ? 0 : 1;
  const r = Math.max(1, Math.round(Math.min(w, h) / 220));
  fg = open(fg, w, h, r);
  // A Breton top's pale stripes can be the backdrop's very colour: the flood eats them
  // from the garment's edge, leaving dark bands. Bridging short gaps between garment
  // pixels in the same column or row puts them back. Gaps up to ~1.4% of the frame:
  // a stripe a centimetre wide on a garment that fills most of the photo.
  const stripe = Math.max(2, Math.round(Math.max(w, h) * 0.007));
  const vertical = closeAlong(fg, w, h, stripe, "vertical");
  const horizontal = closeAlong(fg, w, h, stripe, "horizontal");
  for (let i = 0; i < n; i++) fg[i] = vertical[i]! | horizontal[i]!;
  fg = close(fg, w, h, r);

  // Keep the garment and anything comparable (the second sock), drop the specks.
  const parts = components(fg, w, h);
  const largest = Math.max(0, ...parts.areas.slice(1));
  const minPart = Math.max(0.08 * largest, 0.001 * n);
  // Small enclosed gaps left by the thresholds are pinholes, not design.
  const gaps = components(
    fg.map((v) => 1 - v),
    w,
    h,
  );
  const maxGap = 0.0015 * n;
  for (let i = 0; i < n; i++) {
    if (fg[i]) {
      if (parts.areas[parts.labels[i]!]! < minPart) fg[i] = 0;
    } else {
      const id = gaps.labels[i]!;
      if (!gaps.touchesBorder[id] && gaps.areas[id]! < maxGap) fg[i] = 1;
    }
  }
  return fg;
}

interface Bounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function boundingBox(fg: Mask, w: number, h: number): Bounds {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!fg[y * w + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return { x0, y0, x1, y1 };
}

/**
 * What kind of garment the silhouette is, from its outline alone: trousers and shorts
 * part into two legs at the bottom under a full-width waistband; a garment widest at
 * the hem is a skirt if it is short with a broad waistband, else a dress; any other
 * tall silhouette is a dress; the rest are tops (a T-shirt's hem is narrower than its
 * sleeves). A straight skirt or a long coat is misread: the outline cannot tell.
 */
function measureShape(fg: Mask, w: number, b: Bounds): GarmentShape {
  const bw = b.x1 - b.x0 + 1;
  const bh = b.y1 - b.y0 + 1;
  let sumX = 0;
  let area = 0;
  for (let y = b.y0; y <= b.y1; y++) {
    for (let x = b.x0; x <= b.x1; x++) {
      if (fg[y * w + x]) {
        sumX += x;
        area++;
      }
    }
  }
  const cx = Math.round(sumX / Math.max(1, area));

  const runs = (y: number): [number, number][] => {
    const out: [number, number][] = [];
    let start = -1;
    for (let x = b.x0; x <= b.x1 + 1; x++) {
      const on = x <= b.x1 && fg[y * w + x] === 1;
      if (on && start < 0) start = x;
      if (!on && start >= 0) {
        out.push([start, x - 1]);
        start = -1;
      }
    }
    return out;
  };
  const rowsIn = (from: number, to: number): number[] => {
    const rows: number[] = [];
    for (let y = b.y0 + Math.floor(from * bh); y <= Math.min(b.y1, b.y0 + Math.floor(to * bh)); y++) rows.push(y);
    return rows;
  };
  /** The run under the centre of mass, or the nearest one: the garment's body. */
  const centralWidth = (y: number): number => {
    let best: [number, number] | undefined;
    let bestGap = Infinity;
    for (const run of runs(y)) {
      const gap = cx < run[0] ? run[0] - cx : cx > run[1] ? cx - run[1] : 0;
      if (gap < bestGap) [best, bestGap] = [run, gap];
    }
    return best ? (best[1] - best[0] + 1) / bw : 0;
  };
  const span = (y: number): number => {
    const r = runs(y);
    return r.length ? (r[r.length - 1]![1] - r[0]![0] + 1) / bw : 0;
  };
  const median = (values: number[]) => percentile(values, 0.5);

  const topWidth = median(rowsIn(0.02, 0.08).map(centralWidth));
  const chestWidth = median(rowsIn(0.22, 0.3).map(centralWidth));
  const hemWidth = median(rowsIn(0.86, 0.94).map(centralWidth));
  const topSpan = median(rowsIn(0.02, 0.08).map(span));
  const hemSpan = median(rowsIn(0.86, 0.94).map(span));
  const legRows = rowsIn(0.8, 0.97);
  const legged = legRows.filter((y) => {
    const wide = runs(y).filter(([a, z]) => z - a + 1 >= 0.12 * bw);
    return wide.length >= 2 && fg[y * w + cx] === 0;
  }).length;
  const aspect = bh / bw;

  let kind: GarmentKind = "top";
  if (legged >= 0.6 * legRows.length && topSpan >= 0.55) kind = "bottom";
  else if (hemSpan >= 0.9 && topSpan <= 0.85) kind = topSpan >= 0.45 && aspect < 1.15 ? "bottom" : "dress";
  else if (aspect >= 1.3) kind = "dress";

  return { kind, aspect, topWidth, chestWidth, hemWidth, centreX: (cx - b.x0 + 0.5) / bw };
}

/**
 * The working mask scaled to the photo and softened: a cubic upscale rounds the
 * working grid's steps, the blur feathers the edge over about one working pixel, and
 * the levels pull the edge's midpoint slightly inwards so the fringe of mixed
 * background colour that anti-aliasing leaves around any photographed object stays
 * outside.
 */
async function featherMask(fg: Mask, w: number, h: number, W: number, H: number): Promise<Buffer> {
  const small = Buffer.alloc(w * h);
  for (let i = 0; i < w * h; i++) small[i] = fg[i] ? 255 : 0;
  const scale = Math.max(W / w, H / h);
  const alpha = await sharp(small, { raw: { width: w, height: h, channels: 1 } })
    .resize(W, H, { fit: "fill", kernel: "cubic" })
    .blur(Math.max(0.5, 0.6 * scale))
    // Without it sharp widens single-band raw output to sRGB's three.
    .toColourspace("b-w")
    .raw()
    .toBuffer();
  const lo = 72;
  const hi = 232;
  for (let i = 0; i < alpha.length; i++) {
    const v = alpha[i]!;
    alpha[i] = v <= lo ? 0 : v >= hi ? 255 : ((v - lo) * 255) / (hi - lo);
  }
  return alpha;
}

/**
 * Colours for the garment's edge. Pixels on an outline mix garment and background
 * (anti-aliasing, JPEG's halved colour resolution), so kept as they are they draw a
 * pale or dark line around the garment once it stands on another background. Near
 * the edge the colour is instead taken from the garment's interior: a blur that
 * weighs pixels by an interior mask (sharp premultiplies by alpha when blurring)
 * spreads interior colours outwards and ignores the background's.
 */
async function bleedInterior(
  px: Buffer,
  fg: Mask,
  w: number,
  h: number,
  W: number,
  H: number,
): Promise<{ core: Buffer; bled: Buffer }> {
  const inner = erode(fg, w, h, 1);
  const small = Buffer.alloc(w * h);
  for (let i = 0; i < w * h; i++) small[i] = inner[i] ? 255 : 0;
  const core = await sharp(small, { raw: { width: w, height: h, channels: 1 } })
    .resize(W, H, { fit: "fill", kernel: "nearest" })
    .toColourspace("b-w")
    .raw()
    .toBuffer();
  const weighted = Buffer.from(px);
  for (let i = 0; i < W * H; i++) weighted[i * 4 + 3] = core[i]! ? px[i * 4 + 3]! : 0;
  const bled = await sharp(weighted, { raw: { width: W, height: H, channels: 4 } })
    .blur(Math.max(1, (1.5 * W) / w))
    .raw()
    .toBuffer();
  return { core, bled };
}
