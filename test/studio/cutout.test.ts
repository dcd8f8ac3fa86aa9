import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { cutOutGarment, type GarmentCutout } from "../../worker/providers/studio/cutout";
import { StudioInputError } from "../../worker/providers/studio/errors";
import { dilate, erode } from "../../app/services/images/mask.server";
import { mulberry32 } from "../../worker/providers/studio/random";
import { garmentPhoto, HEIGHT, LIGHT_GREY, noisyJpeg, shapeMask, transparentPhoto, WIDTH, type ShapeName } from "./fixtures";

const area = (mask: Uint8Array) => mask.reduce((a, b) => a + b, 0) / mask.length;

/** The cut-out's alpha at a pixel of the source photo; 0 outside the crop. */
function alphaAt(cut: GarmentCutout, x: number, y: number): number {
  const cx = x - cut.box.left;
  const cy = y - cut.box.top;
  if (cx < 0 || cy < 0 || cx >= cut.width || cy >= cut.height) return 0;
  return cut.rgba[(cy * cut.width + cx) * 4 + 3]!;
}

/**
 * Compares the cut-out with the true shape away from its outline (the outline itself
 * is feathered on purpose): pixels 4 px inside must be opaque, pixels 4 px outside
 * transparent. Returns the share of such pixels that are wrong.
 */
function disagreement(cut: GarmentCutout, truth: Uint8Array): { inside: number; outside: number } {
  const inner = erode(truth, WIDTH, HEIGHT, 4);
  const outer = dilate(truth, WIDTH, HEIGHT, 4);
  let inWrong = 0;
  let inTotal = 0;
  let outWrong = 0;
  let outTotal = 0;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = y * WIDTH + x;
      if (inner[i]) {
        inTotal++;
        if (alphaAt(cut, x, y) < 250) inWrong++;
      } else if (!outer[i]) {
        outTotal++;
        if (alphaAt(cut, x, y) > 5) outWrong++;
      }
    }
  }
  return { inside: inWrong / inTotal, outside: outWrong / outTotal };
}

interface Tolerance {
  /** Relative error of the coverage. */
  coverage?: number;
  /** Share of interior pixels allowed to come out transparent. */
  inside?: number;
  shiftDown?: number;
}

async function expectFaithful(input: Buffer, shape: ShapeName, tolerance: Tolerance = {}): Promise<GarmentCutout> {
  const truth = await shapeMask(shape, tolerance.shiftDown);
  const cut = await cutOutGarment(input);
  expect(cut.sourceWidth).toBe(WIDTH);
  expect(cut.sourceHeight).toBe(HEIGHT);
  expect(Math.abs(cut.coverage - area(truth)) / area(truth)).toBeLessThan(tolerance.coverage ?? 0.03);
  const wrong = disagreement(cut, truth);
  expect(wrong.inside).toBeLessThan(tolerance.inside ?? 0.002);
  expect(wrong.outside).toBeLessThan(0.002);
  return cut;
}

async function refusal(input: Buffer): Promise<StudioInputError> {
  const error = await cutOutGarment(input).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StudioInputError);
  return error as StudioInputError;
}

