export type Rgb = readonly [number, number, number];

export function hex(colour: string): Rgb {
  const v = Number.parseInt(colour.replace("#", ""), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export function css([r, g, b]: Rgb): string {
  const c = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  return `#${((1 << 24) | (c(r) << 16) | (c(g) << 8) | c(b)).toString(16).slice(1)}`;
}

/** `t` of the way from `a` to `b`. */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** The colour as lit by a light of the given per-channel gain. */
export function lit(c: Rgb, light: Rgb): Rgb {
  return [c[0] * light[0], c[1] * light[1], c[2] * light[2]];
}

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];

/** Numbers in SVG attributes: two decimals, never exponent notation. */
export const n = (v: number): string => (Math.round(v * 100) / 100).toString();
