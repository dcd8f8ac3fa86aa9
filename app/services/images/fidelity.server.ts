import type { SCENE_PRESETS } from "~/lib/presets";
import type { RgbaImage } from "./background.server";
import { decodeRgba, GarmentMaskError, garmentMask } from "./garment-mask.server";
import { dilate, erode, fillHoles, largestComponent } from "./mask.server";

// The garment fidelity gate: does the garment in a generated photo still have the
// colours of the garment in the product photo? The product photo's garment is found
// by its plain background. The generated photo's garment is worn, in a scene, and no
// model here can segment it, so it is looked for: the photo's central part is
// clustered into a handful of colours, each colour's pixels form blobs, and the blob
// shaped most like the product photo's garment is taken as the garment. Its colours
// are then compared with the product's in CIEDE2000. Shape first, colour second: a
// recoloured garment keeps its outline, while the scene may well hold its old colour.
//
// The measure is heuristic and errs towards review: a garment it cannot find (a pale
// shirt merging into a pale backdrop or mannequin) fails as "garment_not_found".

export interface Lab {
  L: number;
  a: number;
  b: number;
}

/** A dominant colour and the share of the analysed pixels it stands for. */
export interface WeightedLab extends Lab {
  weight: number;
}

export interface ColourMatch {
  input: WeightedLab;
  /** The output colour it was matched to. */
  output: WeightedLab;
  deltaE: number;
}

export type FidelityCode = "ok" | "colour_changed" | "garment_not_found" | "input_unusable" | "output_unusable";

export interface FidelityReport {
  passed: boolean;
  /** "ok" when passed; the other codes say why not, so the pipeline can tell "changed" from "could not check". */
  code: FidelityCode;
  /**
   * CIEDE2000, weighted over the garment's colours; Infinity when nothing could be
   * compared. With "garment_not_found", measured against the photo's central region
   * as a whole, for information only.
   */
  deltaE: number;
  threshold: number;
  /** The garment's dominant colours in the product photo, heaviest first. */
  inputColours: WeightedLab[];
  /**
   * The dominant colours of the region taken as the garment in the generated photo
   * (of its whole central part if none was found), heaviest first.
   */
  outputColours: WeightedLab[];
  /** One per input colour that was scored. */
  matches: ColourMatch[];
  /** For merchants, when not passed. */
  reason?: string;
}

export interface FidelityOptions {
  scenePreset: string;
  /** Overrides the scene's threshold. */
  threshold?: number;
}

type SceneId = (typeof SCENE_PRESETS)[number]["id"];

/**
 * Largest weighted ΔE00 that still passes, per scene. Outdoor light tints the garment
 * (the studio provider itself lights beach and nature scenes warm and green), so those
 * scenes allow more; the studio is lit neutral. A hue change of a saturated garment
 * measures 25 and more.
 */
export const FIDELITY_THRESHOLDS: Readonly<Record<SceneId, number>> = {
  studio: 10,
  loft: 12,
  street: 12,
  beach: 15,
  nature: 15,
};
/** For scene ids the table does not know yet (a catalog ahead of this code). */
export const DEFAULT_FIDELITY_THRESHOLD = 12;

export function fidelityThreshold(scenePreset: string): number {
  const id = scenePreset.trim().toLowerCase();
  return Object.hasOwn(FIDELITY_THRESHOLDS, id) ? FIDELITY_THRESHOLDS[id as SceneId] : DEFAULT_FIDELITY_THRESHOLD;
}

