import type { Logger } from "pino";
import type { WorkerEnv } from "../env.server";
import { falProvider } from "./fal";
import { fashnProvider } from "./fashn";
import { httpWorkerProvider } from "./http-worker";
import type { Provider, ProviderName } from "./provider";
import { replicateProvider } from "./replicate";
import { buildRouter, type Router } from "./routing";
import { studioProvider } from "./studio-provider";

/** The model GENERATION_PROVIDER=<name> routes everything to. */
export const DEFAULT_MODELS: Record<ProviderName, string> = {
  studio: "studio-compositor",
  fashn: "product-to-model",
  fal: "fal-ai/flux-pro/kontext",
  replicate: "black-forest-labs/flux-kontext-pro",
  http: "self-hosted",
};

/** The adapters this worker has credentials for; studio is always there. */
export function configuredProviders(env: WorkerEnv): Map<string, Provider> {
  const providers = new Map<string, Provider>([["studio", studioProvider()]]);
  if (env.FASHN_API_KEY) providers.set("fashn", fashnProvider({ apiKey: env.FASHN_API_KEY, baseUrl: env.FASHN_BASE_URL, modelImages: env.TRYON_MODEL_IMAGES }));
  if (env.FAL_KEY) providers.set("fal", falProvider({ apiKey: env.FAL_KEY, queueUrl: env.FAL_QUEUE_URL }));
  if (env.REPLICATE_API_TOKEN) {
    providers.set("replicate", replicateProvider({ apiToken: env.REPLICATE_API_TOKEN, baseUrl: env.REPLICATE_BASE_URL, modelImages: env.TRYON_MODEL_IMAGES }));
  }
  if (env.GPU_WORKER_URL && env.GPU_WORKER_TOKEN) {
    providers.set("http", httpWorkerProvider({ baseUrl: env.GPU_WORKER_URL, token: env.GPU_WORKER_TOKEN }));
  }
  return providers;
}

/** Routes from GENERATION_ROUTES over GENERATION_PROVIDER's default; refusals are logged with their reason. */
export function routerFromEnv(env: WorkerEnv, providers: ReadonlyMap<string, Provider>, log: Logger): Router {
  const routes = { default: `${env.GENERATION_PROVIDER}:${DEFAULT_MODELS[env.GENERATION_PROVIDER]}`, ...env.GENERATION_ROUTES };
  const router = buildRouter(routes, { allowNonCommercial: env.ALLOW_NONCOMMERCIAL_MODELS, configuredProviders: new Set(providers.keys()) });
  for (const r of router.refused) log.error({ route: r.key, model: r.model, alert: "route_refused" }, `route refused: ${r.reason}`);
  return router;
}
