import { describe, expect, it } from "vitest";
import { MODEL_PRESETS, shootOptions, shootPrice } from "~/lib/presets";

describe("shoot presets and pricing", () => {
  it("prices products × variations × credits per image", () => {
    expect(shootPrice({ products: 12, variations: 3, generationType: "standard" })).toEqual({ images: 36, perImage: 1, total: 36 });
    expect(shootPrice({ products: 500, variations: 4, generationType: "hd" })).toEqual({ images: 2000, perImage: 2, total: 4000 });
  });

  it("accepts the seed's defaults and refuses unknown presets, bad variations and long prompts", () => {
    const ok = shootOptions.parse({ modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" });
    expect(ok).toMatchObject({ aspectRatio: "3:4", variations: 1 });
    expect(ok.prompt).toBeUndefined();
    const bad = (over: Record<string, unknown>) =>
      shootOptions.safeParse({ modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard", ...over }).success;
    expect(bad({ modelPreset: "nope" })).toBe(false);
    expect(bad({ variations: 5 })).toBe(false);
    expect(bad({ variations: 0 })).toBe(false);
    expect(bad({ generationType: "ultra" })).toBe(false);
    expect(bad({ prompt: "x".repeat(501) })).toBe(false);
    expect(bad({ prompt: "  " })).toBe(true);
    expect(new Set(MODEL_PRESETS.map((m) => m.id)).size).toBe(MODEL_PRESETS.length);
  });
});
