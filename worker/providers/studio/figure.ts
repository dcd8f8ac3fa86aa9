import { BLACK, css, hex, lit, mix, n, WHITE, type Rgb } from "./colour";
import type { GarmentShape } from "./cutout";
import type { FigureSpec, StudioPose } from "./presets";
import type { Rng } from "./random";

// The figure is drawn in figure units, a standing figure being 1000 units from the
// top of the head to the soles, centred on x = 0, y pointing down; one transform puts
// it on the canvas. Every anchor the garment is fitted to is in the same units, so
// figure and garment cannot drift apart.

const NECK_BASE = 160;
/** Where a top's collar sits: a little above the neck base, as the back of a collar does. */
const COLLAR = 150;
const WAIST = 390;
const HIP = 478;

export interface FigureLayout {
  width: number;
  height: number;
  /** Canvas pixels per figure unit. */
  k: number;
  /** Canvas position of the figure's origin (top of the head, body axis). */
  originX: number;
  originY: number;
  /** Canvas y of the floor under the figure. */
  groundY: number;
  spec: FigureSpec;
  pose: StudioPose;
  /** -1: key light from the left of the frame; 1: from the right. */
  lightFrom: -1 | 1;
}

/** Figure units to canvas pixels. */
export function toCanvas(layout: FigureLayout, x: number, y: number): [number, number] {
  return [layout.originX + x * layout.k, layout.originY + y * layout.k];
}

/** The dress form has no legs to walk or sit with. */
function effectivePose(spec: FigureSpec, pose: StudioPose): StudioPose {
  return spec.kind === "dress_form" && (pose === "walking" || pose === "seated") ? "standing" : pose;
}

/** Figure units from the top of the head to the floor. */
function groundUnits(spec: FigureSpec, pose: StudioPose): number {
  return effectivePose(spec, pose) === "seated" ? 860 : 1000;
}

export function layoutFigure(p: {
  width: number;
  height: number;
  spec: FigureSpec;
  pose: StudioPose;
  lightFrom: -1 | 1;
  rng: Rng;
}): FigureLayout {
  const pose = effectivePose(p.spec, p.pose);
  // Head room above even the tallest figure (height 1.03) and floor below the feet:
  // the frame a catalog photographer leaves for cropping.
  const k = (p.height * 0.9 * p.spec.height) / 1000;
  const groundY = p.height * (0.955 + p.rng.range(-0.006, 0.006));
  const originX = p.width * (0.5 + p.rng.range(-0.015, 0.015));
  return {
    width: p.width,
    height: p.height,
    k,
    originX,
    originY: groundY - groundUnits(p.spec, pose) * k,
    groundY,
    spec: p.spec,
    pose,
    lightFrom: p.lightFrom,
  };
}

/**
 * A turned figure: the near side (left of the frame) keeps most of its width and the
 * far side is foreshortened.
 */
function warpOf(pose: StudioPose): (x: number) => number {
  return pose === "three_quarter" ? (x) => (x < 0 ? x * 0.93 : x * 0.66) : (x) => x;
}