/** Product photos are reduced to this long edge: plenty for colour statistics. */
const INPUT_EDGE = 160;
/** Generated photos are larger and the garment covers less of them. */
const OUTPUT_EDGE = 256;
const INPUT_CLUSTERS = 4;
const OUTPUT_CLUSTERS = 8;
const REGION_CLUSTERS = 4;
/** Clusters closer than this are shades of one colour, reported as one. */
const MERGE_DE = 6;
/** A colour this close (ΔE76) to the line between two heavier ones is their blend. */
const MIX_DE = 8;
/** Input colours below this share (edge mixes, a small logo) are reported but not scored. */
const MIN_INPUT_WEIGHT = 0.1;
/** Output colours below this share of the central region cannot be a garment's colour. */
const MIN_OUTPUT_WEIGHT = 0.01;
/** Within the garment region, a colour must cover this share to count. */
const MIN_REGION_WEIGHT = 0.03;
/** Below this share of the photo, a blob is too small to stand for a garment. */
const MIN_ANCHOR_SHARE = 0.002;
/** Furthest a garment's blob may be centred from the vertical centre line, as a share of the width. */
const MAX_ANCHOR_OFFSET = 0.2;
/** A blob spanning this share of the central region's width or height is scene, not garment. */
const MAX_SPAN = 0.95;
/** How far a worn garment's outline may differ from the product photo's: aspect by this factor, */
const MAX_ASPECT_CHANGE = 1.6;
/** and the share of its bounding box it fills by this much. */
const MAX_FILL_CHANGE = 0.3;
/** Blobs this much less garment-shaped than the most garment-shaped one are still considered. */
const SHAPE_MARGIN = 0.25;
/** Gaps bridged between pixels of one colour (a stripe's width), as a share of the long edge. */
const REGION_CLOSING = 0.015;
/**
 * Any one scored colour may differ by this much more than the weighted mean allows:
 * a stripe or print that changed outright fails even where the main colour held.
 */
const SINGLE_COLOUR_FACTOR = 1.5;
/** The band of the generated photo left out as surely scene, as shares of its size. */
const SIDE_BAND = 0.12;
const END_BAND = 0.04;

export async function checkGarmentFidelity(input: Buffer, output: Buffer, options: FidelityOptions): Promise<FidelityReport> {
  const threshold = options.threshold ?? fidelityThreshold(options.scenePreset);
  const base = { threshold, deltaE: Number.POSITIVE_INFINITY, passed: false, matches: [] as ColourMatch[] };

  let inputColours: WeightedLab[];
  let shape: BlobShape;
  try {
    ({ colours: inputColours, shape } = await garmentColours(input));
  } catch (error) {
    if (!(error instanceof GarmentMaskError)) throw error;
    return { ...base, code: "input_unusable", inputColours: [], outputColours: [], reason: INPUT_REASONS[error.code] };
  }

  let image: RgbaImage;
  try {
    image = await decodeRgba(output, OUTPUT_EDGE);
  } catch (error) {
    if (!(error instanceof GarmentMaskError)) throw error;
    return { ...base, code: "output_unusable", inputColours, outputColours: [], reason: "The generated photo could not be read, so the garment could not be checked." };
  }
  if (Math.min(image.width, image.height) < 16) {
    const reason = `The generated photo is only ${image.width}×${image.height} pixels, too small to check the garment in.`;
    return { ...base, code: "output_unusable", inputColours, outputColours: [], reason };
  }

  const scored = inputColours.filter((c) => c.weight >= MIN_INPUT_WEIGHT);
  const pixels = outputPixels(image, !scored.some((c) => skinLike(c.L, c.a, c.b, 1.3)));
  if (pixels.blank) {
    return { ...base, code: "output_unusable", inputColours, outputColours: [], reason: "The generated photo is blank, so no garment could be found in it." };
  }
  const { colours: outputColours, matches, found } = matchInRegion(pixels, scored, shape);
  const total = matches.reduce((s, m) => s + m.input.weight, 0);
  const deltaE = matches.reduce((s, m) => s + m.input.weight * m.deltaE, 0) / total;

  const report: FidelityReport = { passed: true, code: "ok", deltaE, threshold, inputColours, outputColours, matches };
  if (!found) {
    const reason = `The garment could not be found in the generated photo: no ${colourName(scored[0]!)} area there has the garment's shape.`;
    return { ...report, passed: false, code: "garment_not_found", reason };
  }
  if (deltaE > threshold) {
    // Name the colour that contributes most to the difference.
    const worst = maxBy(matches, (m) => m.input.weight * m.deltaE);
    const which = worst === matches[0] ? "The garment's main colour changed" : "One of the garment's colours changed";
    return { ...report, passed: false, code: "colour_changed", reason: `${which} (ΔE ${fmt(deltaE)} > ${fmt(threshold)}): ${describeChange(worst.input, worst.output)}.` };
  }
  const limit = threshold * SINGLE_COLOUR_FACTOR;
  const outlier = matches.find((m) => m.deltaE > limit);
  if (outlier) {
    const reason = `One of the garment's colours changed (ΔE ${fmt(outlier.deltaE)} > ${fmt(limit)}): ${describeChange(outlier.input, outlier.output)}.`;
    return { ...report, passed: false, code: "colour_changed", reason };
  }
  return report;
}

