import { BLACK, css, hex, mix, n, WHITE, type Rgb } from "./colour";
import type { StudioScene } from "./presets";
import type { Rng } from "./random";

export interface SceneLight {
  /** Per-channel gain of the scene's light, applied to the figure and the garment. */
  light: Rgb;
  /**
   * "wall": the figure's shadow falls on a wall behind it, offset sideways; "floor":
   * outdoors there is no wall, so the shadow is laid on the ground behind the feet.
   */
  shadow: { kind: "wall" | "floor"; opacity: number; blur: number; offset: number };
  /** Opacity of the contact shadow under the feet. */
  contact: number;
  /** Depth-of-field blur of the backdrop, as a share of the long edge. */
  dof: number;
}

// Sizes are shares of the long edge so every aspect ratio gets the same look.
export const SCENE_LIGHT: Record<StudioScene, SceneLight> = {
  studio: { light: [1, 1, 1], shadow: { kind: "wall", opacity: 0.26, blur: 0.012, offset: 0.03 }, contact: 0.5, dof: 0 },
  street: { light: [0.97, 0.995, 1.03], shadow: { kind: "wall", opacity: 0.3, blur: 0.008, offset: 0.025 }, contact: 0.55, dof: 0.0035 },
  beach: { light: [1.06, 1.02, 0.92], shadow: { kind: "floor", opacity: 0.34, blur: 0.004, offset: 0.35 }, contact: 0.5, dof: 0.003 },
  loft: { light: [1.05, 1.0, 0.92], shadow: { kind: "wall", opacity: 0.28, blur: 0.012, offset: 0.035 }, contact: 0.55, dof: 0.003 },
  nature: { light: [1.0, 1.03, 0.94], shadow: { kind: "floor", opacity: 0.24, blur: 0.008, offset: 0.25 }, contact: 0.45, dof: 0.005 },
};

export interface Backdrop {
  svg: string;
  light: SceneLight;
}

/**
 * The scene behind the figure, drawn as SVG. Each scene keeps its floor below about
 * two thirds of the height, where the figure's feet stand, and its busy detail to the
 * sides, where the figure does not cover it.
 */