export interface GarmentPlacement {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where the cut-out goes and how large: a top hangs from the collar and is as wide
 * at the hem as the figure's hips (or shoulders, if broader) plus ease; a dress hangs
 * from the collar with its bodice at the chest's width plus ease; trousers and skirts
 * hang from the waist with their waistband at the waist's width plus the flat
 * garment's extra (half a circumference is wider than the body seen from the front).
 * Lengths are capped so nothing reaches below the floor.
 */
export function fitGarment(layout: FigureLayout, shape: GarmentShape, cutWidth: number, cutHeight: number): GarmentPlacement {
  const { spec } = layout;
  const ground = groundUnits(spec, layout.pose);
  let unitsPerPx: number;
  let topY: number;
  if (shape.kind === "bottom") {
    topY = WAIST - 8;
    unitsPerPx = (2 * spec.waistHalf * 1.35) / Math.max(1, shape.topWidth * cutWidth);
    unitsPerPx = Math.min(unitsPerPx, (ground - 20 - topY) / cutHeight);
  } else if (shape.kind === "dress") {
    topY = COLLAR;
    unitsPerPx = (2 * spec.chestHalf * 1.15) / Math.max(1, shape.chestWidth * cutWidth);
    // A flared dress laid flat spreads its hem far wider than it hangs; past these
    // caps it would swamp the figure.
    unitsPerPx = Math.min(unitsPerPx, (Math.min(ground - 40, 860) - topY) / cutHeight, (5 * spec.hipHalf) / cutWidth);
  } else {
    topY = COLLAR;
    const body = Math.max(2 * spec.shoulderHalf, 2.4 * spec.hipHalf);
    unitsPerPx = body / Math.max(1, shape.hemWidth * cutWidth);
    unitsPerPx = Math.min(unitsPerPx, (620 - topY) / cutHeight);
  }
  // Sleeves spread flat can be very wide; past this they would leave the figure behind.
  unitsPerPx = Math.min(unitsPerPx, (5.2 * spec.shoulderHalf) / cutWidth);

  const warp = warpOf(layout.pose);
  const squeeze = layout.pose === "three_quarter" ? 0.88 : 1;
  const centre = (warp(-spec.shoulderHalf) + warp(spec.shoulderHalf)) / 2;
  const width = Math.max(1, Math.round(cutWidth * unitsPerPx * squeeze * layout.k));
  const height = Math.max(1, Math.round(cutHeight * unitsPerPx * layout.k));
  const [cx, top] = toCanvas(layout, centre, topY);
  return { left: Math.round(cx - shape.centreX * width), top: Math.round(top), width, height };
}

interface Limb {
  a: [number, number];
  b: [number, number];
  ra: number;
  rb: number;
}

/** A tapered capsule from a to b, rounded at both ends: one mannequin segment. */
function capsule({ a, b, ra, rb }: Limb): string {
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
  const nx = -(b[1] - a[1]) / len;
  const ny = (b[0] - a[0]) / len;
  const p = (q: [number, number], r: number, s: number) => `${n(q[0] + nx * r * s)} ${n(q[1] + ny * r * s)}`;
  return (
    `M ${p(a, ra, 1)} L ${p(b, rb, 1)} A ${n(rb)} ${n(rb)} 0 0 0 ${p(b, rb, -1)} ` +
    `L ${p(a, ra, -1)} A ${n(ra)} ${n(ra)} 0 0 0 ${p(a, ra, 1)} Z`
  );
}

type Side = -1 | 1;

interface ArmPose {
  /** Angles from straight down, outward positive, in degrees. */
  upper: number;
  fore: number;
  /** Where the hand ends, if the pose puts it somewhere rather than letting it hang. */
  wrist?: [number, number];
}

interface LegPose {
  knee: [number, number];
  ankle: [number, number];
  toe: [number, number];
}

interface Skeleton {
  arms: Record<Side, ArmPose>;
  legs: Record<Side, LegPose>;
  headShift: number;
}

function skeleton(spec: FigureSpec, pose: StudioPose): Skeleton {
  const hx = spec.hipHalf * 0.5;
  const standingLeg = (s: Side): LegPose => ({
    knee: [s * (hx + 4), 740],
    ankle: [s * (hx + 9), 946],
    toe: [s * (hx + 14), 984],
  });
  switch (pose) {
    case "walking":
      return {
        // The near leg strides forward, the far one pushes off from its toes.
        legs: {
          [-1]: { knee: [-(hx + 22), 738], ankle: [-(hx + 52), 940], toe: [-(hx + 64), 982] },
          [1]: { knee: [hx + 30, 742], ankle: [hx + 74, 932], toe: [hx + 70, 984] },
        } as Record<Side, LegPose>,
        arms: { [-1]: { upper: 13, fore: 16 }, [1]: { upper: 6, fore: 3 } } as Record<Side, ArmPose>,
        headShift: -4,
      };
    case "seated":
      return {
        // Thighs point at the camera, so they show as short, wide segments.
        legs: {
          [-1]: { knee: [-(hx + 30), 600], ankle: [-(hx + 40), 812], toe: [-(hx + 44), 846] },
          [1]: { knee: [hx + 30, 600], ankle: [hx + 40, 812], toe: [hx + 44, 846] },
        } as Record<Side, LegPose>,
        arms: {
          [-1]: { upper: 9, fore: 0, wrist: [-(hx + 20), 575] },
          [1]: { upper: 9, fore: 0, wrist: [hx + 20, 575] },
        } as Record<Side, ArmPose>,
        headShift: 0,
      };
    default:
      return {
        legs: { [-1]: standingLeg(-1), [1]: standingLeg(1) } as Record<Side, LegPose>,
        arms: { [-1]: { upper: 11, fore: 6 }, [1]: { upper: 11, fore: 6 } } as Record<Side, ArmPose>,
        headShift: pose === "three_quarter" ? -14 : 0,
      };
  }
}

interface Paint {
  fill: string;
  outline: string;
  shadeId: string;
}

/** The figure alone on a transparent canvas, as SVG. */
export function figureSvg(layout: FigureLayout, light: Rgb): string {
  const { spec, pose, k, lightFrom } = layout;
  const base = lit(hex(spec.tone), light);
  const bright = css(mix(base, WHITE, 0.22));
  const dark = css(mix(base, BLACK, pose === "three_quarter" ? 0.34 : 0.24));
  const outline = css(mix(base, BLACK, 0.5));
  const [lo, hi] = lightFrom < 0 ? [bright, dark] : [dark, bright];
  const defs =
    `<linearGradient id="body" gradientUnits="userSpaceOnUse" x1="-260" y1="0" x2="260" y2="0">` +
    `<stop offset="0" stop-color="${lo}"/><stop offset="0.5" stop-color="${css(base)}"/><stop offset="1" stop-color="${hi}"/></linearGradient>` +
    `<radialGradient id="volume" cx="${n(0.5 - 0.12 * lightFrom)}" cy="0.4" r="0.62">` +
    `<stop offset="0.55" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.24"/></radialGradient>` +
    `<linearGradient id="metal" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#1d1d1f"/>` +
    `<stop offset="0.35" stop-color="#5a5a5e"/><stop offset="1" stop-color="#141415"/></linearGradient>`;
  const paint: Paint = { fill: "url(#body)", outline, shadeId: "volume" };
  const body = spec.kind === "dress_form" ? dressForm(spec, pose, paint) : mannequin(spec, pose, paint, lightFrom);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}"><defs>${defs}</defs>` +
    `<g transform="translate(${n(layout.originX)} ${n(layout.originY)}) scale(${n(k)})">${body}</g></svg>`
  );
}