const INPUT_REASONS: Record<GarmentMaskError["code"], string> = {
  unreadable: "The product photo could not be read, so the garment's colours could not be checked.",
  too_small: "The product photo is too small to find the garment in, so its colours could not be checked.",
  no_garment: "No garment could be told apart from the product photo's background, so its colours could not be checked.",
  no_background: "The product photo has no plain background to tell the garment apart from, so its colours could not be checked.",
};

/** The outline of a garment, independent of its size and place. */
export interface BlobShape {
  /** Bounding-box height over width. */
  aspect: number;
  /** Share of the bounding box the garment covers. */
  fill: number;
}

async function garmentColours(input: Buffer): Promise<{ colours: WeightedLab[]; shape: BlobShape }> {
  const { image, mask, core } = await garmentMask(input, INPUT_EDGE);
  const lab = new Float32Array(core.length * 3);
  let n = 0;
  for (let i = 0; i < core.length; i++) {
    if (!core[i] || image.data[i * 4 + 3]! < 128) continue;
    labInto(lab, n * 3, image.data[i * 4]!, image.data[i * 4 + 1]!, image.data[i * 4 + 2]!);
    n++;
  }
  const { aspect, fill } = measureBlob(mask, image.width, image.height);
  return { colours: withoutMixes(dominantColours(lab.subarray(0, n * 3), INPUT_CLUSTERS)), shape: { aspect, fill } };
}

function measureBlob(mask: Uint8Array, w: number, h: number): BlobShape & { area: number; x0: number; x1: number; y0: number; y1: number; cx: number } {
  let area = 0;
  let sumX = 0;
  let [x0, y0, x1, y1] = [w, h, -1, -1];
  for (let i = 0; i < w * h; i++) {
    if (!mask[i]) continue;
    const x = i % w;
    const y = (i - x) / w;
    area++;
    sumX += x + 0.5;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    y1 = y;
  }
  const bw = Math.max(1, x1 - x0 + 1);
  const bh = Math.max(1, y1 - y0 + 1);
  return { area, aspect: bh / bw, fill: area / (bw * bh), x0, x1, y0, y1, cx: area ? sumX / area : 0 };
}

/**
 * Where two colours meet (stripes, a print), pixels blend them, and the blend can
 * come out as a cluster of its own; the generated photo, at another scale, blends
 * them in other proportions. A colour lying between two heavier ones is such a blend:
 * it is dropped and the others' weights renormalised.
 */
function withoutMixes(colours: WeightedLab[]): WeightedLab[] {
  const kept = colours.filter((c) => {
    const heavier = colours.filter((o) => o.weight > c.weight);
    return !heavier.some((p, i) => heavier.slice(i + 1).some((q) => distanceToSegment(c, p, q) < MIX_DE));
  });
  const total = kept.reduce((s, c) => s + c.weight, 0);
  return kept.map((c) => ({ ...c, weight: c.weight / total }));
}

/** Euclidean Lab distance from c to the segment between p and q, ends excluded. */
function distanceToSegment(c: Lab, p: Lab, q: Lab): number {
  const d = [q.L - p.L, q.a - p.a, q.b - p.b];
  const v = [c.L - p.L, c.a - p.a, c.b - p.b];
  const len2 = d[0]! ** 2 + d[1]! ** 2 + d[2]! ** 2;
  const t = (v[0]! * d[0]! + v[1]! * d[1]! + v[2]! * d[2]!) / len2;
  if (!(t > 0.05 && t < 0.95)) return Number.POSITIVE_INFINITY;
  return Math.hypot(v[0]! - t * d[0]!, v[1]! - t * d[1]!, v[2]! - t * d[2]!);
}

