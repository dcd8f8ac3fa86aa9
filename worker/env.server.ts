import { z } from "zod";
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  EnvError,
  logLevel,
  nodeEnv,
  postgresUrl,
  redisUrl,
  withoutEmpty,
} from "../app/lib/env-schema";
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
});

export type WorkerEnv = z.infer<typeof schema>;

export function parseWorkerEnv(source: Record<string, string | undefined>): WorkerEnv {
  const result = schema.safeParse(withoutEmpty(source));
  if (!result.success) throw new EnvError("worker", result.error);
  return result.data;
}
