import sharp, { type OverlayOptions } from "sharp";
import { backdropSvg, type SceneLight } from "./backdrop";
import type { Rgb } from "./colour";
import { cutOutGarment, type GarmentCutout } from "./cutout";
import { figureSvg, fitGarment, groundShadowSvg, layoutFigure, type FigureLayout } from "./figure";
import { resolveFigure, resolvePose, resolveScene } from "./presets";
import { seededRng } from "./random";

export { StudioInputError, type StudioInputErrorCode } from "./errors";

export type StudioAspectRatio = "1:1" | "3:4" | "4:5" | "2:3" | "9:16" | "16:9";

export interface StudioRequest {
  /** The product photo (JPEG, PNG or WebP), already validated upstream. */
  input: Buffer;
  /** Any string; one the studio does not know is drawn as the nearest figure it does. */
  modelPreset: string;
  /** Unknown poses are drawn standing. */
  posePreset: string;
  /** Unknown scenes are drawn as the studio sweep. */
  scenePreset: string;
  aspectRatio?: StudioAspectRatio;
  /** Same request and seed, same bytes. */
  seed: number;
  /** "hd": higher JPEG quality, full-resolution colour and extra shading on the garment. */
  quality?: "standard" | "hd";
}

export interface StudioResult {
  image: Buffer;
  mimeType: "image/jpeg";
  width: number;
  height: number;
  /** Share of the input's pixels kept as garment, 0..1. */
  maskCoverage: number;
}

export const LONG_EDGE = 2048;

const RATIOS: Record<StudioAspectRatio, [number, number]> = {
  "1:1": [1, 1],
  "3:4": [3, 4],
  "4:5": [4, 5],
  "2:3": [2, 3],
  "9:16": [9, 16],
  "16:9": [16, 9],
};

export function outputSize(aspectRatio: StudioAspectRatio = "3:4"): { width: number; height: number } {
  const [w, h] = RATIOS[aspectRatio] ?? RATIOS["3:4"];
  return w >= h ? { width: LONG_EDGE, height: Math.round((LONG_EDGE * h) / w) } : { width: Math.round((LONG_EDGE * w) / h), height: LONG_EDGE };
}

/**
 * Composites the product photo's garment onto a drawn mannequin or dress form in a
 * drawn scene. No AI and no network: the photo is cut out by its background colour,
 * so what comes out is the merchant's own garment, unaltered but for light and scale.
 */
export async function renderStudioShot(req: StudioRequest): Promise<StudioResult> {
  const { width, height } = outputSize(req.aspectRatio);
  const spec = resolveFigure(req.modelPreset);
  const pose = resolvePose(req.posePreset);
  const scene = resolveScene(req.scenePreset);
  const hd = req.quality === "hd";
  const lightFrom: -1 | 1 = seededRng(req.seed, "light").next() < 0.5 ? -1 : 1;

  const cut = await cutOutGarment(req.input);
  const layout = layoutFigure({ width, height, spec, pose, lightFrom, rng: seededRng(req.seed, "figure") });
  const backdrop = backdropSvg(scene, width, height, lightFrom, seededRng(req.seed, "backdrop"));
  const light = backdrop.light;

  const [background, figure, garment] = await Promise.all([
    renderBackdrop(backdrop.svg, light, width, height),
    sharp(Buffer.from(figureSvg(layout, light.light))).ensureAlpha().raw().toBuffer(),
    placeGarment(cut, layout, light.light, hd),
  ]);
  const [shadow, garmentShadow] = await Promise.all([castShadow(figure, garment, layout, light), garmentContactShadow(garment, layout)]);

  const overlays: OverlayOptions[] = [
    { input: shadow, raw: { width, height, channels: 4 } },
    { input: Buffer.from(groundShadowSvg(layout, light.contact)) },
    { input: figure, raw: { width, height, channels: 4 } },
  ];
  for (const layer of [garmentShadow, garment]) {
    const visible = clip(layer, width, height);
    if (visible) overlays.push({ input: visible.data, raw: { width: visible.width, height: visible.height, channels: 4 }, left: visible.left, top: visible.top });
  }
  // Fine grain over the whole frame: it ties the drawn and photographed parts
  // together and keeps smooth gradients from banding in the JPEG.
  overlays.push({ input: grainTile(req.seed), raw: { width: GRAIN, height: GRAIN, channels: 3 }, tile: true, blend: "overlay" });

  const image = await sharp(background, { raw: { width, height, channels: 3 } })
    .composite(overlays)
    .jpeg({ quality: hd ? 94 : 88, chromaSubsampling: hd ? "4:4:4" : "4:2:0" })
    .toBuffer();
  return { image, mimeType: "image/jpeg", width, height, maskCoverage: cut.coverage };
}

