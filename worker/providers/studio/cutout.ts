import sharp from "sharp";
import { bridgeStripes, decodeImage, percentile, segment } from "../../../app/services/images/background.server";
import { borderIndices, close, components, count, erode, floodFill, open, type Mask } from "../../../app/services/images/mask.server";
import { StudioInputError } from "./errors";

// The garment is cut out at two sizes: the background is found on a small working
// copy (fast, and the downscale averages sensor and JPEG noise away), and the mask is
// then scaled up onto a copy capped at HI_EDGE, which is already more than a garment
// covers in a 2048 px shot. Memory is bounded by these two sizes, not by the upload.
const HI_EDGE = 1600;
const WORK_EDGE = 640;
const MIN_EDGE = 24;
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
  const hi = await decodeImage(input, options.maxEdge ?? HI_EDGE).catch((cause: unknown) => {
    throw new StudioInputError("unreadable", "The photo could not be decoded.", { cause });
  });
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

  const fg = segment(work.data, w, h, carve);
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

/** The garment mask for one classification: flood, enclosed background, clean-up. */
function carve(closeness: Uint8Array, w: number, h: number): Mask {
  const n = w * h;
  // Any non-zero closeness is passable: background, loosely or strictly.
  const background = floodFill(closeness, w, h, borderIndices(w, h));

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
  // A Breton top's pale stripes, eaten by the flood: gaps up to ~1.4% of the frame, a
  // stripe a centimetre wide on a garment that fills most of the photo.
  fg = bridgeStripes(fg, w, h, Math.max(2, Math.round(Math.max(w, h) * 0.007)));
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