interface OutputPixels {
  width: number;
  height: number;
  /** Lab per pixel, 3 floats each. */
  lab: Float32Array;
  /** 1 where a pixel may be the garment's: opaque, inside the central region, not skin. */
  eligible: Uint8Array;
  /** What a pixel weighs in the overview: 1 on the vertical centre line, falling to 0 at the sides. */
  centrality: Float32Array;
  /** One flat colour, or nothing left once skin is set aside: no garment to compare. */
  blank: boolean;
}

/**
 * The generated photo in Lab, with the pixels that can be the garment's marked: not
 * its outer band (surely scene) and, unless the garment is itself skin-coloured, not
 * skin-like pixels, which would otherwise take clusters the garment needs.
 */
function outputPixels(image: RgbaImage, dropSkin: boolean): OutputPixels {
  const { data, width: w, height: h } = image;
  const lab = new Float32Array(w * h * 3);
  const eligible = new Uint8Array(w * h);
  const centrality = new Float32Array(w * h);
  const x0 = Math.floor(w * SIDE_BAND);
  const x1 = Math.ceil(w * (1 - SIDE_BAND));
  const y0 = Math.floor(h * END_BAND);
  const y1 = Math.ceil(h * (1 - END_BAND));
  let n = 0;
  let kept = 0;
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      labInto(lab, i * 3, data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!);
      if (data[i * 4 + 3]! < 128 || x < x0 || x >= x1 || y < y0 || y >= y1) continue;
      n++;
      for (let d = 0; d < 3; d++) {
        sum[d]! += lab[i * 3 + d]!;
        sq[d]! += lab[i * 3 + d]! ** 2;
      }
      if (dropSkin && skinLike(lab[i * 3]!, lab[i * 3 + 1]!, lab[i * 3 + 2]!, 1)) continue;
      eligible[i] = 1;
      centrality[i] = 1 - Math.abs((x + 0.5) / w - 0.5) * 2;
      kept++;
    }
  }
  const variance = n === 0 ? 0 : sq.reduce((s, v, d) => s + v / n - (sum[d]! / n) ** 2, 0);
  return { width: w, height: h, lab, eligible, centrality, blank: n === 0 || Math.sqrt(Math.max(0, variance)) < 2 || kept < 0.02 * n };
}

function pick(px: OutputPixels, mask: Uint8Array, weights?: Float32Array): { lab: Float32Array; weights?: Float32Array } {
  let n = 0;
  for (const v of mask) n += v;
  const lab = new Float32Array(n * 3);
  const w = weights ? new Float32Array(n) : undefined;
  let k = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    lab.set(px.lab.subarray(i * 3, i * 3 + 3), k * 3);
    if (w) w[k] = weights![i]!;
    k++;
  }
  return { lab, weights: w };
}

function nearest(c: WeightedLab, candidates: WeightedLab[]): ColourMatch {
  let best = candidates[0]!;
  let bestDe = Number.POSITIVE_INFINITY;
  for (const o of candidates) {
    const de = ciede2000(c, o);
    if (de < bestDe) [best, bestDe] = [o, de];
  }
  return { input: c, output: best, deltaE: bestDe };
}

/**
 * Two passes. The overview clusters the central region, weighted towards the centre
 * line where a model stands; each of its colours, as the pixels nearest to it, forms
 * blobs. The garment is the blob that is most like the product photo's outline, or
 * nearly so and closer in colour: shape first, because a scene can hold the garment's
 * colour (a white backdrop, a green hedge) but rarely in the garment's shape near the
 * centre, while a garment whose colour changed keeps its shape. That blob, closed and
 * with its holes filled, also holds the garment's other colours (stripes, a print),
 * which are therefore matched there and not anywhere in the scene.
 */
