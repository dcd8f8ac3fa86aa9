import pino from "pino";
import { describe, expect, it } from "vitest";
import { parseWorkerEnv } from "../../worker/env.server";
import { configuredProviders, routerFromEnv } from "../../worker/providers/registry";
import { buildRouter } from "../../worker/providers/routing";

const job = { generationType: "standard", modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio" };
const all = new Set(["studio", "fashn", "fal", "replicate", "http"]);

describe("provider routing", () => {
  it("picks the most specific route: type and preset, then preset, then type, then the default", () => {
    const router = buildRouter(
      {
        default: "studio:studio-compositor",
        hd: "fal:fal-ai/flux-pro/kontext",
        "scene:beach": "replicate:black-forest-labs/flux-kontext-pro",
        "hd/scene:beach": "fashn:product-to-model",
      },
      { allowNonCommercial: false, configuredProviders: all },
    );
    expect(router.resolve(job).id).toBe("studio:studio-compositor");
    expect(router.resolve({ ...job, generationType: "hd" }).id).toBe("fal:fal-ai/flux-pro/kontext");
    expect(router.resolve({ ...job, scenePreset: "beach" }).id).toBe("replicate:black-forest-labs/flux-kontext-pro");
    expect(router.resolve({ ...job, generationType: "hd", scenePreset: "beach" }).id).toBe("fashn:product-to-model");
    expect(router.refused).toEqual([]);
  });

  it("refuses non-commercial models (IDM-VTON, CatVTON, OOTDiffusion) unless an operator allows them, with the reason", () => {
    const routes = { hd: "fal:fal-ai/idm-vton", "scene:loft": "replicate:viktorfa/oot_diffusion:" + "a".repeat(64), "scene:beach": "fal:fal-ai/cat-vton" };
    const strict = buildRouter(routes, { allowNonCommercial: false, configuredProviders: all });
    expect(strict.refused.map((r) => r.key).sort()).toEqual(["hd", "scene:beach", "scene:loft"]);
    expect(strict.refused[0]!.reason).toMatch(/CC BY-NC-SA 4\.0.*ALLOW_NONCOMMERCIAL_MODELS/);
    // Refused routes fall back to a less specific one, never to the refused model.
    expect(strict.resolve({ ...job, generationType: "hd" }).id).toBe("studio:studio-compositor");
    const allowed = buildRouter(routes, { allowNonCommercial: true, configuredProviders: all });
    expect(allowed.refused).toEqual([]);
    expect(allowed.resolve({ ...job, generationType: "hd" }).licence).toMatch(/CC BY-NC-SA/);
  });

  it("refuses models outside the catalog and providers without credentials", () => {
    const router = buildRouter({ hd: "fal:some/unknown-model", standard: "fashn:product-to-model" }, { allowNonCommercial: false, configuredProviders: new Set(["studio"]) });
    expect(router.refused.map((r) => [r.key, r.reason.split(" ").slice(0, 3).join(" ")])).toEqual([
      ["hd", "not in the"],
      ["standard", "provider fashn has"],
    ]);
  });

  it("builds the worker's providers and routes from the environment and logs refusals", () => {
    const env = parseWorkerEnv({ GENERATION_PROVIDER: "fashn", FASHN_API_KEY: "fa-key-12345678", GENERATION_ROUTES: '{"hd":"fal:fal-ai/idm-vton"}' });
    const providers = configuredProviders(env);
    expect([...providers.keys()].sort()).toEqual(["fashn", "studio"]);
    const logged: string[] = [];
    const log = pino({ level: "error" }, { write: (line: string) => void logged.push(line) });
    const router = routerFromEnv(env, providers, log);
    expect(router.resolve(job).id).toBe("fashn:product-to-model");
    expect(logged.join("")).toMatch(/route refused: its licence forbids commercial use/);
    expect(() => parseWorkerEnv({ GENERATION_ROUTES: "{nope" })).toThrow(/GENERATION_ROUTES/);
    expect(parseWorkerEnv({ TRYON_MODEL_IMAGES: '{"fashion_model_v1":"https://cdn.example/ava.jpg"}' }).TRYON_MODEL_IMAGES).toEqual({
      fashion_model_v1: "https://cdn.example/ava.jpg",
    });
    expect(() => parseWorkerEnv({ TRYON_MODEL_IMAGES: '{"fashion_model_v1":"ava.jpg"}' })).toThrow(/TRYON_MODEL_IMAGES/);
    expect(() => parseWorkerEnv({ GENERATION_ROUTES: '{"hd beach":"x:y"}' })).toThrow(/GENERATION_ROUTES.hd beach/);
  });
});
