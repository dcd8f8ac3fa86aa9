import { z } from "zod";
import { DEV_SESSION_ENCRYPTION_KEYS, sessionEncryptionKeys } from "../app/services/shopify/token-crypto.server";
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  DEV_PROVIDER_WEBHOOK_SECRET,
  devOrigins,
  EnvError,
  jsonEnv,
  logLevel,
  nodeEnv,
  postgresUrl,
  redisUrl,
  withoutEmpty,
} from "../app/lib/env-schema";
import { PROVIDER_NAMES } from "./providers/provider";
import { routesSchema } from "./providers/routing";
import { QUEUE_NAMES } from "./queues";

const schema = z.object({
  NODE_ENV: nodeEnv,
  DATABASE_URL: postgresUrl.default(DEFAULT_DATABASE_URL),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  REDIS_URL: redisUrl.default(DEFAULT_REDIS_URL),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default("atelier"),
  LOG_LEVEL: logLevel,
  /** Which queues this process consumes; lets a fleet split work across machines. */
  WORKER_QUEUES: z
    .string()
    .default(QUEUE_NAMES.join(","))
    .transform((s) => s.split(",").map((q) => q.trim()).filter(Boolean))
    .pipe(z.array(z.enum(QUEUE_NAMES)).min(1)),
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  LEDGER_RECONCILE_EVERY_MS: z.coerce.number().int().min(10_000).default(60 * 60 * 1000),
  IMPORT_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(4),
  /** Publications worked on at once per process; Shopify's cost bucket paces them per shop. */
  PUBLISH_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(4),
  /** The provider serving every job no route claims; its default model (see providers/registry.ts). */
  GENERATION_PROVIDER: z.enum(PROVIDER_NAMES).default("studio"),
  /** JSON routes by generation type and preset, e.g. {"hd":"fal:fal-ai/flux-pro/kontext"}. */
  GENERATION_ROUTES: jsonEnv(routesSchema),
  /** Models whose licence forbids commercial use (IDM-VTON, CatVTON, OOTDiffusion) are refused unless this is true. */
  ALLOW_NONCOMMERCIAL_MODELS: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  /** Try-on models dress a person photo: JSON {"<model preset>": "<public image URL>"}. */
  TRYON_MODEL_IMAGES: jsonEnv(z.record(z.string(), z.string().url())),
  /** Keys that encrypt Shopify access tokens at rest, id:base64 (32 bytes), newest first. */
  SESSION_ENCRYPTION_KEYS: z
      .string()
      .default(DEV_SESSION_ENCRYPTION_KEYS)
      .refine((spec) => sessionEncryptionKeys.safeParse(spec).success, "keys are id:base64 of 32 random bytes, comma-separated, ids unique"),
  FASHN_API_KEY: z.string().min(8).optional(),
  FASHN_BASE_URL: z.string().url().optional(),
  FAL_KEY: z.string().min(8).optional(),
  FAL_QUEUE_URL: z.string().url().optional(),
  REPLICATE_API_TOKEN: z.string().min(8).optional(),
  REPLICATE_BASE_URL: z.string().url().optional(),
  GPU_WORKER_URL: z.string().url().optional(),
  GPU_WORKER_TOKEN: z.string().min(8).optional(),
  /** The app's public URL for provider webhooks; without it jobs are only polled. */
  PROVIDER_WEBHOOK_BASE_URL: z.string().url().optional(),
  PROVIDER_WEBHOOK_SECRET: z.string().min(16).default(DEV_PROVIDER_WEBHOOK_SECRET),
  /** How long an account failure (bad key, out of credits) pauses a provider. */
  PROVIDER_PAUSE_MS: z.coerce.number().int().min(1000).default(5 * 60_000),
  GENERATE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** Cap on photos in flight at the provider across the whole fleet (its rate limit). */
  PROVIDER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(64),
  GENERATE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10 * 60_000),
  /** How long a job's lock lives without renewal; a dead worker's jobs are retaken after it. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  PENDING_SWEEP_EVERY_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Origins exempt from the download guard's address check (the simulated shop); development only. */
  FETCH_ALLOWED_ORIGINS: devOrigins,
}).superRefine((env, ctx) => {
  if (env.NODE_ENV === "production" && env.SESSION_ENCRYPTION_KEYS.includes(DEV_SESSION_ENCRYPTION_KEYS)) {
    ctx.addIssue({ code: "custom", path: ["SESSION_ENCRYPTION_KEYS"], message: "required in production" });
  }
  if (env.NODE_ENV === "production" && env.FETCH_ALLOWED_ORIGINS.length > 0) {
    ctx.addIssue({ code: "custom", path: ["FETCH_ALLOWED_ORIGINS"], message: "not allowed in production" });
  }
  if (env.NODE_ENV === "production" && env.PROVIDER_WEBHOOK_BASE_URL && env.PROVIDER_WEBHOOK_SECRET === DEV_PROVIDER_WEBHOOK_SECRET) {
    ctx.addIssue({ code: "custom", path: ["PROVIDER_WEBHOOK_SECRET"], message: "required in production when webhooks are on" });
  }
});

export type WorkerEnv = z.infer<typeof schema>;

export function parseWorkerEnv(source: Record<string, string | undefined>): WorkerEnv {
  const result = schema.safeParse(withoutEmpty(source));
  if (!result.success) throw new EnvError("worker", result.error);
  return result.data;
}