export function backdropSvg(scene: StudioScene, width: number, height: number, lightFrom: -1 | 1, rng: Rng): Backdrop {
  const body = DRAW[scene]({ W: width, H: height, lightFrom, rng });
  return {
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`,
    light: SCENE_LIGHT[scene],
  };
}

interface Ctx {
  W: number;
  H: number;
  lightFrom: -1 | 1;
  rng: Rng;
}

const stops = (list: [number, Rgb | string, number?][]) =>
  list
    .map(([o, c, a]) => `<stop offset="${n(o)}" stop-color="${typeof c === "string" ? c : css(c)}"${a === undefined ? "" : ` stop-opacity="${n(a)}"`}/>`)
    .join("");

const vertical = (id: string, list: [number, Rgb | string, number?][]) =>
  `<linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1">${stops(list)}</linearGradient>`;

/** Darkened corners, as a lens and falling light give every photograph. */
const vignette = (strength: number) =>
  `<defs><radialGradient id="vig" cx="0.5" cy="0.45" r="0.78">${stops([
    [0.5, "#000", 0],
    [1, "#000", strength],
  ])}</radialGradient></defs><rect width="100%" height="100%" fill="url(#vig)"/>`;

/** Lighter or darker by up to `amount`, with a little hue drift: one material, varied. */
const jitter = (rng: Rng, c: Rgb, amount: number): Rgb => {
  const common = rng.range(-amount, amount);
  const drift = amount / 4;
  return [c[0] + common + rng.range(-drift, drift), c[1] + common + rng.range(-drift, drift), c[2] + common + rng.range(-drift, drift)];
};

function studio({ lightFrom, rng }: Ctx): string {
  const paper = hex(rng.pick(["#d6d3cd", "#cfd3d6", "#dbd1c6", "#cbcec7", "#d9d6d2"]));
  const horizon = 0.64 + rng.range(-0.02, 0.02);
  const spotX = 0.5 - lightFrom * rng.range(0.08, 0.2);
  // The sweep: the paper curves from wall to floor, lit more at the floor's front.
  return (
    `<defs>${vertical("sweep", [
      [0, mix(paper, BLACK, 0.16)],
      [horizon - 0.12, mix(paper, BLACK, 0.04)],
      [horizon + 0.06, mix(paper, WHITE, 0.16)],
      [1, mix(paper, WHITE, 0.06)],
    ])}<radialGradient id="spot" cx="${n(spotX)}" cy="0.42" r="0.55">${stops([
      [0, "#fff", 0.38],
      [1, "#fff", 0],
    ])}</radialGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#sweep)"/><rect width="100%" height="100%" fill="url(#spot)"/>` +
    vignette(0.32)
  );
}

function street({ W, H, lightFrom, rng }: Ctx): string {
  const wall = hex(rng.pick(["#c9a36b", "#b8735a", "#9aa58c", "#8196aa", "#d8cbb0", "#a58f7c"]));
  const base = H * (0.66 + rng.range(-0.015, 0.015));
  const parts: string[] = [];
  parts.push(
    `<defs>${vertical("wall", [
      [0, mix(wall, BLACK, 0.14)],
      [1, mix(wall, BLACK, 0.02)],
    ])}${vertical("pave", [
      [0, "#8d8b88"],
      [1, "#b4b1ac"],
    ])}</defs>`,
    `<rect width="${W}" height="${n(base)}" fill="url(#wall)"/>`,
  );
  // Weathered plaster.
  for (let i = 0; i < 14; i++) {
    const c = mix(wall, rng.next() < 0.5 ? BLACK : WHITE, rng.range(0.05, 0.12));
    parts.push(
      `<ellipse cx="${n(rng.range(0, W))}" cy="${n(rng.range(0, base))}" rx="${n(rng.range(0.05, 0.2) * W)}" ry="${n(rng.range(0.03, 0.1) * H)}" fill="${css(c)}" opacity="0.35"/>`,
    );
  }
  // A doorway on one side and a shuttered window on the other, clear of the figure.
  const doorLeft = rng.next() < 0.5;
  const dw = W * 0.2;
  const dx = doorLeft ? W * 0.05 : W * 0.75;
  const frame = css(mix(wall, BLACK, 0.45));
  parts.push(
    `<rect x="${n(dx - W * 0.015)}" y="${n(base * 0.3 - W * 0.015)}" width="${n(dw + W * 0.03)}" height="${n(base * 0.7 + W * 0.015)}" fill="${css(mix(wall, WHITE, 0.25))}"/>`,
    `<rect x="${n(dx)}" y="${n(base * 0.3)}" width="${n(dw)}" height="${n(base * 0.7)}" fill="#2e3236"/>`,
    `<rect x="${n(dx + dw * 0.08)}" y="${n(base * 0.34)}" width="${n(dw * 0.38)}" height="${n(base * 0.3)}" fill="#4a5258" stroke="${frame}" stroke-width="4"/>`,
    `<rect x="${n(dx + dw * 0.54)}" y="${n(base * 0.34)}" width="${n(dw * 0.38)}" height="${n(base * 0.3)}" fill="#4a5258" stroke="${frame}" stroke-width="4"/>`,
  );
  const wx = doorLeft ? W * 0.76 : W * 0.06;
  const ww = W * 0.17;
  const shutter = css(jitter(rng, hex(rng.pick(["#2f5d50", "#6b3a2e", "#34495e", "#5a5a52"])), 10));
  parts.push(
    `<rect x="${n(wx)}" y="${n(base * 0.12)}" width="${n(ww)}" height="${n(base * 0.42)}" fill="#26292c"/>`,
    `<rect x="${n(wx - ww * 0.32)}" y="${n(base * 0.12)}" width="${n(ww * 0.3)}" height="${n(base * 0.42)}" fill="${shutter}"/>`,
    `<rect x="${n(wx + ww * 1.02)}" y="${n(base * 0.12)}" width="${n(ww * 0.3)}" height="${n(base * 0.42)}" fill="${shutter}"/>`,
    `<rect x="${n(wx - ww * 0.05)}" y="${n(base * 0.54)}" width="${n(ww * 1.1)}" height="${n(H * 0.012)}" fill="${css(mix(wall, WHITE, 0.3))}"/>`,
  );
  // Plinth, kerb and paving slabs in perspective towards a vanishing point.
  parts.push(
    `<rect y="${n(base - H * 0.05)}" width="${W}" height="${n(H * 0.05)}" fill="${css(mix(wall, BLACK, 0.3))}"/>`,
    `<rect y="${n(base)}" width="${W}" height="${n(H - base)}" fill="url(#pave)"/>`,
  );
  const vx = W * (0.5 + rng.range(-0.2, 0.2));
  const vy = base - H * 0.5;
  for (let i = -12; i <= 12; i++) {
    const x = W / 2 + i * W * 0.12;
    const t = (base - vy) / (H - vy);
    parts.push(
      `<line x1="${n(vx + (x - vx) * t)}" y1="${n(base)}" x2="${n(x)}" y2="${H}" stroke="#6f6d6a" stroke-width="3" opacity="0.55"/>`,
    );
  }
  for (let y = base + H * 0.02, step = H * 0.03; y < H; y += step, step *= 1.35) {
    parts.push(`<line x1="0" y1="${n(y)}" x2="${W}" y2="${n(y)}" stroke="#6f6d6a" stroke-width="3" opacity="0.5"/>`);
  }
  // Sunlight raking along the wall from the key light's side.
  parts.push(
    `<defs><linearGradient id="sun" x1="${lightFrom < 0 ? 0 : 1}" y1="0" x2="${lightFrom < 0 ? 1 : 0}" y2="0.3">${stops([
      [0, "#fff4dc", 0.28],
      [0.7, "#fff4dc", 0],
    ])}</linearGradient></defs><rect width="100%" height="100%" fill="url(#sun)"/>`,
    vignette(0.3),
  );
  return parts.join("");
}

function beach({ W, H, lightFrom, rng }: Ctx): string {
  const horizon = H * (0.5 + rng.range(-0.02, 0.02));
  const shore = H * (0.62 + rng.range(-0.015, 0.015));
  const sea = hex(rng.pick(["#2f7fa6", "#2a8c9c", "#3a74a8"]));
  const parts: string[] = [
    `<defs>${vertical("sky", [
      [0, "#6fb3e0"],
      [0.7, "#b9dcf0"],
      [1, "#e4f1f6"],
    ])}${vertical("sea", [
      [0, mix(sea, BLACK, 0.15)],
      [1, mix(sea, WHITE, 0.3)],
    ])}${vertical("sand", [
      [0, "#cdb58a"],
      [0.25, "#e2cfa6"],
      [1, "#d8c291"],
    ])}<radialGradient id="sunglow" cx="${lightFrom < 0 ? 0.08 : 0.92}" cy="0.06" r="0.5">${stops([
      [0, "#fffbe8", 0.9],
      [1, "#fffbe8", 0],
    ])}</radialGradient><radialGradient id="cloud">${stops([
      [0, "#fff", 0.85],
      [1, "#fff", 0],
    ])}</radialGradient></defs>`,
    `<rect width="${W}" height="${n(horizon)}" fill="url(#sky)"/>`,
    `<rect width="100%" height="${n(horizon)}" fill="url(#sunglow)"/>`,
  ];
  for (let i = 0; i < 7; i++) {
    parts.push(
      `<ellipse cx="${n(rng.range(-0.1, 1.1) * W)}" cy="${n(rng.range(0.05, 0.38) * H)}" rx="${n(rng.range(0.12, 0.3) * W)}" ry="${n(rng.range(0.02, 0.05) * H)}" fill="url(#cloud)"/>`,
    );
  }
  parts.push(`<rect y="${n(horizon)}" width="${W}" height="${n(shore - horizon)}" fill="url(#sea)"/>`);
  for (let i = 0; i < 18; i++) {
    const y = rng.range(horizon, shore);
    parts.push(
      `<rect x="${n(rng.range(-0.2, 1) * W)}" y="${n(y)}" width="${n(rng.range(0.1, 0.4) * W)}" height="${n(H * 0.003 * (1 + (3 * (y - horizon)) / (shore - horizon)))}" fill="#fff" opacity="${n(rng.range(0.12, 0.3))}"/>`,
    );
  }
  // Sand, a wet band along the water, and the foam line of a spent wave.
  parts.push(`<rect y="${n(shore)}" width="${W}" height="${n(H - shore)}" fill="url(#sand)"/>`);
  const wave = Array.from({ length: 9 }, (_, i) => `${n((i / 8) * W)} ${n(shore + rng.range(-0.006, 0.01) * H)}`);
  parts.push(
    `<path d="M 0 ${n(shore)} L ${wave.join(" L ")} L ${W} ${n(shore + H * 0.03)} L 0 ${n(shore + H * 0.03)} Z" fill="#b7a27a" opacity="0.5"/>`,
    `<polyline points="${wave.join(" ")}" fill="none" stroke="#fbfbf7" stroke-width="${n(H * 0.006)}" opacity="0.85"/>`,
  );
  for (let i = 0; i < 40; i++) {
    const y = rng.range(shore + H * 0.04, H);
    parts.push(
      `<ellipse cx="${n(rng.range(0, W))}" cy="${n(y)}" rx="${n(rng.range(0.03, 0.09) * W)}" ry="${n(H * 0.003 * (1 + (4 * (y - shore)) / (H - shore)))}" fill="#a8915f" opacity="0.25"/>`,
    );
  }
  parts.push(vignette(0.22));
  return parts.join("");
}

function loft({ W, H, lightFrom, rng }: Ctx): string {
  const floorY = H * (0.68 + rng.range(-0.015, 0.015));
  const bh = H * 0.034;
  const bw = bh * 2.7;
  const gap = bh * 0.14;
  const palette = ["#9c4f3b", "#a65c45", "#8d4636", "#b06a4f", "#7f4031", "#a3573f"].map(hex);
  const parts: string[] = [`<rect width="${W}" height="${n(floorY)}" fill="#b9ab9a"/>`];
  for (let row = 0, y = 0; y < floorY; row++, y += bh) {
    for (let x = row % 2 ? -bw / 2 : 0; x < W; x += bw) {
      const c = jitter(rng, rng.pick(palette), 10);
      parts.push(`<rect x="${n(x + gap / 2)}" y="${n(y + gap / 2)}" width="${n(bw - gap)}" height="${n(bh - gap)}" fill="${css(c)}"/>`);
    }
  }
  // A steel-framed factory window on the key light's side.
  const wx = lightFrom < 0 ? W * 0.04 : W * 0.67;
  const ww = W * 0.29;
  const wy = floorY * 0.1;
  const wh = floorY * 0.66;
  parts.push(`<rect x="${n(wx)}" y="${n(wy)}" width="${n(ww)}" height="${n(wh)}" fill="#e7eef0"/>`);
  for (let i = 1; i < 4; i++) {
    parts.push(`<rect x="${n(wx + (ww * i) / 4 - 4)}" y="${n(wy)}" width="8" height="${n(wh)}" fill="#262829"/>`);
  }
  for (let j = 1; j < 6; j++) {
    parts.push(`<rect x="${n(wx)}" y="${n(wy + (wh * j) / 6 - 4)}" width="${n(ww)}" height="8" fill="#262829"/>`);
  }
  parts.push(`<rect x="${n(wx)}" y="${n(wy)}" width="${n(ww)}" height="${n(wh)}" fill="none" stroke="#1f2021" stroke-width="16"/>`);
  // Floorboards running towards a vanishing point, each plank its own shade.
  const wood = hex(rng.pick(["#8a6a4a", "#9b7b56", "#6f533b"]));
  parts.push(`<rect y="${n(floorY)}" width="${W}" height="${n(H - floorY)}" fill="${css(wood)}"/>`);
  const vx = W * 0.5;
  const vy = floorY - H * 0.6;
  const t = (floorY - vy) / (H - vy);
  const planks = 22;
  for (let i = -planks; i <= planks; i++) {
    const x0 = W / 2 + i * W * 0.09;
    const x1 = x0 + W * 0.09;
    const c = jitter(rng, wood, 12);
    parts.push(
      `<path d="M ${n(vx + (x0 - vx) * t)} ${n(floorY)} L ${n(vx + (x1 - vx) * t)} ${n(floorY)} L ${n(x1)} ${H} L ${n(x0)} ${H} Z" fill="${css(c)}" stroke="#3b2b1e" stroke-width="2" stroke-opacity="0.6"/>`,
    );
  }
  parts.push(`<rect y="${n(floorY - H * 0.018)}" width="${W}" height="${n(H * 0.018)}" fill="#3a3330"/>`);
  // Window light across the floor, and warm room light.
  const sx = lightFrom < 0 ? W * 0.05 : W * 0.6;
  parts.push(
    `<path d="M ${n(sx)} ${n(floorY)} L ${n(sx + ww)} ${n(floorY)} L ${n(sx + ww * 1.5 - lightFrom * W * 0.1)} ${H} L ${n(sx - lightFrom * W * 0.1)} ${H} Z" fill="#fff6e6" opacity="0.16"/>`,
    `<defs><linearGradient id="room" x1="${lightFrom < 0 ? 0 : 1}" y1="0" x2="${lightFrom < 0 ? 1 : 0}" y2="0">${stops([
      [0, "#ffe9c8", 0.22],
      [1, "#000", 0.18],
    ])}</linearGradient></defs><rect width="100%" height="100%" fill="url(#room)"/>`,
    vignette(0.36),
  );
  return parts.join("");
}

function nature({ W, H, lightFrom, rng }: Ctx): string {
  const ground = H * (0.7 + rng.range(-0.015, 0.015));
  const parts: string[] = [
    `<defs>${vertical("leaves", [
      [0, "#d6e7b0"],
      [0.35, "#8fb364"],
      [0.7, "#4f7a3f"],
      [1, "#3f6534"],
    ])}${vertical("grass", [
      [0, "#5c7d3a"],
      [1, "#7f9d4c"],
    ])}<radialGradient id="bokeh">${stops([
      [0, "#fff", 0.9],
      [0.8, "#fff", 0.6],
      [1, "#fff", 0],
    ])}</radialGradient></defs>`,
    `<rect width="100%" height="100%" fill="url(#leaves)"/>`,
  ];
  // Dark foliage masses, then light through the leaves as out-of-focus discs.
  for (let i = 0; i < 16; i++) {
    parts.push(
      `<ellipse cx="${n(rng.range(-0.1, 1.1) * W)}" cy="${n(rng.range(0.05, 0.65) * H)}" rx="${n(rng.range(0.1, 0.25) * W)}" ry="${n(rng.range(0.06, 0.16) * H)}" fill="${css(jitter(rng, hex("#35592b"), 12))}" opacity="0.55"/>`,
    );
  }
  for (let i = 0; i < 3; i++) {
    const x = rng.range(0, 1) * W;
    parts.push(`<rect x="${n(x)}" y="0" width="${n(W * rng.range(0.02, 0.05))}" height="${n(ground)}" fill="#3b3326" opacity="0.45"/>`);
  }
  for (let i = 0; i < 60; i++) {
    const r = rng.range(0.008, 0.035) * Math.max(W, H);
    const tint = rng.pick(["#fffbe0", "#e9f7c4", "#fdf1b8"]);
    parts.push(
      `<circle cx="${n(rng.range(0, W))}" cy="${n(rng.range(0, 0.7) * H)}" r="${n(r)}" fill="url(#bokeh)" opacity="${n(rng.range(0.15, 0.45))}"/>`,
      `<circle cx="${n(rng.range(0, W))}" cy="${n(rng.range(0, 0.7) * H)}" r="${n(r * 0.5)}" fill="${tint}" opacity="${n(rng.range(0.1, 0.3))}"/>`,
    );
  }
  parts.push(`<rect y="${n(ground)}" width="${W}" height="${n(H - ground)}" fill="url(#grass)"/>`);
  for (let i = 0; i < 50; i++) {
    const y = rng.range(ground, H);
    parts.push(
      `<ellipse cx="${n(rng.range(0, W))}" cy="${n(y)}" rx="${n(rng.range(0.02, 0.08) * W)}" ry="${n(H * 0.004 * (1 + (4 * (y - ground)) / (H - ground)))}" fill="${css(jitter(rng, hex("#456b2c"), 14))}" opacity="0.4"/>`,
    );
  }
  // Shafts of light slanting from the key light's side.
  for (let i = 0; i < 4; i++) {
    const x = (lightFrom < 0 ? rng.range(-0.2, 0.4) : rng.range(0.6, 1.2)) * W;
    const w = rng.range(0.03, 0.08) * W;
    const slant = -lightFrom * H * 0.45;
    parts.push(`<path d="M ${n(x)} 0 L ${n(x + w)} 0 L ${n(x + w + slant)} ${H} L ${n(x + slant)} ${H} Z" fill="#fffbe6" opacity="0.09"/>`);
  }
  parts.push(vignette(0.3));
  return parts.join("");
}

const DRAW: Record<StudioScene, (ctx: Ctx) => string> = { studio, street, beach, loft, nature };