function segment(limb: Limb, paint: Paint, lightFrom: number): string {
  const path = capsule(limb);
  // A soft highlight down the lit side of each segment reads as a rounded limb.
  const off = -lightFrom * 0.35;
  const hl: Limb = {
    a: [limb.a[0] + off * limb.ra, limb.a[1]],
    b: [limb.b[0] + off * limb.rb, limb.b[1]],
    ra: limb.ra * 0.28,
    rb: limb.rb * 0.28,
  };
  return (
    `<path d="${path}" fill="${paint.fill}" stroke="${paint.outline}" stroke-width="2.2" stroke-opacity="0.55"/>` +
    `<path d="${capsule(hl)}" fill="#fff" fill-opacity="0.16"/>`
  );
}

function mannequin(spec: FigureSpec, pose: StudioPose, paint: Paint, lightFrom: number): string {
  const warp = warpOf(pose);
  const w = (p: [number, number]): [number, number] => [warp(p[0]), p[1]];
  const sk = skeleton(spec, pose);
  const L = spec.limb;
  const S = spec.shoulderHalf;
  const parts: string[] = [];

  if (pose === "seated") parts.push(stool(spec));

  for (const side of [-1, 1] as Side[]) {
    const leg = sk.legs[side];
    const hip: [number, number] = [side * spec.hipHalf * 0.5, 505];
    parts.push(
      segment({ a: w(hip), b: w(leg.knee), ra: spec.hipHalf * 0.47 * L, rb: 27 * L }, paint, lightFrom),
      segment({ a: w(leg.knee), b: w(leg.ankle), ra: 28 * L, rb: 15 * L }, paint, lightFrom),
      pose === "back_view"
        ? segment({ a: w(leg.ankle), b: w([leg.ankle[0], leg.toe[1] + 4]), ra: 16 * L, rb: 17 * L }, paint, lightFrom)
        : segment({ a: w(leg.ankle), b: w(leg.toe), ra: 16 * L, rb: 14 * L }, paint, lightFrom),
    );
  }

  const arm = (side: Side): string => {
    const a = sk.arms[side];
    const shoulder: [number, number] = [side * (S - 24), 214];
    const rad = (deg: number) => (deg * Math.PI) / 180;
    const elbow: [number, number] = [shoulder[0] + side * Math.sin(rad(a.upper)) * 198, shoulder[1] + Math.cos(rad(a.upper)) * 198];
    const wrist: [number, number] = a.wrist ?? [elbow[0] + side * Math.sin(rad(a.fore)) * 165, elbow[1] + Math.cos(rad(a.fore)) * 165];
    const dx = wrist[0] - elbow[0];
    const dy = wrist[1] - elbow[1];
    const len = Math.hypot(dx, dy) || 1;
    const hand: [number, number] = [wrist[0] + (dx / len) * 70, wrist[1] + (dy / len) * 70];
    return (
      segment({ a: w(shoulder), b: w(elbow), ra: 24 * L, rb: 19 * L }, paint, lightFrom) +
      segment({ a: w(elbow), b: w(wrist), ra: 19 * L, rb: 14 * L }, paint, lightFrom) +
      segment({ a: w(wrist), b: w(hand), ra: 14 * L, rb: 11 * L }, paint, lightFrom)
    );
  };
  // The far arm of a turned figure is behind its torso.
  if (pose === "three_quarter") parts.push(arm(1));

  const neckHalf = 19 * L;
  const hs = sk.headShift;
  parts.push(
    `<path d="M ${n(warp(-neckHalf) + hs * 0.3)} 96 L ${n(warp(neckHalf) + hs * 0.3)} 96 L ${n(warp(neckHalf * 1.18))} ${NECK_BASE + 6} ` +
      `L ${n(warp(-neckHalf * 1.18))} ${NECK_BASE + 6} Z" fill="${paint.fill}" stroke="${paint.outline}" stroke-width="2.2" stroke-opacity="0.55"/>`,
  );

  const torso = torsoPath(spec, warp, false);
  parts.push(
    `<path d="${torso}" fill="${paint.fill}" stroke="${paint.outline}" stroke-width="2.2" stroke-opacity="0.55"/>`,
    `<path d="${torso}" fill="url(#${paint.shadeId})"/>`,
  );
  parts.push(pose === "back_view" ? backDetails(spec, warp) : frontDetails(spec, warp));

  parts.push(arm(-1));
  if (pose !== "three_quarter") parts.push(arm(1));

  parts.push(
    `<ellipse cx="${n(hs)}" cy="60" rx="${n((pose === "three_quarter" ? 37 : 40) * L)}" ry="58" fill="${paint.fill}" ` +
      `stroke="${paint.outline}" stroke-width="2.2" stroke-opacity="0.55"/>`,
  );
  if (pose === "back_view") {
    // From behind: the back of the skull (rounder, no face to catch the light), a
    // head seam, and the spine running up the neck above the collar.
    parts.push(
      `<path d="M ${n(-30 * L)} 96 Q 0 112 ${n(30 * L)} 96" fill="none" stroke="#000" stroke-opacity="0.14" stroke-width="3"/>`,
      `<path d="M 0 6 L 0 112" fill="none" stroke="#000" stroke-opacity="0.1" stroke-width="2.5"/>`,
      `<path d="M 0 118 L 0 ${NECK_BASE + 10}" fill="none" stroke="#000" stroke-opacity="0.18" stroke-width="4" stroke-linecap="round"/>`,
    );
  } else {
    parts.push(`<ellipse cx="${n(hs - lightFrom * 12)}" cy="44" rx="${n(16 * L)}" ry="26" fill="#fff" fill-opacity="0.14"/>`);
  }
  return parts.join("");
}