function matchInRegion(px: OutputPixels, scored: WeightedLab[], shape: BlobShape): { colours: WeightedLab[]; matches: ColourMatch[]; found: boolean } {
  const all = pick(px, px.eligible, px.centrality);
  const overview = dominantColours(all.lab, OUTPUT_CLUSTERS, all.weights).filter((c) => c.weight >= MIN_OUTPUT_WEIGHT);
  const nearestCluster = assignPixels(px, overview);
  const main = scored[0]!;
  const blobs = overview.flatMap((colour, k) => {
    const blob = garmentBlob(px, nearestCluster, k, shape);
    return blob ? [{ ...blob, deltaE: ciede2000(main, colour) }] : [];
  });
  if (blobs.length === 0) return { colours: overview, matches: scored.map((c) => nearest(c, overview)), found: false };
  const bestShape = Math.min(...blobs.map((b) => b.mismatch));
  const chosen = maxBy(
    blobs.filter((b) => b.mismatch <= bestShape + SHAPE_MARGIN),
    (b) => -b.deltaE,
  );
  const colours = dominantColours(pick(px, chosen.region).lab, REGION_CLUSTERS);
  const candidates = colours.filter((c) => c.weight >= MIN_REGION_WEIGHT);
  return { colours, matches: scored.map((c) => nearest(c, candidates.length ? candidates : overview)), found: true };
}

/** For each eligible pixel, the index of the nearest colour (Euclidean Lab); -1 elsewhere. */
function assignPixels(px: OutputPixels, colours: Lab[]): Int8Array {
  const out = new Int8Array(px.width * px.height).fill(-1);
  for (let i = 0; i < out.length; i++) {
    if (!px.eligible[i]) continue;
    let best = Number.POSITIVE_INFINITY;
    for (let k = 0; k < colours.length; k++) {
      const c = colours[k]!;
      const d = (px.lab[i * 3]! - c.L) ** 2 + (px.lab[i * 3 + 1]! - c.a) ** 2 + (px.lab[i * 3 + 2]! - c.b) ** 2;
      if (d < best) [best, out[i]] = [d, k];
    }
  }
  return out;
}

/**
 * The pixels of colour k, without specks and threads, joined across gaps a stripe
 * wide: the largest such blob, with its holes filled, if it can be the garment. It
 * must be big enough, centred near the vertical centre line, not span the whole
 * central region (a wall, the sky), and have roughly the product photo's outline (not
 * a whole mannequin). `mismatch` is 0 for the product photo's very outline, 1 at the
 * edge of what is accepted.
 */
function garmentBlob(px: OutputPixels, nearestCluster: Int8Array, k: number, shape: BlobShape): { region: Uint8Array; mismatch: number } | null {
  const { width: w, height: h, eligible } = px;
  const own = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) own[i] = nearestCluster[i] === k ? 1 : 0;
  const r = Math.max(2, Math.round(REGION_CLOSING * Math.max(w, h)));
  // Closing joins a striped garment's bands into one piece (and a brick wall's mortar
  // into a wall, which spans too far to pass); the opening after it cuts the threads
  // that would join unrelated things into one blob. Garments are solid.
  const closed = erode(dilate(own, w, h, r), w, h, r);
  const part = largestComponent(dilate(erode(closed, w, h, 1), w, h, 1), w, h);
  // Filling holes changes neither the bounding box nor, much, the centre: those are
  // checked first, so most blobs are turned down before the flood fill.
  const p = measureBlob(part, w, h);
  const placed =
    p.area > 0 &&
    Math.abs(p.cx / w - 0.5) <= MAX_ANCHOR_OFFSET &&
    p.x1 - p.x0 + 1 < MAX_SPAN * (1 - 2 * SIDE_BAND) * w &&
    p.y1 - p.y0 + 1 < MAX_SPAN * (1 - 2 * END_BAND) * h &&
    Math.abs(Math.log(p.aspect / shape.aspect)) <= Math.log(MAX_ASPECT_CHANGE);
  if (!placed) return null;
  const blob = fillHoles(part, w, h);
  const b = measureBlob(blob, w, h);
  const mismatch = Math.max(Math.abs(Math.log(b.aspect / shape.aspect)) / Math.log(MAX_ASPECT_CHANGE), Math.abs(b.fill - shape.fill) / MAX_FILL_CHANGE);
  if (b.area < MIN_ANCHOR_SHARE * w * h || mismatch > 1) return null;
  for (let i = 0; i < w * h; i++) blob[i] = blob[i]! & eligible[i]!;
  return { region: blob, mismatch };
}

