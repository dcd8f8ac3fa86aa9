import { z } from "zod";
import { findModel, type ModelEntry } from "./models";

// Which provider and model serve a job is configuration (GENERATION_ROUTES), keyed by
// generation type and by preset, most specific first:
//   {"default": "studio:studio-compositor", "hd": "fal:fal-ai/flux-pro/kontext",
//    "scene:beach": "replicate:black-forest-labs/flux-kontext-pro"}
// Keys: "default", a generation type ("standard", "hd"), or "model:<id>", "pose:<id>",
// "scene:<id>", optionally joined with a type ("hd/scene:beach").

export const DEFAULT_ROUTE = "studio:studio-compositor";

const routeKey = z.string().regex(/^(default|[a-z_]+|(?:[a-z_]+\/)?(model|pose|scene):[a-z0-9_]+)$/, "route keys look like hd, scene:beach or hd/scene:beach");
export const routesSchema = z.record(routeKey, z.string().min(3)).default({ default: DEFAULT_ROUTE });

export interface RouteRefusal {
  key: string;
  model: string;
  reason: string;
}

export interface Router {
  resolve(job: { generationType: string; modelPreset: string; posePreset: string; scenePreset: string }): ModelEntry;
  /** Routes dropped at start, with why (unknown model, licence, provider not configured). */
  refused: RouteRefusal[];
}

/**
 * Builds the router from configuration. A route to a model whose licence forbids
 * commercial use, to an unknown model, or to a provider without credentials is dropped
 * (and reported) so its jobs fall back to a less specific route, never to it.
 */
export function buildRouter(
  routes: Record<string, string>,
  p: { allowNonCommercial: boolean; configuredProviders: ReadonlySet<string> },
): Router {
  const refused: RouteRefusal[] = [];
  const table = new Map<string, ModelEntry>();
  for (const [key, id] of Object.entries(routes)) {
    const model = findModel(id);
    if (!model) {
      refused.push({ key, model: id, reason: "not in the model catalog (worker/providers/models.ts), so its licence is unknown" });
    } else if (!model.commercialUse && !p.allowNonCommercial) {
      refused.push({ key, model: id, reason: `its licence forbids commercial use (${model.licence}); set ALLOW_NONCOMMERCIAL_MODELS=true to allow it` });
    } else if (!p.configuredProviders.has(model.provider)) {
      refused.push({ key, model: id, reason: `provider ${model.provider} has no credentials configured` });
    } else {
      table.set(key, model);
    }
  }
  const fallback = table.get("default") ?? findModel(DEFAULT_ROUTE)!;
  return {
    refused,
    resolve(job) {
      const t = job.generationType;
      const candidates = [
        `${t}/model:${job.modelPreset}`,
        `${t}/pose:${job.posePreset}`,
        `${t}/scene:${job.scenePreset}`,
        `model:${job.modelPreset}`,
        `pose:${job.posePreset}`,
        `scene:${job.scenePreset}`,
        t,
      ];
      for (const key of candidates) {
        const hit = table.get(key);
        if (hit) return hit;
      }
      return fallback;
    },
  };
}