/** Neck base to crotch (mannequin) or to the bottom rim (dress form), symmetric. */
function torsoPath(spec: FigureSpec, warp: (x: number) => number, form: boolean): string {
  const S = spec.shoulderHalf;
  const C = spec.chestHalf;
  const Wa = spec.waistHalf;
  const Hp = spec.hipHalf;
  const nh = 20 * spec.limb * (form ? 1.25 : 1);
  // One side as cubic segments from the neck base down; mirrored for the other.
  const side = (s: number) => {
    const P = (x: number, y: number) => `${n(warp(s * x))} ${n(y)}`;
    const rim = form ? 548 : 522;
    return [
      P(nh, NECK_BASE),
      `C ${P(nh + 34, NECK_BASE + 8)} ${P(S - 26, 176)} ${P(S, 206)}`,
      `C ${P(S + (form ? 2 : 8), 222)} ${P(C + 4, 244)} ${P(C, 272)}`,
      `C ${P(C, 322)} ${P(Wa, 346)} ${P(Wa, WAIST)}`,
      `C ${P(Wa, 432)} ${P(Hp, 440)} ${P(Hp, HIP)}`,
      form ? `C ${P(Hp + 2, 505)} ${P(Hp + 4, 530)} ${P(Hp + 2, rim)}` : `C ${P(Hp * 1.01, 500)} ${P(Hp * 0.98, 512)} ${P(Hp * 0.94, rim)}`,
    ];
  };
  const right = side(1);
  const left = side(-1);
  const down = `M ${right[0]} ${right.slice(1).join(" ")}`;
  // The way back up the left side: the same curves, reversed.
  const reversed: string[] = [];
  const pts = left.map((seg) => seg.replace(/^C /, "").split(" "));
  for (let i = pts.length - 1; i >= 1; i--) {
    const c = pts[i]!;
    const prev = pts[i - 1]!;
    const end = [prev[prev.length - 2], prev[prev.length - 1]];
    reversed.push(`C ${c[2]} ${c[3]} ${c[0]} ${c[1]} ${end[0]} ${end[1]}`);
  }
  const rimY = form ? 548 : 522;
  const bottom = form
    ? `Q ${n(warp(0))} ${rimY + 26} ${left[left.length - 1]!.split(" ").slice(-2).join(" ")}`
    : `Q ${n(warp(Hp * 0.5))} ${rimY + 40} ${n(warp(0))} ${rimY + 42} Q ${n(warp(-Hp * 0.5))} ${rimY + 40} ${left[left.length - 1]!.split(" ").slice(-2).join(" ")}`;
  return `${down} ${bottom} ${reversed.join(" ")} Z`;
}