async function renderBackdrop(svg: string, light: SceneLight, width: number, height: number): Promise<Buffer> {
  let pipeline = sharp(Buffer.from(svg));
  const sigma = light.dof * Math.max(width, height);
  // Backgrounds a long lens would blur: drawn sharp, they would compete with the garment.
  if (sigma >= 0.3) pipeline = pipeline.blur(sigma);
  return pipeline.removeAlpha().raw().toBuffer();
}

interface Layer {
  data: Buffer;
  width: number;
  height: number;
  left: number;
  top: number;
}

/**
 * The cut-out at its place on the figure, lit like the scene: the scene light's
 * colour, light falling off towards the hem and away from the key light, and in HD a
 * rounding shade across the body.
 */
async function placeGarment(cut: GarmentCutout, layout: FigureLayout, light: Rgb, hd: boolean): Promise<Layer> {
  const place = fitGarment(layout, cut.shape, cut.width, cut.height);
  const data = await sharp(cut.rgba, { raw: { width: cut.width, height: cut.height, channels: 4 } })
    .resize(place.width, place.height, { fit: "fill", kernel: "lanczos3" })
    .raw()
    .toBuffer();
  const { width, height } = place;
  const centre = cut.shape.centreX;
  for (let y = 0; y < height; y++) {
    const fall = 1.05 - 0.12 * (y / height);
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if (data[i + 3] === 0) continue;
      const side = ((x + 0.5) / width - centre) * 2;
      let g = fall * (1 + 0.06 * side * -layout.lightFrom);
      if (hd) g *= 1 - 0.1 * Math.min(1, side * side);
      data[i] = Math.min(255, data[i]! * g * light[0]);
      data[i + 1] = Math.min(255, data[i + 1]! * g * light[1]);
      data[i + 2] = Math.min(255, data[i + 2]! * g * light[2]);
    }
  }
  return { data, width, height, left: place.left, top: place.top };
}

/** The part of a layer that lies on the canvas, or null if none does. */
function clip(layer: Layer, W: number, H: number): Layer | null {
  const x0 = Math.max(0, layer.left);
  const y0 = Math.max(0, layer.top);
  const x1 = Math.min(W, layer.left + layer.width);
  const y1 = Math.min(H, layer.top + layer.height);
  if (x1 <= x0 || y1 <= y0) return null;
  if (x0 === layer.left && y0 === layer.top && x1 - x0 === layer.width && y1 - y0 === layer.height) return layer;
  const w = x1 - x0;
  const h = y1 - y0;
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    const src = ((y0 - layer.top + y) * layer.width + (x0 - layer.left)) * 4;
    layer.data.copy(data, y * w * 4, src, src + w * 4);
  }
  return { data, width: w, height: h, left: x0, top: y0 };
}

/** Shadows are worked out at a quarter of the size: they are blurred anyway. */
const SHADOW_SCALE = 4;
const SHADOW_COLOUR = { r: 18, g: 16, b: 24 };

/**
 * The shadow of figure and garment together: offset onto the wall behind, or laid on
 * the ground behind the feet and foreshortened, away from the key light.
 */
