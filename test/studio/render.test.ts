import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { MODEL_PRESETS, POSE_PRESETS, SCENE_PRESETS } from "~/lib/presets";
import {
  renderStudioShot,
  STUDIO_MODEL_PRESETS,
  STUDIO_POSE_PRESETS,
  STUDIO_PROVIDER_LABEL,
  STUDIO_SCENE_PRESETS,
  StudioInputError,
  type StudioAspectRatio,
  type StudioRequest,
} from "../../worker/providers/studio";
import { garmentPhoto, noisyJpeg } from "./fixtures";

let tee: Buffer;
let trousers: Buffer;

beforeAll(async () => {
  tee = await noisyJpeg(await garmentPhoto("tee"), 6, 85);
  trousers = await garmentPhoto("trousers", { fill: "#1d3f8f" });
});

const request = (over: Partial<StudioRequest> = {}): StudioRequest => ({
  input: tee,
  modelPreset: "fashion_model_v1",
  posePreset: "standing",
  scenePreset: "studio",
  seed: 1,
  ...over,
});

type Pixels = { data: Buffer; width: number; height: number };

async function pixels(jpeg: Buffer): Promise<Pixels> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Share of pixels in a region (fractions of the frame) for which `test` holds. */
function share(p: Pixels, [x0, y0, x1, y1]: [number, number, number, number], test: (r: number, g: number, b: number) => boolean): number {
  let hit = 0;
  let total = 0;
  for (let y = Math.floor(y0 * p.height); y < y1 * p.height; y++) {
    for (let x = Math.floor(x0 * p.width); x < x1 * p.width; x++) {
      const i = (y * p.width + x) * 3;
      total++;
      if (test(p.data[i]!, p.data[i + 1]!, p.data[i + 2]!)) hit++;
    }
  }
  return hit / total;
}

function mean(p: Pixels, [x0, y0, x1, y1]: [number, number, number, number]): [number, number, number] {
  const sum = [0, 0, 0];
  let total = 0;
  for (let y = Math.floor(y0 * p.height); y < y1 * p.height; y++) {
    for (let x = Math.floor(x0 * p.width); x < x1 * p.width; x++) {
      const i = (y * p.width + x) * 3;
      for (let c = 0; c < 3; c++) sum[c]! += p.data[i + c]!;
      total++;
    }
  }
  return sum.map((s) => s / total) as [number, number, number];
}

const red = (r: number, g: number, b: number) => r > 140 && g < 70 && b < 90;
const blue = (r: number, g: number, b: number) => b > 90 && r < 70 && b - r > 50;