function frontDetails(spec: FigureSpec, warp: (x: number) => number): string {
  const S = spec.shoulderHalf;
  const line = (d: string) => `<path d="${d}" fill="none" stroke="#000" stroke-opacity="0.12" stroke-width="3" stroke-linecap="round"/>`;
  return (
    line(`M ${n(warp(-12))} 182 Q ${n(warp(-S * 0.45))} 176 ${n(warp(-S * 0.78))} 190`) +
    line(`M ${n(warp(12))} 182 Q ${n(warp(S * 0.45))} 176 ${n(warp(S * 0.78))} 190`)
  );
}

function backDetails(spec: FigureSpec, warp: (x: number) => number): string {
  const C = spec.chestHalf;
  const line = (d: string, o: number) =>
    `<path d="${d}" fill="none" stroke="#000" stroke-opacity="${o}" stroke-width="3" stroke-linecap="round"/>`;
  return (
    line(`M ${n(warp(0))} 178 L ${n(warp(0))} 420`, 0.16) +
    line(`M ${n(warp(-C * 0.25))} 232 Q ${n(warp(-C * 0.75))} 236 ${n(warp(-C * 0.7))} 300`, 0.1) +
    line(`M ${n(warp(C * 0.25))} 232 Q ${n(warp(C * 0.75))} 236 ${n(warp(C * 0.7))} 300`, 0.1)
  );
}

function stool(spec: FigureSpec): string {
  const r = spec.hipHalf * 1.7;
  const wood = "#6b5a48";
  const leg = (x0: number, x1: number) =>
    `<path d="M ${n(x0 - 7)} 570 L ${n(x1 - 6)} 860 L ${n(x1 + 6)} 860 L ${n(x0 + 7)} 570 Z" fill="${wood}" stroke="#2c241c" stroke-opacity="0.5" stroke-width="2"/>`;
  return (
    leg(-r * 0.8, -r * 1.02) +
    leg(r * 0.8, r * 1.02) +
    leg(-r * 0.3, -r * 0.36) +
    leg(r * 0.3, r * 0.36) +
    `<path d="M ${n(-r)} 548 L ${n(r)} 548 L ${n(r)} 572 L ${n(-r)} 572 Z" fill="#7a6753" stroke="#2c241c" stroke-opacity="0.5" stroke-width="2"/>` +
    `<ellipse cx="0" cy="548" rx="${n(r)}" ry="12" fill="#8c7862"/>`
  );
}