/**
 * Skin tones of every depth share a band of warm hues (about 25°–80° in Lab) at
 * moderate chroma; deep reds and burgundies sit below it, saturated oranges and
 * mustards beyond it, tans and camels inside. `slack` widens the band: a garment near
 * it keeps skin in the analysis.
 */
function skinLike(L: number, a: number, b: number, slack: number): boolean {
  if (L < 25 / slack || L > 92 * slack) return false;
  const chroma = Math.hypot(a, b);
  if (chroma < 8 / slack || chroma > 48 * slack) return false;
  const hue = hueDegrees(b, a);
  return hue >= 25 / slack && hue <= 80 * slack;
}

// ---------------------------------------------------------------------------------
// Colour maths

const LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
// D65 reference white, matching sRGB's own white point.
const XN = 0.95047;
const ZN = 1.08883;
const labF = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);

/** 8-bit sRGB to CIELAB (D65). */
export function srgbToLab(r: number, g: number, b: number): Lab {
  const out = new Float32Array(3);
  labInto(out, 0, r, g, b);
  return { L: out[0]!, a: out[1]!, b: out[2]! };
}

/** srgbToLab without an object per pixel: writes L, a, b at out[at..at+2]. */
function labInto(out: Float32Array, at: number, r: number, g: number, b: number): void {
  const R = LINEAR[r]!;
  const G = LINEAR[g]!;
  const B = LINEAR[b]!;
  const fx = labF((0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / XN);
  const fy = labF(0.2126729 * R + 0.7151522 * G + 0.072175 * B);
  const fz = labF((0.0193339 * R + 0.119192 * G + 0.9503041 * B) / ZN);
  out[at] = 116 * fy - 16;
  out[at + 1] = 500 * (fx - fy);
  out[at + 2] = 200 * (fy - fz);
}

export function hexToLab(hex: string): Lab {
  const v = Number.parseInt(hex.replace("#", ""), 16);
  return srgbToLab((v >> 16) & 255, (v >> 8) & 255, v & 255);
}

const RAD = Math.PI / 180;
const P25_7 = 25 ** 7;

function hueDegrees(b: number, a: number): number {
  if (a === 0 && b === 0) return 0;
  const h = Math.atan2(b, a) / RAD;
  return h < 0 ? h + 360 : h;
}

/**
 * CIEDE2000 colour difference (CIE 142-2001), following the implementation notes of
 * Sharma, Wu and Dalal (2005) for the hue-angle edge cases.
 */
export function ciede2000(x: Lab, y: Lab, { kL = 1, kC = 1, kH = 1 } = {}): number {
  const cBar7 = ((Math.hypot(x.a, x.b) + Math.hypot(y.a, y.b)) / 2) ** 7;
  const g = 0.5 * (1 - Math.sqrt(cBar7 / (cBar7 + P25_7)));
  const a1 = (1 + g) * x.a;
  const a2 = (1 + g) * y.a;
  const c1 = Math.hypot(a1, x.b);
  const c2 = Math.hypot(a2, y.b);
  const h1 = hueDegrees(x.b, a1);
  const h2 = hueDegrees(y.b, a2);
  const achromatic = c1 * c2 === 0;

  let dh = achromatic ? 0 : h2 - h1;
  if (dh > 180) dh -= 360;
  else if (dh < -180) dh += 360;
  const dL = y.L - x.L;
  const dC = c2 - c1;
  const dH = 2 * Math.sqrt(c1 * c2) * Math.sin((dh / 2) * RAD);

  const lBar = (x.L + y.L) / 2;
  const cBar = (c1 + c2) / 2;
  let hBar = h1 + h2;
  if (!achromatic) {
    if (Math.abs(h1 - h2) <= 180) hBar /= 2;
    else hBar = hBar < 360 ? (hBar + 360) / 2 : (hBar - 360) / 2;
  }
  const t =
    1 -
    0.17 * Math.cos((hBar - 30) * RAD) +
    0.24 * Math.cos(2 * hBar * RAD) +
    0.32 * Math.cos((3 * hBar + 6) * RAD) -
    0.2 * Math.cos((4 * hBar - 63) * RAD);
  const dTheta = 30 * Math.exp(-(((hBar - 275) / 25) ** 2));
  const rc = 2 * Math.sqrt(cBar ** 7 / (cBar ** 7 + P25_7));
  const sl = 1 + (0.015 * (lBar - 50) ** 2) / Math.sqrt(20 + (lBar - 50) ** 2);
  const sc = 1 + 0.045 * cBar;
  const sh = 1 + 0.015 * cBar * t;
  const rt = -Math.sin(2 * dTheta * RAD) * rc;

  const l = dL / (kL * sl);
  const c = dC / (kC * sc);
  const h = dH / (kH * sh);
  return Math.sqrt(l * l + c * c + h * h + rt * c * h);
}

/**
 * Dominant colours by k-means in Lab. Pixels are first binned (2 units per axis), so
 * the cost follows the number of distinct colours rather than pixels; seeds are
 * chosen greedily (the fullest bin, then whichever bin is both full and far from the
 * seeds so far: k-means++ without the dice), so the result depends on the pixels alone.
 * Clusters closer than MERGE_DE are merged; heaviest first.
 */
export function dominantColours(lab: Float32Array, k: number, weights?: Float32Array): WeightedLab[] {
  const bins = new Map<number, number>();
  const sums: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < lab.length; i += 3) {
    const key = (Math.round(lab[i]! / 2) * 160 + Math.round(lab[i + 1]! / 2) + 80) * 160 + Math.round(lab[i + 2]! / 2) + 80;
    let j = bins.get(key);
    if (j === undefined) {
      j = counts.length;
      bins.set(key, j);
      counts.push(0);
      sums.push(0, 0, 0);
    }
    const weight = weights ? weights[i / 3]! : 1;
    counts[j]! += weight;
    sums[j * 3]! += lab[i]! * weight;
    sums[j * 3 + 1]! += lab[i + 1]! * weight;
    sums[j * 3 + 2]! += lab[i + 2]! * weight;
  }
  // Bins that weigh nothing (pixels at the very edge of a weighting) carry no colour.
  for (let j = counts.length - 1; j >= 0; j--) {
    if (counts[j]! > 0) continue;
    counts.splice(j, 1);
    sums.splice(j * 3, 3);
  }
  const m = counts.length;
  if (m === 0) return [];
  const pts = new Float64Array(m * 3);
  for (let j = 0; j < m; j++) for (let d = 0; d < 3; d++) pts[j * 3 + d] = sums[j * 3 + d]! / counts[j]!;
  const d2 = (j: number, c: Float64Array, ci: number) =>
    (pts[j * 3]! - c[ci * 3]!) ** 2 + (pts[j * 3 + 1]! - c[ci * 3 + 1]!) ** 2 + (pts[j * 3 + 2]! - c[ci * 3 + 2]!) ** 2;

  const centres = new Float64Array(k * 3);
  const nearest = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  let seeds = 0;
  let pick = counts.indexOf(Math.max(...counts));
  while (seeds < k) {
    centres.set(pts.subarray(pick * 3, pick * 3 + 3), seeds * 3);
    seeds++;
    let best = 0;
    pick = -1;
    for (let j = 0; j < m; j++) {
      nearest[j] = Math.min(nearest[j]!, d2(j, centres, seeds - 1));
      const score = counts[j]! * nearest[j]!;
      if (score > best) [best, pick] = [score, j];
    }
    if (pick < 0) break;
  }

  const assign = new Int32Array(m).fill(-1);
  const acc = new Float64Array(seeds * 4);
  for (let iter = 0; iter < 30; iter++) {
    let changed = false;
    for (let j = 0; j < m; j++) {
      let bi = 0;
      let bd = Number.POSITIVE_INFINITY;
      for (let c = 0; c < seeds; c++) {
        const d = d2(j, centres, c);
        if (d < bd) [bd, bi] = [d, c];
      }
      if (assign[j] !== bi) [assign[j], changed] = [bi, true];
    }
    if (!changed) break;
    acc.fill(0);
    for (let j = 0; j < m; j++) {
      const c = assign[j]!;
      const n = counts[j]!;
      for (let d = 0; d < 3; d++) acc[c * 4 + d]! += pts[j * 3 + d]! * n;
      acc[c * 4 + 3]! += n;
    }
    for (let c = 0; c < seeds; c++) if (acc[c * 4 + 3]! > 0) for (let d = 0; d < 3; d++) centres[c * 3 + d] = acc[c * 4 + d]! / acc[c * 4 + 3]!;
  }

  const total = counts.reduce((s, v) => s + v, 0);
  const mass = new Float64Array(seeds);
  for (let j = 0; j < m; j++) mass[assign[j]!]! += counts[j]!;
  let clusters: WeightedLab[] = [];
  for (let c = 0; c < seeds; c++) {
    if (mass[c]! > 0) clusters.push({ L: centres[c * 3]!, a: centres[c * 3 + 1]!, b: centres[c * 3 + 2]!, weight: mass[c]! / total });
  }
  clusters = mergeClose(clusters);
  return clusters.sort((p, q) => q.weight - p.weight);
}

