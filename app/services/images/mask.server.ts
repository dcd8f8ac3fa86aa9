// Binary masks on a w×h grid, one byte per pixel (0 or 1). Every pass is O(pixels)
// whatever its radius, and allocates at most a few masks of the same size, so a
// working-size cut-out stays in the low megabytes.

export type Mask = Uint8Array;

/** 4-connected flood fill over `passable`, from every passable seed index. */
export function floodFill(passable: Mask, w: number, h: number, seeds: Iterable<number>): Mask {
  const reached = new Uint8Array(w * h);
  const queue = new Int32Array(w * h);
  let tail = 0;
  for (const s of seeds) {
    if (passable[s] && !reached[s]) {
      reached[s] = 1;
      queue[tail++] = s;
    }
  }
  const visit = (j: number) => {
    if (passable[j] && !reached[j]) {
      reached[j] = 1;
      queue[tail++] = j;
    }
  };
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

export interface Components {
  /** 0 for pixels outside the mask, else 1-based component id. */
  labels: Int32Array;
  /** areas[id]; areas[0] is unused. */
  areas: number[];
  /** Whether component id touches the image border. */
  touchesBorder: boolean[];
}

/** 8-connected components of the set pixels. */
export function components(mask: Mask, w: number, h: number): Components {
  const labels = new Int32Array(w * h);
  const areas = [0];
  const touchesBorder = [false];
  const stack = new Int32Array(w * h);
  let next = 1;
  for (let start = 0; start < w * h; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = next++;
    let area = 0;
    let border = false;
    let top = 0;
    stack[top++] = start;
    labels[start] = id;
    while (top > 0) {
      const i = stack[--top]!;
      area++;
      const x = i % w;
      const y = (i - x) / w;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) border = true;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= w) continue;
          const j = ny * w + nx;
          if (mask[j] && !labels[j]) {
            labels[j] = id;
            stack[top++] = j;
          }
        }
      }
    }
    areas.push(area);
    touchesBorder.push(border);
  }
  return { labels, areas, touchesBorder };
}

/**
 * Square-window dilation (`any`) or erosion (`all`), as two separable sliding-window
 * passes. The window is clipped at the image edge rather than padded, so a garment
 * cropped by the frame is not eaten from the frame inwards.
 */
function slide(mask: Mask, w: number, h: number, r: number, all: boolean): Mask {
  if (r <= 0) return mask.slice();
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  pass(mask, tmp, w, h, 1, w, r, all);
  pass(tmp, out, h, w, w, 1, r, all);
  return out;
}

/** Runs along lines of length `len` (stride `step`), `lines` of them `lineStep` apart. */
function pass(src: Mask, dst: Mask, len: number, lines: number, step: number, lineStep: number, r: number, all: boolean): void {
  for (let line = 0; line < lines; line++) {
    const base = line * lineStep;
    let count = 0;
    // Window [k - r, k + r] clipped to [0, len - 1]; count of set pixels within it.
    for (let k = 0; k < Math.min(r, len); k++) count += src[base + k * step]!;
    for (let k = 0; k < len; k++) {
      const add = k + r;
      if (add < len) count += src[base + add * step]!;
      const drop = k - r - 1;
      if (drop >= 0) count -= src[base + drop * step]!;
      const size = Math.min(len - 1, k + r) - Math.max(0, k - r) + 1;
      dst[base + k * step] = all ? (count === size ? 1 : 0) : count > 0 ? 1 : 0;
    }
  }
}

/**
 * Closing along one axis only: fills gaps shorter than 2r + 1 between set pixels in
 * the same column ("vertical") or row ("horizontal"), leaving concavities that open
 * sideways (a neckline, the gap between trouser legs) alone.
 */
export function closeAlong(mask: Mask, w: number, h: number, r: number, axis: "vertical" | "horizontal"): Mask {
  if (r <= 0) return mask.slice();
  const grown = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  if (axis === "horizontal") {
    pass(mask, grown, w, h, 1, w, r, false);
    pass(grown, out, w, h, 1, w, r, true);
  } else {
    pass(mask, grown, h, w, w, 1, r, false);
    pass(grown, out, h, w, w, 1, r, true);
  }
  return out;
}

export const dilate = (mask: Mask, w: number, h: number, r: number): Mask => slide(mask, w, h, r, false);
export const erode = (mask: Mask, w: number, h: number, r: number): Mask => slide(mask, w, h, r, true);
/** Fills cracks and pinholes narrower than 2r. */
export const close = (mask: Mask, w: number, h: number, r: number): Mask => erode(dilate(mask, w, h, r), w, h, r);
/** Removes specks and threads narrower than 2r. */
export const open = (mask: Mask, w: number, h: number, r: number): Mask => dilate(erode(mask, w, h, r), w, h, r);

export function count(mask: Mask): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  return n;
}

/** The indices of the frame's pixels: the seeds of a flood from outside the picture. */
export function borderIndices(w: number, h: number): number[] {
  const border: number[] = [];
  for (let x = 0; x < w; x++) border.push(x, (h - 1) * w + x);
  for (let y = 1; y < h - 1; y++) border.push(y * w, y * w + w - 1);
  return border;
}

/** The largest part and any part at least `share` of its size (the other sock). */
export function largestComponent(mask: Mask, w: number, h: number, share = 1): Mask {
  const { labels, areas } = components(mask, w, h);
  const largest = Math.max(0, ...areas);
  const out = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) out[i] = labels[i] && areas[labels[i]!]! >= share * largest ? 1 : 0;
  return out;
}

/** Sets the unset pixels that the frame's edge cannot reach. */
export function fillHoles(mask: Mask, w: number, h: number): Mask {
  const unset = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) unset[i] = mask[i] ? 0 : 1;
  const outside = floodFill(unset, w, h, borderIndices(w, h));
  const out = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) out[i] = mask[i] || !outside[i] ? 1 : 0;
  return out;
}