function dressForm(spec: FigureSpec, pose: StudioPose, paint: Paint): string {
  const warp = warpOf(pose);
  const neck = 25 * spec.limb;
  const parts: string[] = [];
  // Stand first: the tripod, the pole and its height collar, all behind the torso.
  const hub = 900;
  const foot = (x: number, y: number) =>
    `<path d="M -8 ${hub} L ${n(x - 6)} ${n(y)} L ${n(x + 6)} ${n(y)} L 8 ${hub} Z" fill="url(#metal)"/>` +
    `<ellipse cx="${n(x)}" cy="${n(y + 2)}" rx="11" ry="6" fill="#111"/>`;
  parts.push(
    foot(-165, 992),
    foot(165, 992),
    foot(22, 1000),
    `<rect x="-9" y="540" width="18" height="${hub - 540 + 6}" fill="url(#metal)"/>`,
    `<rect x="-16" y="700" width="32" height="26" rx="4" fill="url(#metal)"/>`,
    `<ellipse cx="0" cy="${hub + 4}" rx="20" ry="9" fill="#1b1b1c"/>`,
  );
  // The neck stub and its cap.
  parts.push(
    `<path d="M ${n(warp(-neck))} 118 L ${n(warp(neck))} 118 L ${n(warp(neck * 1.1))} ${NECK_BASE + 6} L ${n(warp(-neck * 1.1))} ${NECK_BASE + 6} Z" ` +
      `fill="${paint.fill}" stroke="${paint.outline}" stroke-width="2.2" stroke-opacity="0.55"/>`,
    `<ellipse cx="${n(warp(0))}" cy="118" rx="${n(neck * 0.95)}" ry="8" fill="#2a2623"/>`,
    `<rect x="${n(warp(0) - 5)}" y="98" width="10" height="20" rx="3" fill="#2a2623"/>`,
  );
  const torso = torsoPath(spec, warp, true);
  parts.push(
    `<path d="${torso}" fill="${paint.fill}" stroke="${paint.outline}" stroke-width="2.2" stroke-opacity="0.55"/>`,
    `<path d="${torso}" fill="url(#${paint.shadeId})"/>`,
  );
  // Linen seams: centre and princess lines, the marks of a tailor's form.
  const seam = (d: string) => `<path d="${d}" fill="none" stroke="#5b4e3a" stroke-opacity="0.35" stroke-width="2.5"/>`;
  const C = spec.chestHalf;
  const Wa = spec.waistHalf;
  const Hp = spec.hipHalf;
  parts.push(seam(`M ${n(warp(0))} ${NECK_BASE + 6} L ${n(warp(0))} 560`));
  if (pose !== "back_view") {
    for (const s of [-1, 1]) {
      parts.push(
        seam(
          `M ${n(warp(s * spec.shoulderHalf * 0.55))} 186 C ${n(warp(s * C * 0.62))} 280 ${n(warp(s * Wa * 0.55))} 340 ` +
            `${n(warp(s * Wa * 0.55))} ${WAIST} S ${n(warp(s * Hp * 0.62))} 500 ${n(warp(s * Hp * 0.62))} 548`,
        ),
      );
    }
  }
  parts.push(`<path d="M ${n(warp(-spec.hipHalf - 2))} 548 Q ${n(warp(0))} 574 ${n(warp(spec.hipHalf + 2))} 548" fill="none" stroke="#2a2623" stroke-width="5"/>`);
  return parts.join("");
}

/** Soft contact shadows under the feet (or the stand) on a transparent canvas. */
export function groundShadowSvg(layout: FigureLayout, opacity: number): string {
  const { spec, pose } = layout;
  const [cx, gy] = toCanvas(layout, 0, groundUnits(spec, pose));
  const k = layout.k;
  const spread = spec.kind === "dress_form" ? 190 : pose === "seated" ? 200 : pose === "walking" ? 170 : 120;
  const blob = (x: number, rx: number, ry: number, o: number) =>
    `<ellipse cx="${n(x)}" cy="${n(gy - ry * 0.2)}" rx="${n(rx)}" ry="${n(ry)}" fill="url(#g)" opacity="${n(o)}"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}"><defs>` +
    `<radialGradient id="g"><stop offset="0" stop-color="#000" stop-opacity="1"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient></defs>` +
    blob(cx, spread * 1.5 * k, 34 * k, opacity * 0.7) +
    blob(cx, spread * 0.9 * k, 14 * k, opacity) +
    `</svg>`
  );
}