function mergeClose(clusters: WeightedLab[]): WeightedLab[] {
  const out = [...clusters];
  for (;;) {
    let pair: [number, number] | null = null;
    let closest = MERGE_DE;
    for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const de = ciede2000(out[i]!, out[j]!);
        if (de < closest) [closest, pair] = [de, [i, j]];
      }
    }
    if (!pair) return out;
    const [p, q] = [out[pair[0]]!, out[pair[1]]!];
    const w = p.weight + q.weight;
    const mix = (u: number, v: number) => (u * p.weight + v * q.weight) / w;
    out[pair[0]] = { L: mix(p.L, q.L), a: mix(p.a, q.a), b: mix(p.b, q.b), weight: w };
    out.splice(pair[1], 1);
  }
}

// ---------------------------------------------------------------------------------
// Words for merchants

const NAMED: readonly [string, string][] = [
  ["black", "#141414"],
  ["charcoal", "#3a3d42"],
  ["grey", "#8a8a8a"],
  ["light grey", "#c9c9c9"],
  ["white", "#f7f7f5"],
  ["cream", "#f2ead8"],
  ["beige", "#d9c7a7"],
  ["camel", "#c19a6b"],
  ["brown", "#6b4a32"],
  ["burgundy", "#7a1f2e"],
  ["red", "#c8232c"],
  ["coral", "#f07c6c"],
  ["pink", "#f2a7bb"],
  ["magenta", "#c2327a"],
  ["orange", "#ec7a1c"],
  ["mustard", "#d1a22a"],
  ["yellow", "#f3d54a"],
  ["olive", "#6f6a2e"],
  ["green", "#2f8f46"],
  ["dark green", "#1e4d2e"],
  ["mint", "#a6dcc2"],
  ["teal", "#1b7a7a"],
  ["turquoise", "#3cbfc4"],
  ["light blue", "#a6c8e8"],
  ["blue", "#2f62c2"],
  ["navy", "#1f2a48"],
  ["purple", "#6b3f99"],
  ["lavender", "#c4b3e0"],
];
const NAMED_LAB = NAMED.map(([name, hex]) => ({ name, lab: hexToLab(hex) }));

/** The nearest everyday colour name: approximate on purpose. */
export function colourName(c: Lab): string {
  return maxBy(NAMED_LAB, (n) => -ciede2000(c, n.lab)).name;
}

function describeChange(from: Lab, to: Lab): string {
  const a = colourName(from);
  const b = colourName(to);
  if (a !== b) return `${a} became ${b}`;
  const dL = to.L - from.L;
  const dC = Math.hypot(to.a, to.b) - Math.hypot(from.a, from.b);
  if (Math.abs(dL) >= Math.abs(dC)) return `${a} became ${dL > 0 ? "lighter" : "darker"}`;
  return `${a} became ${dC > 0 ? "more vivid" : "duller"}`;
}

function maxBy<T>(items: readonly T[], score: (item: T) => number): T {
  let best = items[0] as T;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    const s = score(item);
    if (s > bestScore) [best, bestScore] = [item, s];
  }
  return best;
}

const fmt = (v: number) => (Math.round(v * 10) / 10).toString();