describe("cutOutGarment", () => {
  it("cuts a red T-shirt out of a light grey background, keeping its colour", async () => {
    const cut = await expectFaithful(await garmentPhoto("tee"), "tee");
    // Centre of the chest, in source coordinates: the garment's own red, fully opaque.
    const i = ((600 - cut.box.top) * cut.width + (450 - cut.box.left)) * 4;
    expect([...cut.rgba.subarray(i, i + 4)]).toEqual([200, 16, 46, 255]);
    expect(alphaAt(cut, 20, 20)).toBe(0);
    expect(cut.shape.kind).toBe("top");
  });

  it("follows a gradient background from light to dark across the frame", async () => {
    await expectFaithful(await garmentPhoto("tee", { background: { kind: "gradient", from: "#ffffff", to: "#7d838f" } }), "tee");
  });

  it("copes with sensor noise and JPEG compression", async () => {
    await expectFaithful(await noisyJpeg(await garmentPhoto("dress", { fill: "#1f7a5c" }), 16, 65), "dress");
  });

  it("gives the feathered edge the garment's colour, not the background's", async () => {
    // JPEG halves colour resolution: the outline's pixels are pink-grey mixtures that
    // would draw a pale line around the garment on any other background.
    const cut = await cutOutGarment(await noisyJpeg(await garmentPhoto("tee"), 4, 75));
    let edge = 0;
    let pale = 0;
    for (let i = 0; i < cut.width * cut.height; i++) {
      const a = cut.rgba[i * 4 + 3]!;
      if (a === 0 || a === 255) continue;
      edge++;
      if (cut.rgba[i * 4 + 1]! > 90) pale++;
    }
    expect(edge).toBeGreaterThan(1000);
    expect(pale / edge).toBeLessThan(0.01);
  });

  it("leaves a packshot's soft drop shadow and floor shadow behind", async () => {
    await expectFaithful(await garmentPhoto("tee", { shadow: true }), "tee");
  });

  it("keeps a pale grey garment on white, which is by colour a shade of the background", async () => {
    const input = await garmentPhoto("tee", { fill: "#cdcdcd", background: { kind: "solid", colour: "#f7f7f7" } });
    await expectFaithful(input, "tee", { coverage: 0.05 });
  });

  it("keeps the pale stripes of a Breton top even when they are the backdrop's own colour", async () => {
    const input = await noisyJpeg(await garmentPhoto("tee", { fill: "#1f3b64", stripes: LIGHT_GREY.colour }), 6, 85);
    // A pale stripe on the outline itself (the hem's last one) has nothing to tell it
    // from the backdrop, hence the looser interior tolerance.
    const cut = await expectFaithful(input, "tee", { coverage: 0.04, inside: 0.03 });
    // Mid-chest, on a pale stripe: opaque, and pale.
    const i = ((16 + 6 + 44 * 12 - cut.box.top) * cut.width + (450 - cut.box.left)) * 4;
    expect(cut.rgba[i + 3]).toBe(255);
    expect(cut.rgba[i]).toBeGreaterThan(200);
  });

  it("keeps a garment that runs off the bottom of the frame", async () => {
    const cut = await expectFaithful(await garmentPhoto("trousers", { fill: "#2b3a55", shiftDown: 200 }), "trousers", { shiftDown: 200 });
    expect(cut.box.top + cut.box.height).toBe(HEIGHT);
  });

  it("uses the transparency of a photo that is already cut out", async () => {
    await expectFaithful(await transparentPhoto("dress", "#f2f2f2"), "dress");
  });

  it("tells tops, dresses and trousers apart by their outline", async () => {
    const kinds = await Promise.all(
      (["tee", "dress", "trousers"] as const).map(async (shape) => (await cutOutGarment(await garmentPhoto(shape))).shape.kind),
    );
    expect(kinds).toEqual(["top", "dress", "bottom"]);
  });

  it("caps the working copy of a large photo and cuts the same garment out of it", async () => {
    const big = await sharp(await garmentPhoto("tee")).resize(3600, 4800).jpeg({ quality: 90 }).toBuffer();
    const cut = await cutOutGarment(big);
    expect(Math.max(cut.sourceWidth, cut.sourceHeight)).toBe(1600);
    expect(Math.abs(cut.coverage - area(await shapeMask("tee"))) / area(await shapeMask("tee"))).toBeLessThan(0.03);
  });

  it("is deterministic", async () => {
    const input = await noisyJpeg(await garmentPhoto("tee"));
    const [a, b] = await Promise.all([cutOutGarment(input), cutOutGarment(input)]);
    expect(a.rgba.equals(b.rgba)).toBe(true);
    expect(a.coverage).toBe(b.coverage);
  });

  it("refuses a photo of one uniform colour, clean or noisy, as having no subject", async () => {
    const flat = await sharp({ create: { width: 800, height: 600, channels: 3, background: "#d9d4cc" } }).png().toBuffer();
    expect((await refusal(flat)).code).toBe("no_subject");
    expect((await refusal(await noisyJpeg(flat, 10))).code).toBe("no_subject");
  });

  it("refuses a photo that is all garment, with no background to cut from", async () => {
    const raw = Buffer.alloc(400 * 400 * 3);
    const next = mulberry32(7);
    // Large random blocks of colour: no stretch of the border agrees with another.
    for (let y = 0; y < 400; y++) {
      for (let x = 0; x < 400; x++) {
        const block = mulberry32(((y >> 4) * 25 + (x >> 4)) * 7919)();
        for (let c = 0; c < 3; c++) raw[(y * 400 + x) * 3 + c] = Math.floor(block * 255 * (c + 1)) % 256 ^ Math.floor(next() * 4);
      }
    }
    const busy = await sharp(raw, { raw: { width: 400, height: 400, channels: 3 } }).png().toBuffer();
    expect((await refusal(busy)).code).toBe("no_subject");
  });

  it("refuses bytes that are not an image, and a truncated JPEG, as unreadable", async () => {
    expect((await refusal(Buffer.from("this is not an image at all, just some text"))).code).toBe("unreadable");
    const jpeg = await garmentPhoto("tee").then((png) => sharp(png).jpeg().toBuffer());
    expect((await refusal(jpeg.subarray(0, jpeg.length >> 1))).code).toBe("unreadable");
  });
});