async function castShadow(figure: Buffer, garment: Layer, layout: FigureLayout, light: SceneLight): Promise<Buffer> {
  const { width: W, height: H } = layout;
  const w = Math.ceil(W / SHADOW_SCALE);
  const h = Math.ceil(H / SHADOW_SCALE);
  const quarter = (input: Buffer, iw: number, ih: number, ow: number, oh: number) =>
    sharp(input, { raw: { width: iw, height: ih, channels: 4 } })
      .extractChannel(3)
      .resize(ow, oh, { fit: "fill" })
      .toColourspace("b-w")
      .raw()
      .toBuffer();
  const gw = Math.max(1, Math.round(garment.width / SHADOW_SCALE));
  const gh = Math.max(1, Math.round(garment.height / SHADOW_SCALE));
  const [silhouette, garmentAlpha] = await Promise.all([quarter(figure, W, H, w, h), quarter(garment.data, garment.width, garment.height, gw, gh)]);
  const gx = Math.round(garment.left / SHADOW_SCALE);
  const gy = Math.round(garment.top / SHADOW_SCALE);
  for (let y = Math.max(0, gy); y < Math.min(h, gy + gh); y++) {
    for (let x = Math.max(0, gx); x < Math.min(w, gx + gw); x++) {
      const a = garmentAlpha[(y - gy) * gw + (x - gx)]!;
      if (a > silhouette[y * w + x]!) silhouette[y * w + x] = a;
    }
  }

  const long = Math.max(W, H) / SHADOW_SCALE;
  const cast = Buffer.alloc(w * h);
  const away = -layout.lightFrom;
  if (light.shadow.kind === "wall") {
    const dx = Math.round(away * light.shadow.offset * long);
    const dy = Math.round(-0.004 * long);
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < w; x++) {
        const sx = x - dx;
        if (sx >= 0 && sx < w) cast[y * w + x] = silhouette[sy * w + sx]!;
      }
    }
  } else {
    // Each row above the ground line shows the silhouette's row `squash` times as high,
    // sheared away from the light as it recedes.
    const ground = layout.groundY / SHADOW_SCALE;
    const squash = light.shadow.offset;
    const shear = 0.7;
    for (let y = 0; y < Math.min(h, Math.ceil(ground)); y++) {
      const d = ground - y;
      const sy = Math.round(ground - d / squash);
      if (sy < 0) continue;
      const shift = Math.round(away * shear * d);
      for (let x = 0; x < w; x++) {
        const sx = x - shift;
        if (sx >= 0 && sx < w) cast[y * w + x] = silhouette[sy * w + sx]!;
      }
    }
  }

  // Separate pipelines: sharp runs its operations in a fixed order (resize before
  // blur), not in the order they are chained.
  const blurred = await sharp(cast, { raw: { width: w, height: h, channels: 1 } })
    .blur(Math.max(0.5, light.shadow.blur * long))
    .toColourspace("b-w")
    .raw()
    .toBuffer();
  for (let i = 0; i < blurred.length; i++) blurred[i] = blurred[i]! * light.shadow.opacity;
  const alpha = await sharp(blurred, { raw: { width: w, height: h, channels: 1 } })
    .resize(W, H, { fit: "fill" })
    .toColourspace("b-w")
    .raw()
    .toBuffer();
  return sharp({ create: { width: W, height: H, channels: 3, background: SHADOW_COLOUR } })
    .joinChannel(alpha, { raw: { width: W, height: H, channels: 1 } })
    .raw()
    .toBuffer();
}

/** The garment's own soft shadow on the figure just below and beside it. */
async function garmentContactShadow(garment: Layer, layout: FigureLayout): Promise<Layer> {
  const long = Math.max(layout.width, layout.height);
  const pad = Math.ceil(0.01 * long);
  const width = garment.width + 2 * pad;
  const height = garment.height + 2 * pad;
  const padded = Buffer.alloc(width * height);
  for (let y = 0; y < garment.height; y++) {
    for (let x = 0; x < garment.width; x++) padded[(y + pad) * width + x + pad] = garment.data[(y * garment.width + x) * 4 + 3]!;
  }
  const alpha = await sharp(padded, { raw: { width, height, channels: 1 } })
    .blur(0.004 * long)
    .toColourspace("b-w")
    .raw()
    .toBuffer();
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = SHADOW_COLOUR.r;
    data[i * 4 + 1] = SHADOW_COLOUR.g;
    data[i * 4 + 2] = SHADOW_COLOUR.b;
    data[i * 4 + 3] = alpha[i]! * 0.45;
  }
  return {
    data,
    width,
    height,
    left: garment.left - pad + Math.round(-layout.lightFrom * 0.002 * long),
    top: garment.top - pad + Math.round(0.004 * long),
  };
}

const GRAIN = 128;

function grainTile(seed: number): Buffer {
  const rng = seededRng(seed, "grain");
  const tile = Buffer.alloc(GRAIN * GRAIN * 3);
  for (let i = 0; i < GRAIN * GRAIN; i++) {
    const v = 128 + Math.round((rng.next() * 2 - 1) * 7);
    tile[i * 3] = v;
    tile[i * 3 + 1] = v;
    tile[i * 3 + 2] = v;
  }
  return tile;
}
