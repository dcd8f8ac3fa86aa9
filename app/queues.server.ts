import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import prisma from "./db.server";
import { appEnv } from "./env.server";
import { enqueueGenerationJobs } from "./lib/generate-queue.server";
import { enqueuePublications } from "./lib/publish-queue.server";
import { logger } from "./logger.server";

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

function queue(name: "import" | "generate" | "publish"): Queue {
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
  await queue("import").add("import", { shopId, runId }, { jobId: runId });
}

/** A finished bulk operation: run its waiting import now instead of at the next poll. */
export async function wakeImport(runId: string): Promise<void> {
  const job = await Job.fromId(queue("import"), runId);
  if (job && (await job.isDelayed())) await job.promote();
}

/** A new shoot's jobs onto the generate queue (see enqueueGenerationJobs). */
export async function enqueueShoot(shopId: string, jobIds: string[], timeoutMs = 5_000): Promise<boolean> {
  // With Redis down, BullMQ would wait for it indefinitely; the jobs stay pending and
  // the sweeper enqueues them once it is back.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([enqueueGenerationJobs(queue("generate"), prisma, shopId, jobIds).then(() => true), timeout]);
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
    const job = await Job.fromId(queue("generate"), id);
    if (job && (await job.isDelayed())) await job.promote();
  }
}

/**
 * Publications for the publish worker. With Redis down they stay pending in the
 * database and the sweeper enqueues them later; the merchant's request is not lost.
 */
export async function enqueuePublish(shopId: string, publicationIds: string[], timeoutMs = 5_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    const add = enqueuePublications(queue("publish"), publicationIds.map((id) => ({ id, shopId }))).then(() => true);
    return await Promise.race([add, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function closeQueues(): Promise<void> {
  const state = globalThis.__atelierQueues;
  if (!state) return;
  await Promise.all([...state.queues.values()].map((q) => q.close()));
  state.connection.disconnect();
  globalThis.__atelierQueues = undefined;
}