describe("renderStudioShot", () => {
  it("renders a 2048 px JPEG in every aspect ratio, without metadata", async () => {
    const expected: Record<StudioAspectRatio, [number, number]> = {
      "1:1": [2048, 2048],
      "3:4": [1536, 2048],
      "4:5": [1638, 2048],
      "2:3": [1365, 2048],
      "9:16": [1152, 2048],
      "16:9": [2048, 1152],
    };
    for (const [aspectRatio, [width, height]] of Object.entries(expected) as [StudioAspectRatio, [number, number]][]) {
      const out = await renderStudioShot(request({ aspectRatio }));
      const meta = await sharp(out.image).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: "jpeg", width, height });
      expect(out).toMatchObject({ mimeType: "image/jpeg", width, height });
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
    }
  });

  it("defaults to 3:4 and reports the share of the photo kept as garment", async () => {
    const out = await renderStudioShot(request());
    expect([out.width, out.height]).toEqual([1536, 2048]);
    expect(out.maskCoverage).toBeGreaterThan(0.38);
    expect(out.maskCoverage).toBeLessThan(0.43);
  });

  it("is byte-identical for the same request and seed, and differs for another seed or scene", async () => {
    const [a, b, otherSeed, otherScene] = await Promise.all([
      renderStudioShot(request({ seed: 5 })),
      renderStudioShot(request({ seed: 5 })),
      renderStudioShot(request({ seed: 6 })),
      renderStudioShot(request({ seed: 5, scenePreset: "beach" })),
    ]);
    expect(a.image.equals(b.image)).toBe(true);
    expect(a.image.equals(otherSeed.image)).toBe(false);
    expect(a.image.equals(otherScene.image)).toBe(false);
  });

  it("puts a top on the chest and trousers on the legs", async () => {
    const top = await pixels((await renderStudioShot(request())).image);
    const chest: [number, number, number, number] = [0.42, 0.28, 0.58, 0.4];
    const shins: [number, number, number, number] = [0.4, 0.7, 0.6, 0.8];
    expect(share(top, chest, red)).toBeGreaterThan(0.9);
    expect(share(top, shins, red)).toBeLessThan(0.02);

    const bottom = await pixels((await renderStudioShot(request({ input: trousers, scenePreset: "loft" }))).image);
    expect(share(bottom, shins, blue)).toBeGreaterThan(0.5);
    expect(share(bottom, chest, blue)).toBeLessThan(0.02);
  });

  it("leaves the frame's edges to the backdrop, which differs by scene", async () => {
    const corner: [number, number, number, number] = [0, 0, 0.15, 0.25];
    const colours = await Promise.all(
      STUDIO_SCENE_PRESETS.map(async (scenePreset) => {
        const p = await pixels((await renderStudioShot(request({ scenePreset, seed: 3 }))).image);
        expect(share(p, corner, red)).toBe(0);
        return mean(p, corner);
      }),
    );
    for (let i = 0; i < colours.length; i++) {
      for (let j = i + 1; j < colours.length; j++) {
        const d = Math.hypot(...colours[i]!.map((c, k) => c - colours[j]![k]!));
        expect(d, `${STUDIO_SCENE_PRESETS[i]} vs ${STUDIO_SCENE_PRESETS[j]}`).toBeGreaterThan(20);
      }
    }
  });

  it("draws unknown presets as the nearest known ones instead of failing", async () => {
    const same = async (unknown: Partial<StudioRequest>, known: Partial<StudioRequest>) => {
      const [a, b] = await Promise.all([renderStudioShot(request(unknown)), renderStudioShot(request(known))]);
      expect(a.image.equals(b.image)).toBe(true);
    };
    await same({ scenePreset: "mars" }, { scenePreset: "studio" });
    await same({ posePreset: "moonwalk" }, { posePreset: "standing" });
    await same({ modelPreset: "somebody_new" }, { modelPreset: "fashion_model_v1" });
    await same({ modelPreset: "fashion_model_v2_petite" }, { modelPreset: "fashion_model_v1_petite" });
    await same({ modelPreset: "vintage_dress_form" }, { modelPreset: "dress_form" });
  });

  it("draws every catalog preset as itself: model, pose and scene each change the picture", async () => {
    const known = (ids: readonly string[]) => (id: string) => ids.includes(id);
    expect(MODEL_PRESETS.map((m) => m.id).every(known(STUDIO_MODEL_PRESETS))).toBe(true);
    expect(POSE_PRESETS.map((p) => p.id).every(known(STUDIO_POSE_PRESETS))).toBe(true);
    expect(SCENE_PRESETS.map((s) => s.id).every(known(STUDIO_SCENE_PRESETS))).toBe(true);

    const hashes = new Set<string>();
    const variants: Partial<StudioRequest>[] = [
      ...STUDIO_MODEL_PRESETS.map((modelPreset) => ({ modelPreset })),
      ...STUDIO_POSE_PRESETS.filter((p) => p !== "standing").map((posePreset) => ({ posePreset })),
    ];
    for (const v of variants) hashes.add((await renderStudioShot(request(v))).image.toString("base64"));
    expect(hashes.size).toBe(variants.length);
  });

  it("encodes HD at a higher quality with full-resolution colour", async () => {
    const [standard, hd] = await Promise.all([renderStudioShot(request()), renderStudioShot(request({ quality: "hd" }))]);
    expect([hd.width, hd.height]).toEqual([standard.width, standard.height]);
    expect(hd.image.length).toBeGreaterThan(standard.image.length);
    expect((await sharp(hd.image).metadata()).chromaSubsampling).toBe("4:4:4");
    expect((await sharp(standard.image).metadata()).chromaSubsampling).toBe("4:2:0");
  });

  it("passes the cut-out's refusals on", async () => {
    const flat = await sharp({ create: { width: 600, height: 800, channels: 3, background: "#eeeeee" } }).jpeg().toBuffer();
    await expect(renderStudioShot(request({ input: flat }))).rejects.toMatchObject({ name: "StudioInputError", code: "no_subject" });
    await expect(renderStudioShot(request({ input: Buffer.from("GIF89a-but-not-really") }))).rejects.toBeInstanceOf(StudioInputError);
  });

  it("is labelled as what it is", () => {
    expect(STUDIO_PROVIDER_LABEL).toBe("Studio (compositing, no AI)");
  });
});
