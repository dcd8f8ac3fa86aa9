import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import prisma from "./db.server";
import { appEnv } from "./env.server";
import { enqueueGenerationJobs } from "./lib/generate-queue.server";
import { enqueuePublications } from "./lib/publish-queue.server";
import { logger } from "./logger.server";
import type { QueueName } from "../worker/queues";

declare global {
  var __atelierQueues: { connection: Redis; queues: Map<string, Queue> } | undefined;
}

let lastWarning = 0;
// ioredis and BullMQ retry on their own; say so once in a while instead of on every try.
function warnRedisDown(error: Error): void {
  if (Date.now() - lastWarning < 30_000) return;
  lastWarning = Date.now();
  logger.warn({ err: error.message }, "Redis unavailable; new jobs wait in the database until it is back");
}

/** The app's handle on a worker queue: one Redis connection for all, opened on first use. */
export function appQueue(name: QueueName): Queue {
  if (!globalThis.__atelierQueues) {
    const env = appEnv();
    const connection = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
    connection.on("error", warnRedisDown);
    globalThis.__atelierQueues = { connection, queues: new Map() };
  }
  const state = globalThis.__atelierQueues;
  let q = state.queues.get(name);
  if (!q) {
    q = new Queue(name, {
      connection: state.connection,
      prefix: appEnv().REDIS_PREFIX,
      defaultJobOptions: { attempts: 3, backoff: { type: "exponential", delay: 2000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 604_800 } },
    });
    q.on("error", warnRedisDown);
    state.queues.set(name, q);
  }
  return q;
}

/** One job per import run (the run id is the job id), so a double submit enqueues once. */
export async function enqueueImport(shopId: string, runId: string): Promise<void> {
  await appQueue("import").add("import", { shopId, runId }, { jobId: runId });
}

/** A finished bulk operation: run its waiting import now instead of at the next poll. */
export async function wakeImport(runId: string): Promise<void> {
  const job = await Job.fromId(appQueue("import"), runId);
  if (job && (await job.isDelayed())) await job.promote();
}

/** A new shoot's jobs onto the generate queue (see enqueueGenerationJobs). */
export async function enqueueShoot(shopId: string, jobIds: string[], timeoutMs = 5_000): Promise<boolean> {
  // With Redis down, BullMQ would wait for it indefinitely; the jobs stay pending and
  // the sweeper enqueues them once it is back.
  return withTimeout(enqueueGenerationJobs(appQueue("generate"), prisma, shopId, jobIds).then(() => true), timeoutMs, false);
}

/** What `work` gives, or `fallback` once `ms` have passed (BullMQ waits for Redis indefinitely). */
export async function withTimeout<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs generate jobs now instead of at their next scheduled check: a provider's
 * webhook said something happened, or the merchant cancelled work in flight.
 */
export async function wakeGeneration(jobIds: string[]): Promise<void> {
  for (const id of jobIds) {
    const job = await Job.fromId(appQueue("generate"), id);
    if (job && (await job.isDelayed())) await job.promote();
  }
}

/**
 * Publications for the publish worker. With Redis down they stay pending in the
 * database and the sweeper enqueues them later; the merchant's request is not lost.
 */
export async function enqueuePublish(shopId: string, publicationIds: string[], timeoutMs = 5_000): Promise<boolean> {
  const add = enqueuePublications(appQueue("publish"), publicationIds.map((id) => ({ id, shopId }))).then(() => true);
  return withTimeout(add, timeoutMs, false);
}

export async function closeQueues(): Promise<void> {
  const state = globalThis.__atelierQueues;
  if (!state) return;
  await Promise.all([...state.queues.values()].map((q) => q.close()));
  state.connection.disconnect();
  globalThis.__atelierQueues = undefined;
}
